"""The terminal report: the answer first, the checklist, coverage, width and colour."""
from __future__ import annotations

import re

from report_fixtures import ENABLE_FAILED_LINE, FREEZE_LINE, failing_backup_result, healthy_result

from loganalyzer.model import Evidence
from loganalyzer.report import render
from loganalyzer.report.text import WIDTH, render_text


def test_starts_with_the_most_likely_cause():
    lines = render_text(failing_backup_result()).splitlines()
    assert lines[0].startswith("Bundle: /tmp/tickets/123/logs.zip (collect_logs)")   # the header first
    assert lines[3].startswith("Most likely cause: the backup snapshot could not be taken")


def test_answer_shows_evidence_location_time_and_what_to_do_before_other_findings():
    text = render_text(failing_backup_result())
    answer = text[:text.index("Other findings:")]
    assert "extension.log:2310 2024-01-14T22:16:48Z" in " ".join(answer.split())
    assert f"| {FREEZE_LINE[:80]}" in answer
    assert "What to do:\n  1. Restart the VM to thaw the file systems." in answer


def test_other_findings_follow_by_severity():
    text = render_text(failing_backup_result())
    order = [text.index(f"[{s}]") for s in ("error", "warning", "info")]
    assert order == sorted(order)


def test_checklist_puts_detected_causes_first_and_groups_shared_reasons():
    text = render_text(failing_backup_result())
    lines = text[text.index("Causes checked:"):text.index("Coverage:")].splitlines()[1:]
    detected = [line for line in lines if line.startswith("  ✗ detected")]
    assert [line.split()[2] for line in detected] == ["autoupdate_disabled:", "agent_crash_loop:",
                                                      "snapshot_failed:", "extension_enable_failed:"]
    assert ("  ? not evaluable restore_point_limit_or_lock, guest_shutdown: needs the Azure "
            "activity log, not in") in lines
    assert lines[7].startswith("  ✓ ruled out     no_network, wireserver_unreachable,")
    flat = " ".join(" ".join(lines).split())
    # causes added to the taxonomy later join the shared entry
    assert re.search(r"disk_full, provisioning_failed(, [a-z_]+)*: the agent reported status normally", flat)


def test_detected_causes_point_at_what_the_report_already_said_instead_of_repeating_it():
    text = render_text(failing_backup_result())
    checklist = " ".join(text[text.index("Causes checked:"):text.index("Coverage:")].split())
    assert "snapshot_failed: File systems were frozen and never thawed — the answer above." in checklist
    assert "extension_enable_failed: VMSnapshotLinux enable failed — under Other findings." in checklist
    assert "safefreeze started" not in checklist            # the answer's summary is said once
    assert " ".join(text.split()).count("safefreeze started and the log stops") == 1


def test_coverage_is_one_line_naming_what_was_skipped():
    line = next(line for line in render_text(failing_backup_result()).splitlines()
                if line.startswith("Coverage:"))
    assert line.startswith("Coverage: read 5 files, 52,701 lines")
    unwrapped = " ".join(render_text(failing_backup_result()).split())
    assert "2 skipped: ../etc/shadow (path leaves the bundle), var/lib/waagent/history/broken.zip (not a" \
           " zip file)" in unwrapped


def test_verbose_adds_the_per_file_table():
    assert "Files:" not in render_text(failing_backup_result())
    verbose = render_text(failing_backup_result(), verbose=True)
    assert "Files:" in verbose and "not a zip file" in verbose.split("Files:")[1]


def test_healthy_bundle_says_no_cause_was_found_and_what_was_checked():
    text = render_text(healthy_result()).split("\n\n", 1)[1]      # after the bundle header
    from loganalyzer.rules.causes import TAXONOMY
    n = len(TAXONOMY)                       # the fixture rules out all but two causes
    assert text.startswith(f"No problem found: {n} causes checked, {n - 2} ruled out, 2 not evaluable.")
    assert "Causes checked:" in text and "Other findings" not in text


def test_lines_wrap_at_the_report_width():
    result = failing_backup_result()
    long_evidence = Evidence("var/log/waagent.log", 900, 900, None, ENABLE_FAILED_LINE * 5)
    result.findings[1].evidence.append(long_evidence)
    assert max(len(line) for line in render_text(result, verbose=True).splitlines()) <= WIDTH


def test_colour_only_when_asked():
    assert "\x1b[" not in render_text(failing_backup_result())
    assert "\x1b[1;31m" in render_text(failing_backup_result(), color=True)


def test_terminal_escapes_in_logs_are_neutralised():
    result = failing_backup_result()
    result.findings[1].evidence[0].excerpt = "evil \x1b]0;title\x07 line"
    assert "\x1b" not in render_text(result) and "\x07" not in render_text(result)


def test_dispatcher_passes_text_options():
    assert render(failing_backup_result(), "text", verbose=True) == render_text(failing_backup_result(),
                                                                                 verbose=True)
