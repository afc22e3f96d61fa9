"""What the agent-version fields of every record and the findings are on every input.

:func:`observe` reads one input and returns, per file, how many records carry each
``(agent_version, agent_role, version_how)`` triple (the parser's version-banner fields), the
agent version sightings and restarts of the facts, plus a digest and the ids of the findings and
cause verdicts of the whole analysis.  ``python tests/banner_fields_identity.py`` writes
``tests/fixtures/banner_fields_identity.json`` from the code as it is; ``test_banner_catalog.py``
compares the code as it is with that file (issue 12: the parser's banner table is derived from the
catalog entries that name a version and must give the results the hand-written table gave).
"""
from __future__ import annotations

import hashlib
import json
import tempfile
from collections import Counter
from pathlib import Path

import vms_fields_identity as vms

REPO = vms.REPO
FIXTURE = REPO / "tests" / "fixtures" / "banner_fields_identity.json"
inputs = vms.inputs
generate = vms.generate
GENERATOR = vms.GENERATOR


def triple(message: str) -> str:
    from loganalyzer.parsers.payloads import extract_fields
    f = extract_fields(message) or {}
    return f"{f.get('agent_version')}|{f.get('agent_role')}|{f.get('version_how')}"


def catalog_messages() -> list[str]:
    """Every walinuxagent catalog statement filled with its example values, and with neutral ones."""
    from loganalyzer.catalog import load_catalog
    from loganalyzer.catalog.render import fill
    return sorted({fill(e, neutral=n) for e in load_catalog().entries if e.program == "walinuxagent"
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
        if messages is not None and ("Agent" in ev.message or "HEARTBEAT" in ev.message):
            messages.add(ev.message)
        if not any(k in f for k in ("agent_version", "agent_role", "version_how")):
            continue
        key = f"{f.get('agent_version')}|{f.get('agent_role')}|{f.get('version_how')}"
        per_file.setdefault(ev.path, Counter())[key] += 1
    facts = pipeline.facts()
    sightings = sorted(f"{s.role}|{s.version}|{s.how}|{s.ref.path}:{s.ref.line_start}"
                       for s in facts.agent_versions)
    restarts = sorted(f"{r.role}|{r.version}|{r.reason}" for r in facts.restarts)
    data = json.loads(render_json(pipeline.result()))
    verdict = json.dumps({k: data.get(k) for k in ("findings", "causes")}, sort_keys=True)
    return {"records": {k: dict(sorted(v.items())) for k, v in sorted(per_file.items())},
            "sightings": sightings, "restarts": restarts,
            "findings_sha256": hashlib.sha256(verdict.encode()).hexdigest(),
            "findings": sorted(f.get("rule_id", f.get("id", "?")) for f in data.get("findings", []))}


def main() -> None:
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
          f"{sum(sum(c.values()) for v in out.values() for c in v['records'].values())} version records")


if __name__ == "__main__":
    main()
