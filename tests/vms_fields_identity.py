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
from collections import Counter
from pathlib import Path

from known_inputs import GENERATOR, REPO
from known_inputs import identity_bundle as generate
from known_inputs import real_inputs as inputs

FIXTURE = REPO / "tests" / "fixtures" / "vms_fields_identity.json"
__all__ = ["GENERATOR", "generate", "inputs"]


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
