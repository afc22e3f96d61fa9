"""Signal rules (``signal = {name, entry=[...]}``) prove themselves through the whole engine: their
samples and the catalog statements they name reach them, in the order the engine offers signals,
and their correlations work as the word rules' do."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from loganalyzer.catalog import load_catalog
from loganalyzer.catalog.render import fill
from loganalyzer.catalog.signals import cause_of
from loganalyzer.facts.model import Facts
from loganalyzer.model import Event, TimeKind
from loganalyzer.rules import RuleEngine, load_rules
from loganalyzer.rules.incidents import leads_to
from loganalyzer.rules.loader import build_rule
from loganalyzer.rules.model import Rule, Sample
from loganalyzer.rules.selftest import check_signal_samples
from loganalyzer.rules.signal_order import by_precedence
from loganalyzer.sources.base import BundleInfo

RULES, ERRORS = load_rules()
SIGNAL_RULES = [r for r in RULES if r.signal is not None]
NAMING = [r for r in SIGNAL_RULES if "entry" in r.signal.where]
CATALOG = load_catalog().by_id
#: the file kind each program's statements are read from
KIND_OF = {"walinuxagent": "waagent_log", "vmbackup": "vmsnapshot_log", "handlerutil": "waagent_log",
           "customscript": "handler_logfmt", "runcommand": "handler_logfmt"}


@pytest.mark.parametrize("rule", [r for r in SIGNAL_RULES if r.positive or r.negative], ids=lambda r: r.id)
def test_signal_rule_samples_hold_through_the_whole_engine(rule: Rule):
    assert check_signal_samples(rule, RULES) == []


@pytest.mark.parametrize("rule", NAMING, ids=lambda r: r.id)
def test_a_rule_naming_entries_has_samples_and_names_known_entries(rule: Rule):
    assert rule.positive, f"{rule.location}: a rule written for given statements shows one"
    assert sorted(rule.signal.where["entry"] - set(CATALOG)) == []


def _statement_sample(entry_id: str) -> Sample:
    entry = CATALOG[entry_id]
    level = "ERROR" if entry.level == "EVENT" else entry.level
    return Sample(message=fill(entry, neutral=True), level=level, kind=KIND_OF[entry.program])


@pytest.mark.parametrize("rule", NAMING, ids=lambda r: r.id)
def test_every_statement_a_rule_names_reaches_that_rule(rule: Rule):
    """Each named catalog entry, its placeholders filled with a plain word (the statement's own
    words only), gives a finding of this rule (not of another signal rule offered the signal
    first, nor of a word rule)."""
    missed = [eid for eid in sorted(rule.signal.where["entry"])
              if check_signal_samples(_with_positive(rule, _statement_sample(eid)), RULES)]
    assert missed == []


def _with_positive(rule: Rule, sample: Sample) -> Rule:
    from dataclasses import replace
    return replace(rule, positive=[sample], negative=[])


@pytest.mark.parametrize("rule", NAMING, ids=lambda r: r.id)
def test_a_rule_naming_entries_reports_the_cause_they_mean(rule: Rule):
    """The coverage command expects each entry's own cause (or one upstream of it)."""
    from loganalyzer.catalog.classify import signal_of_entry  # after loganalyzer.rules (import cycle)
    graph = leads_to()
    wrong = []
    for eid in sorted(rule.signal.where["entry"]):
        entry = CATALOG[eid]
        text = fill(entry)
        meant = cause_of(signal_of_entry(entry, entry.compiled.match(text) or {}, text))
        if meant != rule.cause and meant not in graph.get(rule.cause, ()):
            wrong.append(f"{eid} means {meant}")
    assert wrong == []


# -- order: the first signal rule offered a signal takes it ---------------------------------------

def test_the_engine_offers_signals_by_precedence_then_load_order():
    engine = RuleEngine(RULES)
    offered = [engine._watchers[i].rule.id for i in engine._signal_ids]
    assert offered == [r.id for r in by_precedence(SIGNAL_RULES)]
    assert offered[-1] == "signal.unexplained"


def _rule_file(tmp_path: Path, name: str, body: str) -> Path:
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    return path


_ORPHAN = "Agent WALinuxAgent-2.2.45 is an orphan -- exiting"


_KILLED = "WALinuxAgent-2.2.45 forcibly terminated orphan process 1234"


def test_a_rule_naming_an_entry_wins_over_a_general_one_from_a_later_file(tmp_path: Path):
    """``zz.toml`` sorts after every shipped file; its rule names a statement and so takes it
    before ``signal.agent_unavailable``, which takes the whole ``agent_unavailable`` signal."""
    assert "signal.agent_unavailable" in _run(RULES, [(0, _KILLED)])
    path = _rule_file(tmp_path, "zz.toml", f'''
[[rule]]
id = "t.killed"
title = "t"
cause = "agent_not_running"
severity = "error"
signal = {{ name = "agent_unavailable", entry = ["wala.agent.orphan_forcibly_terminated"] }}
[[rule.samples.positive]]
message = "{_KILLED}"
level = "WARNING"
''')
    rules, errors = load_rules([str(path)])
    assert errors == []
    got = _run(rules, [(0, _KILLED)])
    assert "t.killed" in got and "signal.agent_unavailable" not in got


def test_of_two_rules_naming_the_same_entry_the_first_loaded_takes_it(tmp_path: Path):
    path = _rule_file(tmp_path, "zz.toml", f'''
[[rule]]
id = "t.orphan"
title = "t"
cause = "agent_not_running"
signal = {{ name = "agent_unavailable", entry = ["wala.agent.orphan_exit"] }}
[[rule.samples.positive]]
message = "{_ORPHAN}"
level = "INFO"
''')
    rules, errors = load_rules([str(path)])
    assert "t.orphan" not in {r.id for r in rules}
    assert len(errors) == 1 and "t.orphan sample 1 gives no finding of this rule" in errors[0]


def test_a_user_signal_rule_whose_sample_another_rule_takes_is_refused(tmp_path: Path):
    path = _rule_file(tmp_path, "mine.toml", f'''
[[rule]]
id = "t.general"
title = "t"
cause = "agent_not_running"
signal = {{ name = "agent_unavailable", not = {{ kind = ["disabled"] }} }}
[[rule.samples.positive]]
message = "{_ORPHAN}"
level = "INFO"
''')
    rules, errors = load_rules([str(path)])
    assert "t.general" not in {r.id for r in rules}
    assert len(errors) == 1 and "t.general sample 1 gives no finding of this rule" in errors[0]


# -- correlations of signal rules -----------------------------------------------------------------

def _without_rule() -> Rule:
    return build_rule({
        "id": "t.orphan_without_restart", "title": "t", "cause": "agent_not_running", "severity": "error",
        "signal": {"name": "agent_unavailable", "entry": ["wala.agent.orphan_exit"]},
        "correlation": {"type": "without", "within": "10m",
                        "other": 'message contains "Agent service started again"'},
    }, "t", 1)


def _run(rules: list[Rule], messages: list[tuple[int, str]]) -> set[str]:
    engine = RuleEngine(rules)
    start = datetime(2024, 5, 30, tzinfo=UTC)
    for n, (minute, text) in enumerate(messages, 1):
        engine.observe(Event(start + timedelta(minutes=minute), TimeKind.UTC, "INFO", text,
                             "var/log/waagent.log", n, n, "waagent_log"))
    findings, _ = engine.finish(Facts(kinds_present={"waagent_log"}), BundleInfo("x"), [])
    return {f.rule_id for f in findings}


def test_a_signal_rule_without_its_partner_record_fires():
    assert "t.orphan_without_restart" in _run([_without_rule(), *RULES], [(0, _ORPHAN)])


def test_a_signal_rule_answered_by_its_partner_record_stays_quiet():
    got = _run([_without_rule(), *RULES], [(0, _ORPHAN), (2, "Agent service started again")])
    assert "t.orphan_without_restart" not in got
    assert _run([_without_rule(), *RULES], [(0, _ORPHAN), (30, "Agent service started again")]) \
        >= {"t.orphan_without_restart"}
