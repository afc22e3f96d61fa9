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


def _declared_packaging() -> tuple[set[str], dict[str, list[str]]]:
    import tomllib
    setuptools = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]
    return set(setuptools["packages"]), setuptools.get("package-data", {})


def test_every_package_folder_is_declared_so_a_wheel_carries_it() -> None:
    """A non-editable ``pip install .`` ships only the packages pyproject names: a new
    subpackage left out imports fine from the checkout and fails once installed."""
    packages, _ = _declared_packaging()
    on_disk = {".".join(init.parent.relative_to(REPO).parts)
               for init in (REPO / "loganalyzer").rglob("__init__.py")
               if "__pycache__" not in init.parts}
    assert on_disk - packages == set(), "add these to [tool.setuptools] packages"


def test_every_data_file_a_package_reads_is_declared_package_data() -> None:
    import fnmatch
    packages, package_data = _declared_packaging()
    missing = []
    for path in (REPO / "loganalyzer").rglob("*"):
        if not path.is_file() or path.suffix in (".py", ".pyc") or "__pycache__" in path.parts:
            continue
        rel_parts = path.relative_to(REPO).parts
        # the owning package is the deepest declared package above the file
        for depth in range(len(rel_parts) - 1, 0, -1):
            owner = ".".join(rel_parts[:depth])
            if owner in packages:
                break
        inside = "/".join(rel_parts[depth:])
        declared = any(fnmatch.fnmatch(inside, pattern) for pattern in package_data.get(owner, []))
        # README files document their folder and are not read at run time
        if not declared and path.suffix != ".md":
            missing.append(str(path.relative_to(REPO)))
    assert missing == [], "add these to [tool.setuptools.package-data]"
