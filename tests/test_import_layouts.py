"""``import loganalyzer`` works both installed and straight from a source checkout.

Installed, the top-level ``grammars/`` folder is the subpackage ``loganalyzer.grammars``
(pyproject's package-dir); a notebook started in the repository after ``pip install .``
imports the checkout's ``loganalyzer/`` instead, where the grammars sit beside it.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

PROBE = """
import loganalyzer, loganalyzer.grammars
from loganalyzer.parsers.payloads import event_fields
print(loganalyzer.grammars.__file__)
line = "Event: name=WALinuxAgent, op=ProcessGoalState, message=Incarnation 1, duration=9"
print(event_fields(line)["event_op"])
"""


def test_a_source_checkout_imports_its_grammars_without_an_install(tmp_path: Path) -> None:
    checkout = tmp_path / "checkout"
    for folder in ("loganalyzer", "grammars"):
        shutil.copytree(REPO / folder, checkout / folder, ignore=shutil.ignore_patterns("__pycache__"))
    # -S: no site processing, so no editable-install finder maps loganalyzer.grammars for us;
    # the dependencies still come from this environment's site-packages.
    env = {"PYTHONPATH": sysconfig.get_paths()["purelib"], "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "-S", "-c", PROBE], cwd=checkout, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    grammars_file, op = done.stdout.split()
    assert Path(grammars_file) == checkout / "grammars" / "__init__.py"
    assert op == "ProcessGoalState"
