"""The dev corpus (real public log excerpts with known causes) scored through the installed CLI:
no crash, recall ≥ 0.95, and no critical/error finding on the healthy cases."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest


@pytest.fixture(scope="module")
def scored(dev_corpus: Path, shared_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> list[dict]:
    cli = Path(sys.executable).parent / "analyze-logs"
    if not cli.exists():
        pytest.skip("analyze-logs is not installed next to this interpreter")
    out = tmp_path_factory.mktemp("score") / "score.json"
    subprocess.run([sys.executable, str(shared_dir / "tools" / "score_corpus.py"), str(dev_corpus),
                    "--cmd", str(cli), "--json", str(out), "--quiet"], check=True, capture_output=True,
                   timeout=900)
    return json.loads(out.read_text())


def test_no_case_crashes(scored: list[dict]):
    assert [r["case"] for r in scored if "crash" in r] == []


def test_recall_is_at_least_95_percent(scored: list[dict]):
    expected = sum(len(r["expected"]) for r in scored)
    hit = sum(len(set(r["expected"]) & set(r.get("reported", []))) for r in scored)
    missed = {r["case"]: sorted(set(r["expected"]) - set(r.get("reported", []))) for r in scored}
    assert hit / expected >= 0.95, {k: v for k, v in missed.items() if v}


def test_healthy_cases_raise_no_alarm(scored: list[dict]):
    assert {r["case"]: r["alarms"] for r in scored if r["healthy"] and r.get("alarms")} == {}
