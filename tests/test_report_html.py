"""The HTML report: one self-contained, escaped, printable file with an SVG timeline."""
from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

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


def test_contains_every_other_finding_the_checklist_and_the_coverage_table():
    tree = lxml.html.fromstring(render_html(failing_backup_result()))
    titles = [h.text_content() for h in tree.xpath("//article[@class='finding']/h3")]
    assert len(titles) == 3 and "VMSnapshotLinux enable failed" in titles[0]
    headings = [h.text_content() for h in tree.xpath("//h2")]
    assert {"Timeline", "Other findings", "Causes checked", "Coverage"} <= set(headings)


def test_the_answer_is_said_once_not_repeated_as_the_first_finding():
    tree = lxml.html.fromstring(render_html(failing_backup_result()))
    assert "never thawed" in tree.xpath("//section[contains(@class, 'answer')]")[0].text_content()
    assert not any("never thawed" in h.text_content() for h in tree.xpath("//article/h3"))


def test_consequences_fold_under_the_answer_like_text_and_markdown():
    result = failing_backup_result()
    by_rule = {f.rule_id: f for f in result.findings}
    root, consequence = by_rule["vmsnapshot.freeze_without_thaw"], by_rule["vmsnapshot.enable_failed"]
    other = by_rule["agent.crash_loop"]
    root.incident, root.role = 1, "root"
    consequence.incident, consequence.role = 1, "consequence"
    other.incident, other.role = 2, "root"
    tree = lxml.html.fromstring(render_html(result))
    answer = tree.xpath("//section[contains(@class, 'answer')]")[0]
    folded = answer.xpath(".//ul[@class='folded']/li")
    heads = [li.text_content().split(" (")[0].strip() for li in folded]
    assert heads == ["error VMSnapshotLinux enable failed"]
    assert "extension_enable_failed, seen 3 times" in folded[0].text_content()
    assert folded[0].xpath(".//details//pre")                       # its evidence, folded but there
    titles = [h.text_content() for h in tree.xpath("//article[@class='finding']/h3")]
    assert not any("enable failed" in t or "never thawed" in t for t in titles)
    assert any("restarted after not terminating" in t for t in titles)
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


def test_the_collect_logs_sample_shows_one_answer_with_its_consequences_folded():
    from loganalyzer import analyze
    sample = Path(__file__).resolve().parents[1] / "sample_logs" / "collect-logs-backup-failure.zip"
    tree = lxml.html.fromstring(render_html(analyze(sample)))
    answer = tree.xpath("//section[contains(@class, 'answer')]")[0].text_content()
    assert "Most likely cause: the VM has no outbound network access" in answer
    assert "Because of this, also seen" in answer and "(snapshot_failed," in answer
    items = tree.xpath("//ul[@class='folded']/li")
    folded = {li.text_content().split(" (")[0].split(" ", 1)[1] for li in items}
    others = {h.text_content().split(" ", 1)[1] for h in tree.xpath("//article[@class='finding']/h3")}
    assert len(folded) >= 3 and not folded & others


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


def test_verdict_and_severity_badges_stay_on_one_line():
    """In the narrow verdict column 'not evaluable' broke into 'not / evalu / able' (seen in a
    headless-Chromium screenshot of adhoc-extension-stuck); the embedded stylesheet keeps a
    badge whole."""
    style = lxml.html.fromstring(render_html(failing_backup_result())).xpath("string(//style)")
    badge = style[style.index(".badge {"):]
    assert "white-space: nowrap" in badge[:badge.index("}")]


#: printed pages allowed per sample (headless Chromium, its default paper): the issue measured 9 for
#: one failure; before the print styles were reworked the samples printed 12, 5, 7, 9 and 13 pages,
#: after 6, 3, 4, 5 and 6.  One page of headroom each, for a new cause in the checklist.
PRINT_BUDGET = {"collect-logs-backup-failure.zip": 7, "adhoc-extension-stuck.tar.gz": 4,
                "adhoc-healthy.tar.gz": 5, "folder-dhcp-failure": 6, "sosreport-agent-outdated.tar.xz": 7}


def _chromium() -> str | None:
    import shutil
    return next((found for name in ("chromium", "chromium-browser", "google-chrome")
                 if (found := shutil.which(name))), None)


def test_every_sample_prints_within_its_page_budget(tmp_path: Path):
    """Print the samples' HTML reports to PDF with headless Chromium and count the pages: the answer
    starts on page 1 (the answer block used to be kept whole and pushed to page 2), headings do not
    drag a whole table to the next page, tables print at the width their words need."""
    import re
    import shutil
    import subprocess

    import pytest

    from loganalyzer import analyze
    browser = _chromium()
    if browser is None:
        pytest.skip("no Chromium on this machine (apt-get install chromium)")
    samples = Path(__file__).resolve().parents[1] / "sample_logs"
    pages = {}
    for name in PRINT_BUDGET:
        page, pdf = tmp_path / f"{name}.html", tmp_path / f"{name}.pdf"
        page.write_text(render_html(analyze(samples / name)), encoding="utf-8")
        subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
                        f"--print-to-pdf={pdf}", page.as_uri()], capture_output=True, timeout=120)
        if not pdf.exists():
            pytest.skip(f"{browser} did not print a PDF here")
        pages[name] = len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf.read_bytes()))
    assert {n: p for n, p in pages.items() if p > PRINT_BUDGET[n]} == {}, pages
    if shutil.which("pdftotext"):                 # the answer is on the first printed page
        collect_logs = tmp_path / f"{next(iter(PRINT_BUDGET))}.pdf"
        first = subprocess.run(["pdftotext", "-l", "1", str(collect_logs), "-"],
                               capture_output=True, text=True).stdout
        assert "Most likely cause" in first


def test_no_table_is_wider_than_the_page_in_a_narrow_or_wide_window(tmp_path: Path):
    """The issue's Backups table ran past a 1400 px window: in headless Chromium at 1400 and 600 px
    every table of the collect-logs and sosreport samples fits its section (a script added to a copy
    of the page writes the widths into the DOM that --dump-dom prints)."""
    import re
    import subprocess

    import pytest

    from loganalyzer import analyze
    browser = _chromium()
    if browser is None:
        pytest.skip("no Chromium on this machine (apt-get install chromium)")
    samples = Path(__file__).resolve().parents[1] / "sample_logs"
    probe = ('<script>document.body.setAttribute("data-widths", [...document.querySelectorAll("table")]'
             '.map(t => t.scrollWidth + "/" + t.parentElement.clientWidth).join(" "));</script></body>')
    for name in ("collect-logs-backup-failure.zip", "sosreport-agent-outdated.tar.xz"):
        page = tmp_path / f"{name}.html"
        page.write_text(render_html(analyze(samples / name)).replace("</body>", probe), encoding="utf-8")
        for width in (1400, 600):
            dom = subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu",
                                  f"--window-size={width},900", "--dump-dom", page.as_uri()],
                                 capture_output=True, text=True, timeout=120).stdout
            found = re.search(r'data-widths="([^"]*)"', dom)
            if found is None:
                pytest.skip(f"{browser} ran no script here")
            pairs = [tuple(map(int, p.split("/"))) for p in found.group(1).split()]
            assert pairs and all(table <= room for table, room in pairs), (name, width, pairs)
