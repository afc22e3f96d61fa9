"""Issue 16 item 9: the README's examples are run as written (with the sample bundle for
``bundle.zip``): the report excerpt, the pipeline commands and the notebook section."""
from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
README = (REPO / "README.md").read_text(encoding="utf-8")
SAMPLE = REPO / "sample_logs" / "collect-logs-backup-failure.zip"
#: a small bundle for the engine benchmark's smoke run
SMALL_BUNDLE = REPO / "sample_logs" / "adhoc-extension-stuck.tar.gz"


def _exe() -> str:
    found = Path(sys.executable).with_name("analyze-logs")
    return str(found) if found.exists() else (shutil.which("analyze-logs") or "analyze-logs")


def _block(after: str, lang: str) -> str:
    start = README.index(f"```{lang}\n", README.index(after)) + len(lang) + 4
    return README[start:README.index("```", start)]


def test_the_report_excerpt_is_what_the_command_prints() -> None:
    excerpt = _block("## What you get", "text")
    out = subprocess.run([_exe(), "sample_logs/collect-logs-backup-failure.zip"], cwd=REPO,
                         capture_output=True, text=True, env={**os.environ, "COLUMNS": "100"},
                         timeout=300).stdout
    lines = out.splitlines()
    for line in excerpt.splitlines():
        if line != "…":
            assert line in lines, line


def test_the_pipeline_commands_run_and_exit_as_commented(tmp_path: Path) -> None:
    block = _block("Use in a pipeline", "sh")
    shutil.copy(SAMPLE, tmp_path / "bundle.zip")
    commands = [line.split("#")[0].strip() for line in block.splitlines() if line.strip()]
    assert len(commands) >= 5
    for command in commands:
        words = shlex.split(command)
        target = None
        if ">" in words:
            target = words[words.index(">") + 1]
            words = words[:words.index(">")]
        assert words[0] == "analyze-logs"
        done = subprocess.run([_exe(), *words[1:]], cwd=tmp_path, capture_output=True, text=True, timeout=300)
        assert done.returncode == 1, (command, done.stderr)          # the sample has error findings
        if target:
            (tmp_path / target).write_text(done.stdout)
        written = re.search(r"-o (\S+)", command)
        name = written.group(1) if written else target
        assert (tmp_path / name).stat().st_size > 1000, command


def test_the_notebook_section_runs(tmp_path: Path) -> None:
    code = _block("## In a notebook", "python")
    namespace: dict = {}
    cwd = os.getcwd()
    os.chdir(REPO)
    try:
        exec(compile(code, "README.md (In a notebook)", "exec"), namespace)
    finally:
        os.chdir(cwd)
    errors = namespace["errors"]
    assert (errors["kind"] == "vmsnapshot_log").any()          # the VMSnapshot failure rows
    assert set(namespace["frames"]) >= {"findings", "causes"}


# -- every shell example is run here, or says why it cannot be -----------------------------------
def _shell_commands() -> list[str]:
    """Each command of the README's ``sh`` blocks, comments cut."""
    blocks = re.findall(r"```sh\n(.*?)```", README, re.S)
    return [line.split("#")[0].strip() for block in blocks for line in block.splitlines() if line.strip()]


#: README commands no test can run as written here, each with why and what stands in for it
NOT_RUN_HERE = {
    "pip install -e '.[test]' && pytest": ".ci/run runs exactly this in a fresh venv",
    "analyze-logs fleet 's3://logs/*.zip' --out fleet-out --scheduler tcp://dask:8786":
        "needs S3 credentials and a Dask scheduler; tests/test_fleet.py runs Dask on a local cluster",
}
#: the test below that runs each of the others (the pipeline block: test_the_pipeline_commands_run…)
RUN_BY_TEST = {
    "pip install . && analyze-logs sample_logs/collect-logs-backup-failure.zip --fail-on never":
        "test_the_quick_start_command_exits_0",
    "python -m loganalyzer.catalog coverage": "test_the_catalog_commands_run",
    "python -m loganalyzer.catalog check FILE.toml": "test_the_catalog_commands_run",
    "analyze-logs fleet /data/bundles/ --out fleet-out --jobs 8": "test_the_fleet_command_runs",
    "python tests/benchmark.py parse": "test_the_benchmark_commands_run",
    "python tests/benchmark.py rules": "test_the_benchmark_commands_run",
    "python tests/benchmark.py stress --gib 3": "test_the_benchmark_commands_run",
    "python tests/benchmark.py fleet": "test_the_benchmark_commands_run",
    "python tests/benchmark.py e2e": "test_the_benchmark_commands_run",
    "python tests/benchmark.py engine B.tar.gz": "test_the_benchmark_commands_run",
}


def test_every_shell_example_is_run_by_a_test_or_says_why_not() -> None:
    pipeline = {c for c in _shell_commands() if c.startswith("analyze-logs bundle.zip")}
    assert len(pipeline) >= 5
    unaccounted = set(_shell_commands()) - pipeline - set(NOT_RUN_HERE) - set(RUN_BY_TEST)
    assert unaccounted == set(), "run the new README command in a test and list it in RUN_BY_TEST"
    assert set(RUN_BY_TEST.values()) <= set(globals()), "a listed test does not exist"


def test_the_quick_start_command_exits_0() -> None:
    command = next(c for c in RUN_BY_TEST if c.startswith("pip install . && "))
    words = shlex.split(command.split("&&", 1)[1])
    done = subprocess.run([_exe(), *words[1:]], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and "Most likely cause" in done.stdout, done.stderr


def test_the_catalog_commands_run(tmp_path: Path) -> None:
    coverage = subprocess.run([sys.executable, "-m", "loganalyzer.catalog", "coverage"], cwd=REPO,
                              capture_output=True, text=True, timeout=900)
    assert coverage.returncode == 0, coverage.stderr
    assert re.search(r"^all\s+\d+\s+\d+\s+\d+\s+\d+\.\d%\s+\d+\.\d%$", coverage.stdout, re.M), coverage.stdout
    data = REPO / "loganalyzer" / "catalog" / "data"
    for path in sorted(data.glob("*.toml")):
        done = subprocess.run([sys.executable, "-m", "loganalyzer.catalog", "check", str(path)],
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, (path.name, done.stdout, done.stderr)
    broken = tmp_path / "broken.toml"
    broken.write_text(next(data.glob("*.toml")).read_text(encoding="utf-8")
                      .replace('signal = "', 'signal = "no_such_', 1), encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "loganalyzer.catalog", "check", str(broken)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode != 0 and re.search(r"broken\.toml:\d+:", done.stdout + done.stderr)


def test_the_fleet_command_runs(tmp_path: Path) -> None:
    command = next(c for c in RUN_BY_TEST if c.startswith("analyze-logs fleet"))
    bundles = tmp_path / "data" / "bundles"
    bundles.mkdir(parents=True)
    for name in ("collect-logs-backup-failure.zip", "adhoc-healthy.tar.gz"):
        shutil.copy(REPO / "sample_logs" / name, bundles)
    words = shlex.split(command.replace("/data/bundles/", "data/bundles/"))
    done = subprocess.run([_exe(), *words[1:]], cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert done.returncode == 1, done.stderr           # one bundle has error findings
    assert "2 bundles analysed, 0 could not be" in done.stdout + done.stderr
    for name in ("bundles.parquet", "findings.parquet", "fleet-report.md", "fleet-report.html"):
        assert (tmp_path / "fleet-out" / name).stat().st_size > 0, name


def test_the_benchmark_commands_run() -> None:
    """Each benchmark subcommand of the README, on a small input (a smoke run: the figures they
    print are not judged here, timing belongs to the benchmark, not to the tests)."""
    import pytest
    if not (REPO.parent / "shared" / "bench" / "make_bench_bundle.py").exists():
        pytest.skip("../shared (the bundle generator) is not next to the repository")
    small = {"parse": ["--lines", "2000"], "rules": ["--lines", "2000"], "stress": ["--gib", "0.002"],
             "fleet": ["--bundles", "3", "--lines", "300"],
             "e2e": ["--lines", "2000", "--repeat", "1", "--no-lnav"],
             "engine": [str(SMALL_BUNDLE)]}
    for command in (c for c in RUN_BY_TEST if c.startswith("python tests/benchmark.py")):
        sub = command.split()[2]
        done = subprocess.run([sys.executable, "tests/benchmark.py", sub, *small[sub]], cwd=REPO,
                              capture_output=True, text=True, timeout=600)
        assert done.returncode == 0 and "Traceback" not in done.stderr, (command, done.stderr[-2000:])
