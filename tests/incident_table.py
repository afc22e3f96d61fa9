"""Print, for each sample and each dev-corpus case, the incidents (root / consequence causes) and
the cause verdict table of ``analyze-logs --format json`` — the before/after tables of a closing note.

Usage: ``python3 tests/incident_table.py ANALYZE_LOGS SAMPLES_DIR DEV_CORPUS_DIR``, e.g.
``python3 tests/incident_table.py .venv/bin/analyze-logs sample_logs ../shared/dev-corpus``.
A dev-corpus case is analysed from a copy of the files its case.json lists (not case.json itself).
"""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path


def report(cli: str, path: Path) -> dict:
    """The JSON report of one input (the first bundle when the CLI returns a list)."""
    out = subprocess.run([cli, str(path), "--format", "json", "--fail-on", "never"],
                         capture_output=True, text=True, check=False).stdout
    try:
        data = json.loads(out)
    except ValueError:
        return {}
    return data[0] if isinstance(data, list) and data else data if isinstance(data, dict) else {}


def summary(r: dict) -> tuple[str, str]:
    """``(incidents, verdicts)``: ``#1 root no_network ← snapshot_failed, …`` and ``cause=verdict …``."""
    roles: dict[int, dict[str, set[str]]] = defaultdict(lambda: {"root": set(), "consequence": set()})
    for f in r.get("findings", []):
        if f.get("incident") is not None:
            roles[f["incident"]][f.get("role") or "consequence"].add(f["cause"])
    incidents = "; ".join(f"#{n} {'+'.join(sorted(v['root'])) or '?'}"
                          + (f" ← {', '.join(sorted(v['consequence'] - v['root']))}"
                             if v["consequence"] - v["root"] else "")
                          for n, v in sorted(roles.items())) or "none"
    verdicts = " ".join(f"{v['cause']}={v['verdict']}" for v in r.get("causes", [])
                        if v.get("verdict") not in (None, "not_evaluable")) or "—"
    return incidents, verdicts


def main(cli: str, samples: Path, corpus: Path) -> None:
    rows = [(p.name, report(cli, p)) for p in sorted(samples.iterdir())
            if p.name not in ("README.md", "build_samples.py")]
    for case in sorted(c for c in corpus.iterdir() if (c / "case.json").is_file()):
        files = json.loads((case / "case.json").read_text()).get("files", [])
        with tempfile.TemporaryDirectory() as tmp:
            for name in files:
                dest = Path(tmp) / name
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy(case / name, dest)
            rows.append((case.name, report(cli, Path(tmp))))
    print("| input | incidents (root ← consequences) | verdicts (detected / ruled_out / not_seen) |")
    print("|---|---|---|")
    for name, r in rows:
        incidents, verdicts = summary(r)
        print(f"| {name} | {incidents} | {verdicts} |")


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3]))
