"""What the VMSnapshot parser's derived fields, the agent restarts and the findings are on every input.

:func:`observe` reads one input and returns, per file, how many records carry each
``(vms_event, vms_phase, vms_status_code)`` triple, the agent restarts with their causes
(``Facts.restarts``), plus a digest of the findings and cause
verdicts of the whole analysis.  ``python tests/vms_fields_identity.py`` writes
``tests/fixtures/vms_fields_identity.json`` from the code as it is; ``test_vmsnapshot_catalog.py``
compares the code as it is with that file (issue 12: the parser's needle table is derived from
the catalog and must give the results the hand-written table gave).
"""
from __future__ import annotations

import hashlib
import json
import random
import subprocess
import sys
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "sample_logs"
CORPUS = REPO.parent / "shared" / "dev-corpus"
GENERATOR = REPO.parent / "shared" / "bench" / "make_bench_bundle.py"
FIXTURE = REPO / "tests" / "fixtures" / "vms_fields_identity.json"
INJECT = ["agent_crash_loop", "no_network", "wireserver_unreachable", "extension_enable_failed",
          "extension_install_failed", "extension_download_failed", "snapshot_failed", "agent_outdated",
          "cgroup_limits", "certificates", "disk_full", "dhcp_or_endpoint", "provisioning_failed"]


def inputs() -> list[Path]:
    out = [p for p in sorted(SAMPLES.iterdir()) if not p.name.startswith(("README", "build_"))]
    if CORPUS.is_dir():
        out += [p for p in sorted(CORPUS.iterdir()) if p.is_dir()]
    return out


def generate(folder: Path, seed: int) -> Path:
    """Generated bundle ``seed`` (0..19): other seeds, sizes and planted causes (0 to 3 each)."""
    rnd = random.Random(1000 + seed)
    path = folder / f"gen-{seed}.tar.gz"
    cmd = [sys.executable, str(GENERATOR), "--lines", str(rnd.choice((600, 1500, 3000))),
           "--rotated-lines", "200", "--seed", str(seed), "--out", str(path), "--quiet",
           "--compresslevel", "1"]
    for cause in rnd.sample(INJECT, rnd.randint(0, 3)):
        cmd += ["--inject", cause]
    subprocess.run(cmd, check=True)
    return path


def triple(message: str) -> str:
    from loganalyzer.parsers.vmsnapshot import message_fields
    f = message_fields(message)
    return f"{f.get('vms_event')}|{f.get('vms_phase')}|{f.get('vms_status_code')}"


def catalog_messages() -> list[str]:
    """Every vmbackup catalog statement filled with its example values, and with neutral ones."""
    from loganalyzer.catalog import load_catalog
    from loganalyzer.catalog.render import fill
    return sorted({fill(e, neutral=n) for e in load_catalog().entries if e.program == "vmbackup"
                   for n in (False, True)})


def observe(path: Path, messages: set[str] | None = None) -> dict:
    from loganalyzer.pipeline import Pipeline
    from loganalyzer.report.json_report import render_json
    from loganalyzer.result import AnalysisOptions
    from loganalyzer.sources import open_source

    pipeline = Pipeline(open_source(str(path)), AnalysisOptions())
    per_file: dict[str, Counter] = {}
    for ev in pipeline.read():
        f = ev.fields or {}
        if messages is not None and "vmsnapshot" in str(ev.kind).lower():
            messages.add(ev.message)
        if not any(k in f for k in ("vms_event", "vms_phase", "vms_status_code")):
            continue
        key = f"{f.get('vms_event')}|{f.get('vms_phase')}|{f.get('vms_status_code')}"
        per_file.setdefault(ev.path, Counter())[key] += 1
    restarts = sorted(f"{r.role}|{r.version}|{r.reason}" for r in pipeline.facts().restarts)
    data = json.loads(render_json(pipeline.result()))
    verdict = json.dumps({k: data.get(k) for k in ("findings", "causes")}, sort_keys=True)
    return {"records": {k: dict(sorted(v.items())) for k, v in sorted(per_file.items())},
            "restarts": restarts,
            "findings_sha256": hashlib.sha256(verdict.encode()).hexdigest(),
            "findings": sorted(f.get("rule_id", f.get("id", "?")) for f in data.get("findings", []))}


def main() -> None:
    import tempfile
    out: dict[str, dict] = {}
    seen: set[str] = set()
    for p in inputs():
        out[p.name] = observe(p, seen)
    with tempfile.TemporaryDirectory() as tmp:
        for seed in range(20):
            out[f"gen-{seed}"] = observe(generate(Path(tmp), seed), seen)
    texts = sorted(seen | set(catalog_messages()))
    FIXTURE.write_text(json.dumps({"inputs": out, "messages": {t: triple(t) for t in texts}},
                                  indent=1, sort_keys=True) + "\n")
    print(f"{FIXTURE}: {len(out)} inputs, {len(texts)} messages, "
          f"{sum(sum(c.values()) for v in out.values() for c in v['records'].values())} vms records")


if __name__ == "__main__":
    main()
