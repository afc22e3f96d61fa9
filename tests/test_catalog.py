"""The message catalog: it loads clean, covers every program and era, and every failure statement,
rendered as the lines its program writes, reaches its cause through the whole pipeline."""
from __future__ import annotations

import re
from collections import defaultdict
from functools import cache

import pytest

from loganalyzer.catalog import PROGRAMS, load_catalog, parse_file
from loganalyzer.catalog.coverage import Outcome, run_all
from loganalyzer.catalog.render import WALA_ERAS, eras_of
from loganalyzer.catalog.signals import VOCABULARY

CATALOG = load_catalog()
#: per era: share of failure entries that must reach their cause family / their exact cause
FAMILY_TARGET = 0.95
CAUSE_TARGET = 0.90


@cache
def outcomes() -> tuple[Outcome, ...]:
    return tuple(run_all(CATALOG.entries))


def test_catalog_loads_without_errors():
    assert CATALOG.errors == []


def test_every_program_and_agent_era_has_entries():
    programs = {e.program for e in CATALOG.entries}
    assert programs == set(PROGRAMS)
    eras = {era for e in CATALOG.entries if e.program == "walinuxagent" for era in eras_of(e)}
    assert eras == {name for name, _, _ in WALA_ERAS}
    assert len(CATALOG.entries) >= 300


def test_every_signal_of_the_vocabulary_is_used_by_the_catalog():
    used = {e.signal for e in CATALOG.entries}
    assert set(VOCABULARY) - used <= {"restore_point_problem", "guest_shutdown"}


@pytest.mark.parametrize("bad, problem", [
    ('signal = "snapshot_faild"', "unknown signal"),
    ('signal = "http_failure"\nargs = { endpoint = "moon" }', "endpoint = 'moon'"),
    ('signal = "none"', "needs benign"),
    ('signal = "agent_crash"\ntemplate2 = "x"', "unknown keys"),
    ('signal = "agent_crash"\nmark = "done"', "a mark of progress has signal = 'none'"),
    ('signal = "none"\nmark = "done"\nbenign = "b"', "not both"),
])
def test_the_loader_rejects_broken_entries_with_file_and_line(bad: str, problem: str):
    text = ('program = "walinuxagent"\n[[entry]]\nid = "t.bad"\nversions = ["2.2.0", "2.2.1"]\n'
            'level = "ERROR"\ntemplate = "Something went quite wrong"\n' + bad + "\n")
    entries, errors = parse_file("x.toml", text)
    assert entries == [] and len(errors) == 1
    assert errors[0].startswith("x.toml:3: t.bad:") and problem in errors[0]


def test_a_template_without_a_literal_anchor_is_refused():
    text = ('program = "vmbackup"\n[[entry]]\nid = "t.generic"\nversions = ["2019-01", "2025-01"]\n'
            'level = "ERROR"\ntemplate = "{error}"\nsignal = "snapshot_phase_failed"\n')
    _, errors = parse_file("y.toml", text)
    assert errors and "no literal run" in errors[0]


def test_one_program_gives_one_statement_one_meaning():
    """Two entries of a program with the same words must not disagree on what they mean (the
    classifier could pick either); across programs the file kind decides which one applies."""
    meanings: dict[tuple[str, str], set[str]] = defaultdict(set)
    for e in CATALOG.entries:
        meanings[(e.program, re.sub(r"\{[^}]+\}", "{}", e.template).strip())].add(e.signal)
    assert {k: v for k, v in meanings.items() if "none" in v and len(v) > 1} == {}


def test_failure_entries_reach_their_cause_in_every_era():
    rows: dict[tuple[str, str], list[Outcome]] = defaultdict(list)
    for o in outcomes():
        rows[(o.program, o.era)].append(o)
    short = []
    for (program, era), got in sorted(rows.items()):
        fam = sum(o.family_ok for o in got) / len(got)
        cause = sum(o.cause_ok for o in got) / len(got)
        if fam < FAMILY_TARGET or cause < CAUSE_TARGET:
            misses = [f"{o.entry}: expected {o.expected}, got {','.join(o.reported) or '-'}"
                      for o in got if not o.cause_ok][:10]
            short.append(f"{program} {era}: family {fam:.1%} cause {cause:.1%}\n  " + "\n  ".join(misses))
    assert not short, "\n".join(short)


def test_benign_entries_raise_nothing_above_info():
    # a mark only the goal-state agent writes ("ProcessGoalState completed …") dates the agent by
    # its line format (agent.version_policy): in a ≤2.2.45 era's format that is an outdated agent,
    # rightly — the file's format says so, not the statement
    def own(o: Outcome) -> tuple[str, ...]:
        if CATALOG.by_id[o.entry].mark:
            return tuple(c for c in o.reported if c != "agent_outdated")
        return o.reported
    loud = [f"{o.entry} [{o.era}]: {o.reported}" for o in run_all(CATALOG.entries, benign=True) if own(o)]
    assert loud == []


# -- one place per message string: rules name signals and catalog entries, not words -------------

from loganalyzer.catalog.literals import held, rule_literals, template_runs  # noqa: E402
from loganalyzer.rules import load_rules  # noqa: E402

RULES, _ = load_rules()
#: rules that still name words a catalog template holds, to be rewritten over the signal the
#: catalog gives (issue 12); the list may only shrink: a new rule naming catalog words fails, and
#: so does an entry here for a rule that no longer does
NOT_YET_ON_SIGNALS = frozenset({
})


def _naming_catalog_words() -> dict[str, list[tuple[str, str]]]:
    runs = template_runs()
    out: dict[str, list[tuple[str, str]]] = {}
    for rule in RULES:
        hits = [(lit, entry) for lit in rule_literals(rule)
                if lit not in NOT_MESSAGES and (entry := held(lit, runs))]
        if hits:
            out[rule.id] = hits
    return out


def test_no_new_rule_copies_the_words_of_a_catalog_template():
    found = _naming_catalog_words()
    new = {rid: hits[:2] for rid, hits in found.items() if rid not in NOT_YET_ON_SIGNALS}
    assert new == {}, "write these rules over the catalog's signal (signal = {name=…, entry=[…]})"
    assert sorted(NOT_YET_ON_SIGNALS - set(found)) == [], "no longer copies catalog words: drop from the list"


def test_the_literal_scan_sees_a_copied_template():
    from loganalyzer.rules.loader import build_rule
    rule = build_rule({"id": "t.copy", "title": "t", "cause": "agent_not_running",
                       "match": 'message contains "is an orphan -- exiting"',
                       "samples": {"positive": ["Agent WALinuxAgent-2.2.45 is an orphan -- exiting"]}},
                      "t", 1)
    assert [held(lit, template_runs()) for lit in rule_literals(rule)] == ["wala.agent.orphan_exit"]


#: words rules name that are no statement of a catalogued program, each with why it may stay:
#: structure the parser reads, names of processes and modules, and other programs' messages
NOT_MESSAGES = {
    "Event: name=": "Event record structure", "name=WALA,": "Event record structure",
    "name=WALinuxAgent,": "Event record structure", "name=WALinuxAgent, op=Enable": "Event record structure",
    "op=Download, message=": "Event record structure", "op=Enable": "Event record structure",
    "op=Install": "Event record structure",
    "op=ProcessGoalState": "Event record structure (a goal-state agent's telemetry operation)",
    "Enable,": "extension status summary field",
    "Install,": "extension status summary field", "Enable": "operation name", "Install": "operation name",
    "op=": "Event record structure", "op=Download": "Event record structure",
    "nstall": "operation name in a handler's command line ([Ii]nstall, [Uu]n[Ii]nstall)",
    "nable": "operation name in a handler's command line ([Ee]nable)",
    "pdate": "operation name in a handler's command line ([Uu]pdate)",
    "code": "word of an exit-code wording ('exit code N'), the code read as field.exit_code",
    "status": "word of an exit-code wording ('exit status N'), the code read as field.exit_code",
    "Attempt": "word of the HTTP retry grammar (wala.http.retry_attempt_*)", "DHCP": "protocol name",
    "Dhcp": "protocol name", "HTTP": "protocol name", "failed": "a word, not a statement",
    "[DhcpError]": "exception class tag", "ExtensionDownloadError": "exception class name",
    "IOError": "exception class the agent names in HTTP failures",
    "IOError timed out": "Python socket error text inside wala.http.* templates' {error}",
    "Errno": "Python OSError prefix", "Errno 101]": "Python OSError (ENETUNREACH)",
    "Network is unreachable": "the OS's ENETUNREACH text (strerror)",
    ": No such file or directory": "the OS's ENOENT text (strerror), as coreutils env prints it",
    "not found": "the shell's own error in an extension's captured stderr (dash '<cmd>: not found', "
                 "bash '<cmd>: command not found')",
    "[Errno 1] Operation not permitted": "the OS's EPERM text (strerror)",
    "invoked oom-killer": "Linux kernel message",
    "inner_evp_generic_fetch:unsupported": "OpenSSL 3 error string",
    "CHAIN_ZERO failed": "iptables' own error text", "--zero OUTPUT": "an iptables argument",
    "return code: [1]": "a filled-in value of wala.shell.command_failed",
    "[pidof": "the command in wala.shell.command_failed's {cmd} (a value)",
    "[ifdown": "the command in wala.shell.command_failed's {cmd} (a value)",
    "/metadata/instance/compute": "an IMDS path: the {resource} value of wala.protocol.imds_error",
    "100%": "df output column", "waagent/history": "a folder path in du output",
    "/usr/sbin/waagent": "program path",
    '/usr/sbin/waagent", line': "a Python traceback frame through the single-file 2.0 script "
                                 "(agent.version_policy dates the agent by it)",
    "waagent -daemon": "process command line",
    "-run-exthandlers": "process command line", "azurelinuxagent": "Python package name",
    "WALinuxAgent": "program name", "VMSnapshotLinux": "extension name",
    "168.63.129.16": "the WireServer address, a value ({endpoint} of wala.protocol.wireserver_endpoint_*)",
}


def test_rules_name_no_dev_corpus_words_the_catalog_does_not_hold(dev_corpus):
    text = re.sub(r"\s+", " ", "\n".join(p.read_text(encoding="utf-8", errors="replace")
                                         for p in sorted(dev_corpus.rglob("*"))
                                         if p.is_file() and p.name != "case.json"))
    runs = template_runs()
    unheld = {lit: rule.id for rule in RULES for lit in rule_literals(rule)
              if len(lit) >= 3 and lit in text and not held(lit, runs) and lit not in NOT_MESSAGES}
    assert unheld == {}, "catalog the statement that writes these words (catalog/data/*.toml)"


def test_a_traceback_header_entry_yields_to_the_exception_line_it_introduces():
    # dev-corpus 064's shape: the 2.0 agent's traceback joined into one record, whose header is a
    # catalogued wrapper and whose last line is the statement that says what happened
    from loganalyzer.catalog.classify import Classifier
    text = ("Error Traceback (most recent call last):\n  File \"/usr/sbin/waagent\", line 4729, in run\n"
            "Exception: WriteToFolder:Too many file under /var/lib/waagent/events exit")
    def entries(record: str) -> list[str | None]:
        return [s.entry for s in Classifier.default().by_catalog(record, kind="waagent_log")]
    assert entries(text) == ["wala20.event.too_many_files"]
    assert entries(text.partition("\n")[0]) == ["wala20.event.save_failed"]


def test_a_statement_of_the_source_is_catalogued_once():
    """One statement, one entry: the same words written by the same source file of a program are
    one entry (its versions span every era that writes them), so a rule names one id for it."""
    seen: dict[tuple[str, str, str], str] = {}
    twice = []
    for e in CATALOG.entries:
        key = (e.program, e.template, e.source)
        if key in seen:
            twice.append((seen[key], e.id))
        seen.setdefault(key, e.id)
    assert twice == [], "merge these entries (same program, template and source)"
