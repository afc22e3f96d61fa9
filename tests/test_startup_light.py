"""A run that asks for no frame pays for no frame library: importing loganalyzer, analysing a small
bundle and writing its text and JSON reports import neither pandas, pyarrow nor numpy (issue 15:
start-up stays light).  The notebook frames import them on first use."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

SAMPLE = Path(__file__).resolve().parents[1] / "sample_logs" / "collect-logs-backup-failure.zip"
HEAVY = ("pandas", "pyarrow", "numpy", "dask")

_PROBE = """
import io, json, sys
from contextlib import redirect_stdout
import loganalyzer
from loganalyzer.cli import main
with redirect_stdout(io.StringIO()):
    for fmt in ("text", "json"):
        main([sys.argv[1], "--format", fmt])
result = loganalyzer.analyze(sys.argv[1])
heavy = sys.argv[2].split(",")
print(json.dumps({"loaded": [m for m in heavy if m in sys.modules], "findings": len(result.findings)}))
"""


def test_a_small_bundle_and_its_reports_import_no_frame_library():
    out = subprocess.run([sys.executable, "-c", _PROBE, str(SAMPLE), ",".join(HEAVY)],
                         capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    seen = json.loads(out.stdout.strip().splitlines()[-1])
    assert seen["findings"] > 0          # it did the work …
    assert seen["loaded"] == []          # … without the frame libraries


def test_the_events_frame_still_brings_pandas_when_asked():
    probe = ("import sys, loganalyzer; b = loganalyzer.open_bundle(sys.argv[1]); f = b.events; "
             "print(type(f).__module__.split('.')[0], 'pandas' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", probe, str(SAMPLE)], capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split() == ["pandas", "True"]
