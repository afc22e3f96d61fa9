"""The HTML report: one self-contained, escaped, printable file with an SVG timeline."""
from __future__ import annotations

from html.parser import HTMLParser

import lxml.html
from report_fixtures import crowded_result, failing_backup_result, healthy_result

from loganalyzer.report.html import render_html
from loganalyzer.report.notebook import result_html


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def _tags(page: str) -> list[tuple[str, dict[str, str | None]]]:
    collector = _Collector()
    collector.feed(page)
    return collector.tags


def test_parses_and_puts_the_answer_first():
    page = render_html(failing_backup_result())
    tree = lxml.html.fromstring(page)
    sections = tree.xpath("//section")
    assert "answer" in sections[0].get("class")
    assert sections[0].text_content().startswith("AnswerMost likely cause: the backup snapshot")


def test_contains_every_finding_the_checklist_and_the_coverage_table():
    tree = lxml.html.fromstring(render_html(failing_backup_result()))
    titles = [h.text_content() for h in tree.xpath("//article[@class='finding']/h3")]
    assert len(titles) == 4 and "VMSnapshotLinux enable failed" in titles[1]
    headings = [h.text_content() for h in tree.xpath("//h2")]
    assert {"Timeline", "Findings", "Causes checked", "Coverage"} <= set(headings)
    assert "not a zip file" in tree.xpath("//section[h2='Coverage']")[0].text_content()


def test_timeline_is_inline_svg_with_a_mark_per_category():
    page = render_html(failing_backup_result())
    tags = _tags(page)
    assert any(tag == "svg" for tag, _ in tags)
    classes = {attrs.get("class") for tag, attrs in tags if tag == "circle"}
    assert {"mark restart", "mark goal_state", "mark extension", "mark backup", "mark error",
            "mark finding"} <= classes


def test_ten_thousand_points_stay_a_bounded_drawing():
    page = render_html(crowded_result(findings=2, points=10_000))
    circles = [attrs for tag, attrs in _tags(page) if tag == "circle"]
    assert 0 < len(circles) <= 6 * 120


def test_no_points_still_draws_a_timeline():
    result = healthy_result()
    result.facts.restarts = result.facts.goal_states = result.facts.backups = []
    result.facts.extensions = {}
    page = render_html(result)
    assert "<svg" in page and "No dated events to draw" in page


def test_self_contained_no_scripts_or_external_resources():
    page = render_html(failing_backup_result())
    tags = _tags(page)
    assert not [t for t, _ in tags if t in ("script", "link", "iframe", "img", "object", "embed")]
    assert not [a for _, a in tags if "src" in a]
    assert "@import" not in page and "url(" not in page
    assert "@media print" in page


def test_a_script_in_a_log_line_renders_as_text():
    result = failing_backup_result()
    result.findings[0].evidence[0].excerpt = '<script>alert("owned")</script><img src=x onerror=alert(1)>'
    result.findings[0].title = "<b>bold</b>"
    page = render_html(result)
    assert "<script" not in page and "<img" not in page and "<b>bold" not in page
    assert "&lt;script&gt;alert(&quot;owned&quot;)&lt;/script&gt;" in page
    assert '<script>alert("owned")</script>' in lxml.html.fromstring(page).text_content()


def test_only_http_references_become_links():
    result = failing_backup_result()
    result.findings[0].references = ["javascript:alert(1)", "https://learn.microsoft.com/x"]
    hrefs = [a.get("href") for _, a in _tags(render_html(result)) if "href" in a]
    assert "javascript:alert(1)" not in hrefs and "https://learn.microsoft.com/x" in hrefs


def test_healthy_bundle_says_no_cause_was_found():
    tree = lxml.html.fromstring(render_html(healthy_result()))
    answer = tree.xpath("//section")[0]
    assert "healthy" in answer.get("class")
    assert "No problem found" in answer.text_content()


def test_notebook_view_has_the_answer_a_findings_table_and_coverage():
    html = result_html(failing_backup_result())
    tree = lxml.html.fromstring(html)
    assert tree.text_content().startswith("Most likely cause: the backup snapshot")
    assert len(tree.xpath("//table/tbody/tr")) == 4
    assert "read 5 files, 52,701 lines" in tree.text_content()
    assert not [t for t, _ in _tags(html) if t == "script"]
