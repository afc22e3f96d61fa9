"""What a parser's derived fields, the facts built on them and the findings are on every input —
written once by the old code as a fixture, then compared with the code as it is (issue 12: a
parser's phrase table was replaced by keys on catalog entries, and must give the results the
hand-written table gave).

A :class:`FieldIdentity` names the three record fields, the parser function that gives them for
one message, the catalog program whose statements are compared, which records' messages are
kept, and the facts rows that depend on the fields.  :meth:`FieldIdentity.observe` reads one input
and returns, per file, how many records carry each field triple, those facts rows, and a digest
and the ids of the findings and cause verdicts of the whole analysis.
"""
from __future__ import annotations

import hashlib
import json
import tempfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from known_inputs import identity_bundle, real_inputs


@dataclass(frozen=True)
class FieldIdentity:
    fixture: Path
    fields: tuple[str, str, str]
    #: the fields the parser gives one message (imported when first called)
    parse: Callable[[str], dict[str, Any]]
    #: the catalog program whose statements, filled in, are compared too
    program: str
    #: which records' messages the fixture also keeps, to compare message by message
    keeps: Callable[[Any], bool]
    #: facts rows that depend on the fields: name -> function of the facts
    facts_rows: dict[str, Callable[[Any], list[str]]]
    #: what the records are called in the summary line
    records_name: str

    def triple(self, message: str) -> str:
        f = self.parse(message) or {}
        return "|".join(str(f.get(k)) for k in self.fields)

    def catalog_messages(self) -> list[str]:
        """Every catalog statement of the program filled with its example values, and with neutral ones."""
        from loganalyzer.catalog import load_catalog
        from loganalyzer.catalog.render import fill
        return sorted({fill(e, neutral=n) for e in load_catalog().entries if e.program == self.program
                       for n in (False, True)})

    def observe(self, path: Path, messages: set[str] | None = None) -> dict:
        from loganalyzer.pipeline import Pipeline
        from loganalyzer.report.json_report import render_json
        from loganalyzer.result import AnalysisOptions
        from loganalyzer.sources import open_source

        pipeline = Pipeline(open_source(str(path)), AnalysisOptions())
        per_file: dict[str, Counter] = {}
        for ev in pipeline.read():
            f = ev.fields or {}
            if messages is not None and self.keeps(ev):
                messages.add(ev.message)
            if not any(k in f for k in self.fields):
                continue
            per_file.setdefault(ev.path, Counter())["|".join(str(f.get(k)) for k in self.fields)] += 1
        facts = pipeline.facts()
        data = json.loads(render_json(pipeline.result()))
        verdict = json.dumps({k: data.get(k) for k in ("findings", "causes")}, sort_keys=True)
        return {"records": {k: dict(sorted(v.items())) for k, v in sorted(per_file.items())},
                **{name: rows(facts) for name, rows in self.facts_rows.items()},
                "findings_sha256": hashlib.sha256(verdict.encode()).hexdigest(),
                "findings": sorted(f.get("rule_id", f.get("id", "?")) for f in data.get("findings", []))}

    def write_fixture(self) -> None:
        """Write :attr:`fixture` from the code as it is (run it on the old code, once)."""
        out: dict[str, dict] = {}
        seen: set[str] = set()
        for p in real_inputs():
            out[p.name] = self.observe(p, seen)
        with tempfile.TemporaryDirectory() as tmp:
            for seed in range(20):
                out[f"gen-{seed}"] = self.observe(identity_bundle(Path(tmp), seed), seen)
        texts = sorted(seen | set(self.catalog_messages()))
        self.fixture.write_text(json.dumps({"inputs": out, "messages": {t: self.triple(t) for t in texts}},
                                           indent=1, sort_keys=True) + "\n")
        print(f"{self.fixture}: {len(out)} inputs, {len(texts)} messages, "
              f"{sum(sum(c.values()) for v in out.values() for c in v['records'].values())} "
              f"{self.records_name}")


def restarts(facts: Any) -> list[str]:
    return sorted(f"{r.role}|{r.version}|{r.reason}" for r in facts.restarts)


def comparisons(ident: FieldIdentity) -> tuple[Callable[..., None], ...]:
    """The three tests that compare the code as it is with ``ident``'s fixture: every catalog
    statement of the program is in it, every real input gives what it holds, and so does every
    generated bundle.  A test module binds them to ``test_…`` names of its own."""
    import pytest
    from known_inputs import GENERATOR

    before = json.loads(ident.fixture.read_text())

    def every_catalog_statement_is_compared() -> None:
        """A statement in the catalog that the fixture does not hold would go unchecked."""
        texts = set(ident.catalog_messages())
        assert texts <= set(before["messages"]), sorted(texts - set(before["messages"]))[:5]

    @pytest.mark.parametrize("name", [p.name for p in real_inputs()])
    def records_facts_and_findings_are_as_before(name: str) -> None:
        path = next(p for p in real_inputs() if p.name == name)
        assert ident.observe(path) == before["inputs"][name]

    @pytest.mark.skipif(not GENERATOR.exists(), reason="needs ../shared/bench/make_bench_bundle.py")
    def generated_bundles_are_as_before(tmp_path: Path) -> None:
        for seed in range(20):
            got = ident.observe(identity_bundle(tmp_path, seed))
            assert got == before["inputs"][f"gen-{seed}"], seed

    return every_catalog_statement_is_compared, records_facts_and_findings_are_as_before, \
        generated_bundles_are_as_before
