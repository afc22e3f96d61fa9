"""Logic rules answer from the bundle, never from a placeholder or an answer written into the code.

Issue 13: causes are owned by data (no cause-specific branch in Python), and a logic rule is
Python only for what rule data cannot say.  So, for every module of ``loganalyzer/rules/logic``
(and the verdicts, which once held a hard-coded remediation):

* no stub: no function outside the base class's documented defaults whose body is only
  ``pass``, ``...``, a ``raise`` or a constant ``return``; no TODO/FIXME/placeholder marks;
* no branch on a cause id (``cause == "snapshot_failed"``): which cause a rule raises is its
  catalog entry's, and what a cause means is ``causes.toml``'s;
* no string that names a sample bundle, a fixture or a dev-corpus case (an answer fitted to
  one input);

and, run for real, every logic rule of the catalog raises nothing on an empty bundle, and each
finding it raises on the sample and fixture bundles cites files of that bundle (the
``dhcp.endpoint_state`` rule once cited a fixed path and gave its DHCP finding no evidence).
"""
from __future__ import annotations

import ast
import io
import re
import tokenize
from pathlib import Path

import pytest

from loganalyzer import analyze
from loganalyzer.facts.model import Facts
from loganalyzer.result import AnalysisOptions
from loganalyzer.rules.causes import CAUSES
from loganalyzer.rules.loader import load_rules
from loganalyzer.rules.logic import LOGIC, FinishContext
from loganalyzer.rules.versions import default_policy
from loganalyzer.sources.base import BundleInfo

ROOT = Path(__file__).resolve().parent.parent
LOGIC_DIR = ROOT / "loganalyzer" / "rules" / "logic"
CHECKED = [*sorted(LOGIC_DIR.glob("*.py")), ROOT / "loganalyzer" / "rules" / "verdicts.py"]
#: The base class's hooks are empty on purpose: a rule overrides what it needs.
DEFAULT_HOOKS = {("base.py", "observe"), ("base.py", "finish")}
_MARKS = re.compile(r"\b(?:TODO|FIXME|XXX|HACK|placeholder|stub|dummy|hard-?coded)\b", re.IGNORECASE)
SAMPLES = sorted(p for p in (ROOT / "sample_logs").iterdir() if p.name != "build_samples.py"
                 and p.name != "README.md")
LOGIC_RULES = [r for r in load_rules()[0] if r.kind == "logic"]
#: hotsos-style fixture bundles (tests/fixtures/bundles/<name>/bundle + expected.toml)
FIXTURES = sorted(p.parent for p in (ROOT / "tests" / "fixtures" / "bundles").glob("*/expected.toml"))


def _ids(paths: list[Path]) -> list[str]:
    return [p.name for p in paths]


def _body(node: ast.FunctionDef | ast.AsyncFunctionDef) -> list[ast.stmt]:
    body = node.body
    first = body[0] if body else None
    if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) \
            and isinstance(first.value.value, str):
        body = body[1:]
    return body


def _trivial(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    body = _body(node)
    if not body:
        return True
    if len(body) != 1:
        return False
    only = body[0]
    if isinstance(only, ast.Pass | ast.Raise):
        return True
    if isinstance(only, ast.Expr) and isinstance(only.value, ast.Constant):
        return True
    if isinstance(only, ast.Return):
        value = only.value
        return value is None or not any(isinstance(n, ast.Name | ast.Attribute | ast.Call)
                                        for n in ast.walk(value))
    return False


def _fitted_names() -> set[str]:
    """Names of inputs an answer could be fitted to: samples, fixture bundles, dev-corpus cases."""
    names = {p.name.split(".")[0] for p in SAMPLES}
    names |= {p.name for p in (ROOT / "tests" / "fixtures" / "bundles").iterdir() if p.is_dir()}
    corpus = ROOT.parent / "shared" / "dev-corpus"
    if corpus.is_dir():
        names |= {p.name for p in corpus.iterdir() if p.is_dir()}
    return {n for n in names if len(n) >= 6} | {"sample_logs", "dev-corpus", "tests/fixtures"}


def test_the_checked_modules_are_the_logic_rules_and_the_verdicts():
    assert {p.stem for p in CHECKED} >= {"base", "state_files", "lifecycle", "agent_version", "verdicts"}
    modules = {cls.__module__.rsplit(".", 1)[-1] for cls in LOGIC.values()}
    assert modules <= {p.stem for p in CHECKED}


@pytest.mark.parametrize("path", CHECKED, ids=_ids(CHECKED))
def test_no_stub_function(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    stubs = [f"{path.name}:{n.lineno} {n.name}" for n in ast.walk(tree)
             if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef) and _trivial(n)
             and (path.name, n.name) not in DEFAULT_HOOKS]
    assert stubs == []


@pytest.mark.parametrize("path", CHECKED, ids=_ids(CHECKED))
def test_no_placeholder_marks(path: Path):
    text = path.read_text(encoding="utf-8")
    found = [f"{path.name}:{tok.start[0]} {tok.string.strip()[:60]}"
             for tok in tokenize.generate_tokens(io.StringIO(text).readline)
             if tok.type in (tokenize.COMMENT, tokenize.STRING) and _MARKS.search(tok.string)]
    assert found == []


@pytest.mark.parametrize("path", CHECKED, ids=_ids(CHECKED))
def test_no_branch_on_a_cause_id(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    branches = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Compare | ast.Match):
            continue
        sides = [node.left, *node.comparators] if isinstance(node, ast.Compare) else \
            [c.pattern for c in node.cases]
        for side in sides:
            for leaf in ast.walk(side):
                if isinstance(leaf, ast.Constant) and leaf.value in CAUSES:
                    branches.append(f"{path.name}:{node.lineno} compares with {leaf.value!r}")
    assert branches == []


@pytest.mark.parametrize("path", CHECKED, ids=_ids(CHECKED))
def test_no_string_names_a_known_input(path: Path):
    names = _fitted_names()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = [f"{path.name}:{n.lineno} {n.value[:60]!r}" for n in ast.walk(tree)
             if isinstance(n, ast.Constant) and isinstance(n.value, str) and any(x in n.value for x in names)]
    assert found == []


@pytest.mark.parametrize("rule", LOGIC_RULES, ids=lambda r: r.id)
def test_a_logic_rule_raises_nothing_on_an_empty_bundle(rule):
    """A rule that answers with nothing to read has its answer written into the code."""
    options = AnalysisOptions()
    logic = LOGIC[rule.logic](rule, default_policy(), options)
    ctx = FinishContext(Facts(), BundleInfo("empty"), [], options, default_policy())
    assert logic.finish(ctx) == []
    assert ctx.verdicts == {}


def test_every_catalog_logic_id_is_implemented_and_every_implementation_is_used():
    assert {r.logic for r in LOGIC_RULES} == set(LOGIC)


BUNDLES = SAMPLES + [p / "bundle" for p in FIXTURES]
BUNDLE_IDS = [p.parent.name if p.name == "bundle" else p.name for p in BUNDLES]


@pytest.mark.parametrize("sample", BUNDLES, ids=BUNDLE_IDS)
def test_logic_findings_cite_files_of_their_bundle(sample: Path):
    logic_ids = {r.id for r in LOGIC_RULES}
    result = analyze(str(sample))
    paths = {c.path for c in result.coverage}
    for finding in result.findings:
        if finding.rule_id not in logic_ids:
            continue
        assert finding.evidence, f"{finding.rule_id}: a finding with no evidence"
        for ev in finding.evidence:
            assert ev.path in paths, f"{finding.rule_id} cites {ev.path}, no file of {sample.name}"
