"""No secret reaches any report when redaction is on; all of them show with --no-redact."""
from __future__ import annotations

import html

import pytest
from report_fixtures import SAS_SIGNATURE, SECRETS, USER_PASSWORD, secrets_result

from loganalyzer.report import FORMATS, render
from loganalyzer.report.notebook import result_html
from loganalyzer.report.redaction import report_view
from loganalyzer.report.timeline import timeline_rows


@pytest.mark.parametrize("fmt", FORMATS)
def test_redacted_report_leaks_no_secret(fmt):
    output = render(secrets_result(redact=True), fmt)
    leaked = [s for s in SECRETS if s in output]
    assert not leaked, f"{fmt} leaked {leaked}"
    assert "redacted" in output


@pytest.mark.parametrize("fmt", FORMATS)
def test_unredacted_report_shows_the_evidence_secrets(fmt):
    output = html.unescape(render(secrets_result(redact=False), fmt))
    for secret in (SAS_SIGNATURE, USER_PASSWORD):
        assert secret in output, f"{fmt} hid {secret} although redaction was off"


def test_notebook_and_timeline_redact_too():
    assert not [s for s in SECRETS if s in result_html(secrets_result())]
    assert not [s for s in SECRETS if s in repr(timeline_rows(secrets_result()))]
    assert SAS_SIGNATURE in repr(timeline_rows(secrets_result(redact=False)))


def test_the_view_redacts_every_field_and_leaves_the_input_untouched():
    result = secrets_result()
    view = report_view(result)
    assert not [s for s in SECRETS if s in repr(view)]
    assert SAS_SIGNATURE in result.findings[0].evidence[0].excerpt
    assert view.facts.config["OS.RootPassword"].value == "<redacted>"
    assert view.stats == {"password": "<redacted>"}


def test_the_view_is_the_result_itself_without_redaction():
    result = secrets_result(redact=False)
    assert report_view(result) is result
