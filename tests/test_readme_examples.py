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
