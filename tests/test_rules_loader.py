"""Rule files: the condition language, errors with their location, extra --rules directories."""
from __future__ import annotations

from pathlib import Path

import pytest

from loganalyzer.model import Event, TimeKind
from loganalyzer.rules import load_rules
from loganalyzer.rules.condition import ConditionError, compile_condition
from loganalyzer.rules.loader import load_rule_file

GOOD = '''
id = "site.custom"
title = "Custom rule"
cause = "no_network"
severity = "error"
summary = "seen {times}"
match = \'\'\'message contains "custom failure" and level == "ERROR"\'\'\'
[[samples.positive]]
message = "custom failure here"
level = "ERROR"
'''


def ev(message: str, level: str | None = "ERROR", **fields: object) -> Event:
    return Event(None, TimeKind.NONE, level, message, "w.log", 1, 1, "waagent_log", fields=fields or None)


def test_condition_combines_literals_regexes_fields_and_levels():
    c = compile_condition(r'(message ~ /exit code: (?P<code>\d+)/ or message contains "boom") '
                          r'and not level in ["INFO"] and field.exit_code >= 126')
    assert c.test(ev("Non-zero exit code: 127", exit_code=127))
    assert not c.test(ev("Non-zero exit code: 1", exit_code=1))
    assert not c.test(ev("boom", level="INFO", exit_code=200))


def test_condition_captures_named_groups():
    c = compile_condition(r'message ~ /code: (?P<code>\d+)/')
    caps: dict = {}
    assert c(ev("code: 51"), "code: 51", caps) and caps == {"code": "51"}


def test_condition_version_comparison_against_a_literal():
    c = compile_condition('field.agent_version older_than "2.2.53.1"')
    assert c.test(ev("x", agent_version="2.2.49.2"))
    assert not c.test(ev("x", agent_version="2.9.1.1"))


def test_condition_matches_the_decoded_event_payload():
    c = compile_condition('message contains "Non-zero exit code: 51"')
    assert c.test(ev("Event: name=X, op=Install, message=eJy1, duration=0",
                     event_message="[ExtensionOperationError] Non-zero exit code: 51, x -install",
                     event_encoded=True))


@pytest.mark.parametrize("bad", ['message contains', 'messag contains "x"', 'message ~ /(/', 'level == /x/'])
def test_bad_conditions_raise_condition_error(bad: str):
    with pytest.raises(ConditionError):
        compile_condition(bad)


def test_extra_rule_directory_adds_rules(tmp_path: Path):
    (tmp_path / "custom.toml").write_text(GOOD)
    rules, errors = load_rules([str(tmp_path)])
    assert errors == [] and any(r.id == "site.custom" for r in rules)


def test_malformed_rule_file_is_reported_with_its_line_and_the_rest_still_loads(tmp_path: Path):
    (tmp_path / "good.toml").write_text(GOOD)
    (tmp_path / "broken.toml").write_text('id = "x"\ntitle = "t"\ncause = "no_network"\n'
                                          'match = \'\'\'message contains\'\'\'\n'
                                          '[[samples.positive]]\nmessage = "m"\n')
    (tmp_path / "syntax.toml").write_text('id = "y"\ntitle = = "t"\n')
    rules, errors = load_rules([str(tmp_path)])
    assert any(r.id == "site.custom" for r in rules)
    assert any(r.id == "provisioning.failed" for r in rules)
    assert sorted(e.split(":")[0].rsplit("/", 1)[-1] for e in errors) == ["broken.toml", "syntax.toml"]
    broken = next(e for e in errors if "broken.toml" in e)
    assert broken.split(":")[1] == "4" and "match" in broken
    syntax = next(e for e in errors if "syntax.toml" in e)
    assert syntax.split(":")[1] == "2"


def test_rule_without_prefilter_literal_or_kind_is_refused(tmp_path: Path):
    p = tmp_path / "slow.toml"
    p.write_text(GOOD.replace('message contains "custom failure" and level == "ERROR"', 'level == "ERROR"'))
    rules, errors = load_rule_file(p)
    assert rules == [] and "pre-filter" in errors[0]


def test_benign_rules_cannot_raise_above_info(tmp_path: Path):
    p = tmp_path / "loud.toml"
    p.write_text(GOOD.replace('severity = "error"', 'severity = "error"\nkind = "benign"'))
    rules, errors = load_rule_file(p)
    assert rules == [] and "benign" in errors[0]


def test_unknown_keys_are_reported(tmp_path: Path):
    p = tmp_path / "typo.toml"
    p.write_text(GOOD.replace('title = "Custom rule"', 'title = "Custom rule"\nremedation = ["x"]'))
    _, errors = load_rule_file(p)
    assert "remedation" in errors[0]


def test_cli_reports_a_broken_rule_file_and_still_runs_the_others(tmp_path: Path, dev_corpus: Path):
    import json
    import subprocess
    import sys
    cli = Path(sys.executable).parent / "analyze-logs"
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "broken.toml").write_text('id = "x"\ntitle = "t"\ncause = "no_network"\n'
                                       'match = "message ~ /(/"\n[[samples.positive]]\nmessage = "m"\n')
    case = dev_corpus / "048-provisioning-sr0-automounted-elsewhere-2.2.49"
    out = subprocess.run([str(cli), str(case), "--rules", str(rules), "--format", "json"],
                         capture_output=True, text=True, timeout=120)
    report = json.loads(out.stdout)
    assert any(e.startswith(f"{rules / 'broken.toml'}:4:") for e in report["rule_errors"])
    assert any(f["cause"] == "provisioning_failed" for f in report["findings"])


# -- the validating loader (issue 13): each broken rule is refused with its file and line ---------

RULE = '''# a user rule
id = "site.{name}"
title = "t"
cause = "{cause}"
summary = "{summary}"
match = \'\'\'{match}\'\'\'
[[samples.positive]]
message = "freeze failed here"
kind = "vmsnapshot_log"
'''
OK = {"cause": "snapshot_failed", "summary": "Freeze failed {times}",
      "match": 'kind == "vmsnapshot_log" and message contains "freeze failed"'}


def _write(tmp_path: Path, name: str, **over: str) -> Path:
    p = tmp_path / f"{name}.toml"
    p.write_text(RULE.format(name=name, **{**OK, **over}))
    return p


@pytest.mark.parametrize(("over", "line", "says"), [
    ({"match": 'kind == "vmsnapshotlog" and message contains "freeze failed"'}, 6,
     "unknown kind 'vmsnapshotlog' (did you mean 'vmsnapshot_log'?)"),
    ({"match": 'kind == "vmsnapshot_log" and field.vms_evnt == "freeze_result"'}, 6,
     "unknown field 'vms_evnt' for kind vmsnapshot_log (did you mean 'vms_event'?)"),
    ({"cause": "snapshot_faild"}, 4, "unknown cause 'snapshot_faild' (did you mean 'snapshot_failed'?)"),
    ({"summary": "Freeze failed {nope}"}, 5, "unknown summary placeholder {nope}"),
    ({"match": 'kind == "syslog" and field.vms_event == "x" and message contains "freeze failed"'}, 6,
     "unknown field 'vms_event' for kind syslog"),
], ids=["kind", "field", "cause", "placeholder", "field-of-another-kind"])
def test_broken_rules_are_refused_with_file_and_line(tmp_path: Path, over: dict, line: int, says: str):
    p = _write(tmp_path, "bad", **over)
    rules, errors = load_rules([str(tmp_path)])
    assert not any(r.id == "site.bad" for r in rules)
    assert len(errors) == 1 and errors[0].startswith(f"{p}:{line}: ") and says in errors[0], errors


def test_a_good_user_rule_loads(tmp_path: Path):
    _write(tmp_path, "good")
    rules, errors = load_rules([str(tmp_path)])
    assert errors == [] and any(r.id == "site.good" for r in rules)


def test_a_user_rule_whose_sample_fails_is_reported_and_not_loaded(tmp_path: Path):
    p = _write(tmp_path, "nomatch", match='kind == "vmsnapshot_log" and message contains "thaw failed"')
    rules, errors = load_rules([str(tmp_path)])
    assert errors == [f"{p}:2: rule site.nomatch sample 1 does not match"]
    assert not any(r.id == "site.nomatch" for r in rules)


def test_a_raw_sample_line_is_read_by_the_real_parser(tmp_path: Path):
    text = GOOD.replace('message = "custom failure here"\nlevel = "ERROR"',
                        'raw = "2024-05-30T13:15:47.339279Z ERROR ExtHandler custom failure here"')
    (tmp_path / "raw.toml").write_text(text)
    assert load_rules([str(tmp_path)])[1] == []
    # the parser takes the level from the line: a raw INFO line does not satisfy level == "ERROR"
    (tmp_path / "raw.toml").write_text(text.replace("Z ERROR ExtHandler", "Z INFO ExtHandler"))
    failed = f"{tmp_path / 'raw.toml'}:2: rule site.custom sample 1 does not match"
    assert load_rules([str(tmp_path)])[1] == [failed]


def test_two_rules_claiming_one_sample_warn(tmp_path: Path):
    (tmp_path / "a.toml").write_text(GOOD)
    (tmp_path / "b.toml").write_text(GOOD.replace("site.custom", "site.other"))
    rules, errors = load_rules([str(tmp_path)])
    from loganalyzer.rules.loader import is_warning
    assert {"site.custom", "site.other"} <= {r.id for r in rules}
    assert len(errors) == 1 and is_warning(errors[0])
    assert errors[0].startswith(f"{tmp_path / 'b.toml'}:2: warning: rule site.other sample 1 is also claimed "
                                "by rule site.custom sample 1")


def test_cli_prints_a_bad_rules_file_on_stderr_and_exits_2(tmp_path: Path, samples_dir: Path):
    import subprocess
    import sys
    cli = Path(sys.executable).parent / "analyze-logs"
    p = _write(tmp_path, "bad", cause="snapshot_faild")
    out = subprocess.run([str(cli), str(samples_dir / "folder-dhcp-failure"), "--rules", str(tmp_path),
                          "--format", "json", "-q"], capture_output=True, text=True, timeout=120)
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert f"analyze-logs: rule error: {p}:4: unknown cause 'snapshot_faild'" in out.stderr


def test_an_entry_condition_holds_for_every_statement_of_the_catalog_it_names():
    # each catalog entry, filled in as the program would write it, is recognised by its id alone
    from loganalyzer.catalog import load_catalog
    from loganalyzer.catalog.render import fill
    misses = []
    for entry in load_catalog().entries:
        c = compile_condition(f'entry == "{entry.id}"')
        if not c.test(ev(fill(entry), level=entry.level if entry.level != "EVENT" else "INFO")):
            misses.append(entry.id)
    assert misses == []


def test_an_entry_condition_captures_placeholders_and_rejects_a_near_miss():
    c = compile_condition('entry in ["wala.agent.orphan_exit", "wala.agent.orphan_exit_v22"]')
    caps: dict = {}
    line = "Agent WALinuxAgent-2.2.45 is an orphan -- exiting"
    assert c(ev(line, level="INFO"), line, caps) and caps == {"agent": "WALinuxAgent-2.2.45"}
    assert c.test(ev("Goal state agent WALinuxAgent-2.2.14 was orphaned -- exiting", level="INFO"))
    assert not c.test(ev("Agent WALinuxAgent-2.2.45 is an orphan", level="INFO"))
    # the pre-filter routes by the entries' anchors, not by a copy of their words in the rule
    assert c.literals == {"is an orphan -- exiting", "was orphaned -- exiting"}


@pytest.mark.parametrize("bad", ['entry == "no.such.entry"', 'entry contains "orphan"', 'entry in [1]',
                                 'entry exists'])
def test_a_bad_entry_condition_is_refused(bad: str):
    with pytest.raises(ConditionError):
        compile_condition(bad)


def test_a_rule_file_names_catalog_entries_and_its_samples_run(tmp_path: Path):
    (tmp_path / "orphan.toml").write_text(GOOD.replace(
        '''message contains "custom failure" and level == "ERROR"''',
        '''entry in ["wala.agent.orphan_exit"]''').replace(
        'summary = "seen {times}"', 'summary = "{agent} exited {times}"').replace(
        'message = "custom failure here"', 'message = "Agent WALinuxAgent-2.2.45 is an orphan -- exiting"'))
    rules, errors = load_rules([str(tmp_path)])
    assert errors == [] and any(r.id == "site.custom" for r in rules)


def test_a_backup_result_code_condition_reads_the_code_table_not_words():
    c = compile_condition('vms_code startswith "FailedPrepost" or vms_code == "FailedSnapshotLimitReached"')
    caps: dict = {}
    line = "PreScript failed for the plugin oracle StatusCode.FailedPrepostPreScriptTimeout,"
    assert c(ev(line, level="INFO"), line, caps) and caps == {"code_name": "FailedPrepostPreScriptTimeout"}
    assert c.test(ev("T:S Enable failed with FailedSnapshotLimitReached errror", level="ERROR"))
    # a name inside a longer word, or a family the table does not have, is no code
    assert not c.test(ev("XFailedSnapshotLimitReachedY"))
    assert not c.test(ev("StatusCode.FailedRetryableFsFreezeTimeout,"))
    # the prefix stands for the names of its family, each a word the pre-filter can index
    assert "FailedPrepostCheckSumMismatch" in c.literals and "FailedSnapshotLimitReached" in c.literals


@pytest.mark.parametrize("bad", ['vms_code == "FailedNoSuchThing"', 'vms_code startswith "Nope"',
                                 'vms_code contains "Failed"'])
def test_an_unknown_backup_result_code_is_refused(bad: str):
    with pytest.raises(ConditionError):
        compile_condition(bad)
