"""Memory budgets: state documents and streams that would need GiBs are read within a fixed budget.

Each input is generated in ``tmp_path`` in batches; each analysis runs in its own process whose
peak RSS (``VmHWM``, which starts afresh at exec) is compared with a generous bound — never a
time.  Figures before the budgets (same inputs): ExtensionsConfig 1.4 GiB, waagent.conf 468 MiB,
3 M events 1.3 GiB, xz 298 MiB (see the issue-17 note).
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hostile_inputs import (
    WAAGENT_LINES,
    MiB,
    extension_event_files,
    extensions_config_plugins,
    waagent_conf_keys,
    xz_declaring_dictionary,
)

pytestmark = pytest.mark.slow

_MEASURE = """
import json, sys
import loganalyzer
from loganalyzer.limits import Limits
path, how, overrides = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
limits = Limits().with_overrides([f"{k}={v}" for k, v in overrides.items()])
if how == "events":
    bundle = loganalyzer.open_bundle(path, limits=limits)
    rows = len(bundle.events)
    coverage = bundle.analyze().coverage
else:
    rows = None
    coverage = loganalyzer.analyze(path, limits=limits).coverage
peak = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(json.dumps({"peak_mib": peak / 1024, "rows": rows, "coverage": [
    {"path": c.path, "status": str(c.status), "records": c.records, "reason": c.reason} for c in coverage]}))
"""


def _measure(path: Path, how: str = "analyze", **overrides: Any) -> dict[str, Any]:
    proc = subprocess.run([sys.executable, "-c", _MEASURE, str(path), how, json.dumps(overrides)],
                          capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr[-3000:]
    return json.loads(proc.stdout.splitlines()[-1])


def _entry(run: dict[str, Any], suffix: str) -> dict[str, Any]:
    return next(c for c in run["coverage"] if c["path"].endswith(suffix))


def test_an_extensions_config_of_880k_plugins_is_read_within_its_element_budget(tmp_path: Path) -> None:
    config = extensions_config_plugins(tmp_path / "vm" / "var/lib/waagent/ExtensionsConfig.1.xml", 880_000)
    assert 28 * MiB < config.stat().st_size < 32 * MiB          # under max_xml_bytes: it is parsed
    run = _measure(tmp_path / "vm")
    entry = _entry(run, "ExtensionsConfig.1.xml")
    assert entry["status"] == "partial"
    assert "XML element limit (20,000 elements, max_xml_elements) reached at line" in entry["reason"]
    assert 0 < entry["records"] < 20_000
    assert run["peak_mib"] < 400, run["peak_mib"]


def test_a_waagent_conf_of_a_million_keys_keeps_the_known_keys_within_budget(tmp_path: Path) -> None:
    waagent_conf_keys(tmp_path / "vm" / "etc/waagent.conf", 1_000_000)
    (tmp_path / "vm" / "var/log").mkdir(parents=True)
    (tmp_path / "vm" / "var/log/waagent.log").write_bytes(WAAGENT_LINES)
    run = _measure(tmp_path / "vm")
    entry = _entry(run, "etc/waagent.conf")
    assert entry["status"] == "partial"
    assert "setting limit (10,000 keys besides the agent's own, max_conf_keys) reached at line 10002: " \
           "990,000 settings not kept" in entry["reason"]
    assert entry["records"] == 10_001                           # the known key at the end is kept
    assert run["peak_mib"] < 200, run["peak_mib"]


def test_three_million_extension_events_stop_at_the_bundle_event_budget(tmp_path: Path) -> None:
    folder = extension_event_files(tmp_path / "vm" / "var/log/azure/Microsoft.Foo.Bar/events", 3_000_000)
    run = _measure(tmp_path / "vm", "events")
    assert run["rows"] == 100_000
    files = sorted((c for c in run["coverage"] if "/events/" in c["path"]), key=lambda c: c["path"])
    assert len(files) == len(list(folder.iterdir())) == 12
    assert sum(c["records"] for c in files) == 100_000
    assert files[0]["status"] == "partial" and "max_extension_events) reached at line" in files[0]["reason"]
    assert all(c["status"] == "skipped" and "reached before this file; not read" in c["reason"]
               for c in files[1:])
    assert run["peak_mib"] < 500, run["peak_mib"]


def test_the_event_budget_is_overridable(tmp_path: Path) -> None:
    extension_event_files(tmp_path / "vm" / "var/log/azure/Microsoft.Foo.Bar/events", 30, per_file=10)
    run = _measure(tmp_path / "vm", "events", max_extension_events=15)
    assert run["rows"] == 15
    assert [c["status"] for c in sorted(run["coverage"], key=lambda c: c["path"])] == \
        ["parsed", "partial", "skipped"]


def test_an_xz_declaring_a_4_gib_dictionary_is_refused_by_the_lzma_memory_limit(tmp_path: Path) -> None:
    xz_declaring_dictionary(tmp_path / "vm" / "var/log/waagent.log.1.xz", 256 * MiB)
    (tmp_path / "vm" / "var/log/waagent.log").write_bytes(WAAGENT_LINES)
    # no ratio limit: only the memory limit stands between this stream and a 4 GiB dictionary
    run = _measure(tmp_path / "vm", max_ratio=1e9)
    entry = _entry(run, "waagent.log.1.xz")
    assert entry["status"] == "skipped"
    assert "xz stream needs more than 256 MiB of memory to decode (its dictionary); over the " \
           "max_xz_memory limit" in entry["reason"]
    assert _entry(run, "var/log/waagent.log")["status"] == "parsed"
    assert run["peak_mib"] < 150, run["peak_mib"]
