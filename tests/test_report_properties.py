"""Whatever text a log holds, every format renders it and stays well formed."""
from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

import lxml.html
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from report_fixtures import failing_backup_result, markdown_outside_fences

from loganalyzer.report import FORMATS, render
from loganalyzer.report.json_report import schema
from loganalyzer.report.markdown import render_markdown

PIECES = [*"ab <>&\"'`*_|#[]\n\t\r\x00\x1b\x7f\u2028\ud800é😀", "```", "<script>", "</details>", "]]>",
          "?sv=1&sig=x"]
NASTY = st.lists(st.sampled_from(PIECES), max_size=30).map("".join) | st.text(max_size=40)


def _result_with(text: str):
    result = failing_backup_result()
    top = result.findings[1]
    top.title = top.summary = text
    top.evidence[0].excerpt = text
    top.evidence[0].path = text or "x"
    top.remediation = [text]
    result.causes[0].reason = text
    result.coverage[0].reason = text
    return result


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(NASTY)
def test_every_format_renders_any_text(text):
    result = _result_with(text)
    outputs = {fmt: render(result, fmt) for fmt in FORMATS}
    Draft202012Validator(schema()).validate(json.loads(outputs["json"]))
    json.loads(outputs["sarif"])
    ET.fromstring(outputs["junit"])
    tree = lxml.html.fromstring(outputs["html"])
    assert not tree.xpath("//script")
    assert "\x1b" not in outputs["text"]


@settings(max_examples=40, deadline=None)
@given(NASTY)
def test_markdown_blocks_stay_closed_for_any_text(text):
    balanced, outside = markdown_outside_fences(render_markdown(_result_with(text)))
    assert balanced
    markup = re.sub(r"`[^`\n]*`", "", outside)  # code spans show their text literally
    assert markup.count("<details>") == markup.count("</details>") == 4
