"""The Markdown report: ticket-ready structure and the 60,000-character cap."""
from __future__ import annotations

from report_fixtures import (
    FREEZE_LINE,
    crowded_result,
    failing_backup_result,
    healthy_result,
    markdown_outside_fences,
)

from loganalyzer.report.markdown import MAX_CHARS, render_markdown


def _fences_balanced(markdown: str) -> bool:
    return markdown_outside_fences(markdown)[0]


def test_answer_comes_first_with_evidence_in_a_fence():
    markdown = render_markdown(failing_backup_result())
    assert markdown.splitlines()[0].startswith("# loganalyzer report:")
    answer = markdown[markdown.index("## Answer"):markdown.index("## Other findings")]
    assert "**Most likely cause: the backup snapshot could not be taken" in answer
    assert f"```text\n{FREEZE_LINE}\n```" in answer
    assert "1. Restart the VM to thaw the file systems." in answer


def test_details_fold_evidence_and_the_file_table():
    markdown = render_markdown(failing_backup_result())
    assert markdown.count("<details>") == markdown.count("</details>") == 4
    assert "| `disk_full` (a file system is full) | ruled out |" in markdown
    assert _fences_balanced(markdown)


def test_healthy_bundle_says_so():
    assert "**No problem found" in render_markdown(healthy_result())


def test_small_report_is_not_cut():
    assert "Report cut" not in render_markdown(failing_backup_result())


def test_cap_is_honoured_with_a_visible_note_and_balanced_blocks():
    markdown = render_markdown(crowded_result(300, 100))
    assert len(markdown) <= MAX_CHARS == 60_000
    assert "**Report cut at 60,000 characters:**" in markdown
    assert _fences_balanced(markdown)
    assert markdown.count("<details>") == markdown.count("</details>")


def test_cut_keeps_the_answer_checklist_and_coverage():
    markdown = render_markdown(crowded_result(300, 100))
    for heading in ("## Answer", "## Causes checked", "## Coverage"):
        assert heading in markdown


def test_a_smaller_cap_is_honoured_too():
    markdown = render_markdown(failing_backup_result(), max_chars=3_000)
    assert len(markdown) <= 3_000 and "Report cut" in markdown and _fences_balanced(markdown)


def test_backticks_in_a_log_line_cannot_close_the_fence():
    result = failing_backup_result()
    result.findings[1].evidence[0].excerpt = "before\n```\n# not a heading\n```\nafter"
    markdown = render_markdown(result)
    assert "````text\n2024-01-14" not in markdown
    assert "````text\nbefore\n```\n# not a heading\n```\nafter\n````" in markdown
    assert _fences_balanced(markdown)


def test_html_in_free_text_is_escaped():
    result = failing_backup_result()
    result.findings[0].summary = "<details><script>alert(1)</script>"
    assert "&lt;details&gt;&lt;script&gt;" in render_markdown(result)


def test_local_clock_times_carry_no_z_in_findings_and_summaries():
    result = failing_backup_result()
    enable = next(f for f in result.findings if f.rule_id == "vmsnapshot.enable_failed")
    for ev in enable.evidence:
        ev.local = True
    enable.summary = "Enable failed 3 times, last at 2024-05-30T13:45:47Z."
    result.facts.state["local_time_files"] = [enable.evidence[0].path]
    md = render_markdown(result)
    assert "2024-05-30T13:15:47 (VM local time) → 2024-05-30T13:45:47 (VM local time)" in md
    assert "last at 2024-05-30T13:45:47 (VM local time)." in md and "13:45:47Z" not in md
    assert enable.summary.endswith("13:45:47Z.")                      # the result itself is untouched
    crash = " ".join(render_markdown(result).split("restarted after not terminating")[1].split()[:12])
    assert "2017-03-27T14:00:45Z" in crash                            # a UTC finding keeps its Z


def test_a_finding_seen_at_one_time_gives_that_time_once():
    md = render_markdown(failing_backup_result())
    crash = md.split("### The agent restarted after not terminating cleanly", 1)[1].split("\n\n")[1]
    assert crash.endswith("seen once · 2017-03-27T14:00:45Z")
    assert "2024-05-30T13:15:47Z → 2024-05-30T13:45:47Z" in md        # a span keeps both ends


def test_the_checklist_lists_detected_causes_first_like_the_text_report():
    md = render_markdown(failing_backup_result())
    table = md.split("## Causes checked", 1)[1].split("## Coverage", 1)[0]
    verdicts = [row.split(" | ")[1] for row in table.splitlines() if row.startswith("| `")]
    assert verdicts == sorted(verdicts, key=["detected", "not seen", "not evaluable", "ruled out"].index)
    assert verdicts[0] == "detected" and verdicts[-1] == "ruled out"
