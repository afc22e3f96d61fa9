"""Secrets in every shape they take in real logs: none may reach any output, frame or fleet table.

Every bundle is written from bytes in the test; the secret values carry :data:`SECRET`
so a leak is found by one substring search, whatever the output format.
"""
from __future__ import annotations

import html
import json
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from report_fixtures import secrets_result

from loganalyzer.api import open_bundle
from loganalyzer.cli import FORMATS, render_many
from loganalyzer.fleet import cli as fleet_cli
from loganalyzer.redact import SHAPES, SecretShape, redact

#: Every planted secret value contains this; it must never come out.
SECRET = "PLANTEDSECRETx9q"

PLAIN_SHAPES = (
    f"GET https://a.blob.core.windows.net/c/x.status?sv=2018-03-28&sr=b&sig={SECRET}&se=1 -- IOError",
    f'Settings: {{"protectedSettings": "{SECRET}", "publicSettings": {{}}}}',
    f"DefaultEndpointsProtocol=https;AccountName=a;AccountKey={SECRET};EndpointSuffix=core.windows.net",
    f"<UserPassword>{SECRET}</UserPassword>",
)

#: The real-world shapes a secret takes in guest-agent logs, written plainly (name → (line, URL-borne)).
#: URL-borne shapes also travel URL-encoded, once or twice.
PLANTS: dict[str, tuple[str, bool]] = {
    "sas_query": (f"GET https://md-x.blob.core.windows.net/vhds/a.status?sv=2018-03-28&sr=b&sig={SECRET}"
                  "&se=2024-06-01T00:00:00Z&sp=rw -- IOError", True),
    "sas_signature": (f"signature={SECRET}", True),
    "sas_access_token": (f"https://login.example/cb?access_token={SECRET}&state=1", True),
    "account_key": (f"DefaultEndpointsProtocol=https;AccountName=a;AccountKey={SECRET};EndpointSuffix=x",
                    True),
    "shared_access_key": (f"Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=r;"
                          f"SharedAccessKey={SECRET}", True),
    "sas_uri_json": (f'{{"sasUri": "https://a/b?sv=1&sig={SECRET}"}}', False),
    "protected_settings_json": (f'{{"protectedSettings": "{SECRET}", "publicSettings": {{}}}}', False),
    "protected_settings_repr": (f"{{'protectedSettings': '{SECRET}', 'publicSettings': {{}}}}", False),
    "protected_settings_object": (f'{{"protectedSettings": {{"commandToExecute": "echo {SECRET}", '
                                  f'"storageAccountKey": "k{SECRET}"}}, "publicSettings": {{}}}}', False),
    "password_json": (f'{{"adminPassword": "{SECRET}"}}', False),
    "password_kv": (f"OS.RootPassword={SECRET}", False),
    "password_double_quoted": (f'password="{SECRET} with spaces"', False),
    "password_single_quoted": (f"password='{SECRET} with spaces'", False),
    "password_option": (f"useradd -m --password {SECRET} azureuser", False),
    "password_colon": (f"Password: {SECRET}", False),
    "proxy_userinfo": (f"Using proxy http://proxyuser:{SECRET}@10.0.0.1:3128", False),
    "bearer": (f"Authorization: Bearer eyJ0eXAi{SECRET}.eyJhdWQi.c2ln", False),
    "basic": (f"Authorization: Basic dXNlcjpw{SECRET}", False),
    "shared_key": (f"Authorization: SharedKey myaccount:{SECRET}", False),
    "private_key_json": (f'{{"privateKey": "{SECRET}"}}', False),
    "token_colon": (f"token: {SECRET}", False),
    "refresh_token": (f"refresh_token={SECRET}", True),
    "client_secret": (f"client_secret={SECRET}", True),
    "encryption_key_header": (f"x-ms-encryption-key: {SECRET}", False),
    "custom_data_xml": (f"<CustomData>{SECRET}</CustomData>", False),
    "user_password_xml": (f"<UserPassword>{SECRET}</UserPassword>", False),
    "certificate_data_xml": (f'<Data encoding="pfx">{SECRET}</Data>', False),
    "pem": (f"-----BEGIN RSA PRIVATE KEY-----\nMIIE{SECRET}\n-----END RSA PRIVATE KEY-----", False),
}


def json_escaped(text: str) -> str:
    """As .NET/Go write a string inside JSON: quotes and backslashes escaped, ``&<>'`` as ``\\u00XX``."""
    inner = json.dumps(text)[1:-1]
    for char in "&<>'=":
        inner = inner.replace(char, f"\\u{ord(char):04x}")
    return inner


ENCODINGS: dict[str, Callable[[str], str]] = {
    "plain": lambda t: t,
    "json_escaped": json_escaped,
    "json_in_json": lambda t: json.dumps(json.dumps(t)[1:-1])[1:-1],
    "html_escaped": lambda t: html.escape(t, quote=True),
    "python_repr": lambda t: repr(t)[1:-1],
}
URL_ENCODINGS: dict[str, Callable[[str], str]] = {
    "url_encoded": lambda t: quote(t, safe=""),
    "url_double_encoded": lambda t: quote(quote(t, safe=""), safe=""),
}


def planted() -> list[tuple[str, str]]:
    """(id, line) for every shape in every encoding it takes."""
    out = []
    for name, (line, url_borne) in PLANTS.items():
        encodings = ENCODINGS | (URL_ENCODINGS if url_borne else {})
        out += [(f"{name}/{enc}", encode(line)) for enc, encode in encodings.items()]
    return out


PLANTED = planted()


def waagent_log(messages: list[str]) -> bytes:
    return b"".join(f"2024-05-01T10:00:{i % 60:02d}.000000Z ERROR ExtHandler ExtHandler {m}\n".encode()
                    for i, m in enumerate(messages))


def folder_bundle(root: Path, log: bytes) -> Path:
    (root / "var" / "log").mkdir(parents=True)
    (root / "var" / "log" / "waagent.log").write_bytes(log)
    return root


def test_fleet_with_events_writes_no_secret_to_any_table(tmp_path: Path) -> None:
    bundles = tmp_path / "in"
    folder_bundle(bundles / "vm1", waagent_log(list(PLAIN_SHAPES)))
    out = tmp_path / "out"
    fleet_cli.main([str(bundles), "--out", str(out), "--jobs", "1", "--with-events", "--fail-on", "never"])
    events = pq.read_table(out / "events.parquet").to_pandas()
    assert len(events) == len(PLAIN_SHAPES)
    for name in ("events.parquet", "bundles.parquet", "findings.parquet", "fleet-report.md",
                 "fleet-report.html"):
        assert SECRET.encode() not in (out / name).read_bytes(), name


# -- the shape table ----------------------------------------------------------------------------
@pytest.mark.parametrize("shape", SHAPES, ids=lambda shape: shape.name)
def test_every_shape_redacts_its_positive_samples_and_leaves_its_negatives(shape: SecretShape) -> None:
    assert shape.positives
    for sample in shape.positives:
        assert "hunter2Zz9" in sample
        assert "hunter2Zz9" not in shape.find(sample) and "<redacted" in shape.find(sample), sample
        assert "hunter2Zz9" not in redact(sample), sample
    for sample in shape.negatives:
        assert redact(sample) == sample


@pytest.mark.parametrize(("plant", "line"), PLANTED, ids=[p for p, _ in PLANTED])
def test_no_planted_secret_survives_redaction_in_any_encoding(plant: str, line: str) -> None:
    assert SECRET in line
    assert SECRET not in redact(f"2024-05-01T10:00:00Z ERROR {line} -- done"), plant


def _adversarial_lines(size: int = 80_000) -> dict[str, str]:
    """Lines made to make a backtracking matcher quadratic: a shape's prefix repeated without its end."""
    lines = {"password a.a.a": "password " + "a." * (size // 2), "sig=sig=": "sig=" * (size // 4),
             "quotes": '"password": "' + '\\"' * (size // 2), "opening tags": "<Data>" * (size // 6),
             "urls": "http://a:" * (size // 9), "queries": "?sv" * (size // 3),
             # an escaped opening tag with attributes and no end, again and again: each one's attributes
             # must stop at the next opener, or every tag scans the rest of the line (43-69 s before)
             "escaped opening tags": "&lt;Data a" * (size // 10),
             "json-escaped opening tags": "\\u003cData a" * (size // 13)}
    for shape in SHAPES:
        for sample in shape.positives + shape.negatives:
            for cut in (len(sample) // 3, len(sample) // 2, len(sample) - 1):
                piece = sample[:max(cut, 1)]
                lines[f"{shape.name}:{piece}"] = (piece * (size // len(piece) + 1))[:size]
    return lines


def test_redaction_is_linear_on_80_kb_adversarial_lines() -> None:
    slowest = 0.0
    for name, line in _adversarial_lines().items():
        started = time.perf_counter()
        redact(line)
        slowest = max(slowest, time.perf_counter() - started)
        assert slowest < 1.0, name


# -- every output ---------------------------------------------------------------------------------
def _result_with(text: str, redact_it: bool):
    """A result with ``text`` in every free-text field a report shows."""
    result = secrets_result(redact=redact_it)
    finding = result.findings[0]
    finding.summary = f"The handler said {text}."
    finding.evidence[0].excerpt = f"2024-05-30T13:15:47Z ERROR ExtHandler ExtHandler {text}"
    result.coverage[0].reason = text
    result.input.notes.append(text)
    result.causes[0].reason = text
    return result


_CONTEXT = st.text(st.sampled_from("abcXYZ019 .,:;()-_/"), max_size=20)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(PLANTED), _CONTEXT, _CONTEXT)
def test_a_planted_secret_reaches_no_report_format(plant: tuple[str, str], before: str, after: str) -> None:
    name, line = plant
    text = f"{before} {line} {after}"
    assert SECRET not in redact(text), name
    for fmt in FORMATS:
        if fmt == "html":
            from loganalyzer.report import render
            output = render(_result_with(text, True), "html")
        else:
            output = render_many([_result_with(text, True)], fmt, color=False, verbose=True)
        assert SECRET not in output and SECRET not in html.unescape(output), f"{name} leaked in {fmt}"
    shown = render_many([_result_with(text, False)], "json", color=False, verbose=True)
    assert SECRET in shown, "the plant must reach the report when redaction is off"


@pytest.fixture(scope="module")
def planted_bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One folder bundle whose waagent.log carries every planted line (PEM lines joined)."""
    lines = [line.replace("\n", " ") for _, line in PLANTED]
    return folder_bundle(tmp_path_factory.mktemp("planted"), waagent_log(lines))


def test_bundle_events_hold_no_planted_secret(planted_bundle: Path) -> None:
    events = open_bundle(planted_bundle).events
    assert len(events) == len(PLANTED)
    leaked = [PLANTED[i][0] for i, m in enumerate(events["message"]) if SECRET in m]
    assert not leaked
    assert not [f for f in events["fields"] if f is not None and SECRET in repr(f)]
    shown = open_bundle(planted_bundle, redact=False).events
    assert all(SECRET in m for m in shown["message"])


def test_fleet_tables_hold_no_planted_secret_with_or_without_events(planted_bundle: Path,
                                                                    tmp_path: Path) -> None:
    for flags in ([], ["--with-events"]):
        out = tmp_path / ("events" if flags else "plain")
        fleet_cli.main([str(planted_bundle), "--out", str(out), "--jobs", "1", "--fail-on", "never", *flags])
        written = sorted(out.iterdir())
        assert (out / "events.parquet").exists() == bool(flags)
        for path in written:
            assert SECRET.encode() not in path.read_bytes(), path.name


@pytest.fixture(scope="module")
def planted_twice_result(tmp_path_factory: pytest.TempPathFactory):
    """The real pipeline on every planted line written twice: a failure record no rule explains
    becomes a ``signal.unexplained`` finding whose summary is the record's *template* (quoted values
    and numbers masked as ``<*>``), so the report redacts text the plain line never looked like."""
    from loganalyzer.analysis import analyze
    lines = [line.replace("\n", " ") for _, line in PLANTED for _ in range(2)]
    return analyze(str(folder_bundle(tmp_path_factory.mktemp("twice"), waagent_log(lines))))


@pytest.mark.parametrize("fmt", FORMATS)
def test_no_planted_secret_reaches_the_report_of_an_analysed_bundle(planted_twice_result, fmt: str) -> None:
    from loganalyzer.report import render
    result = planted_twice_result
    assert any(f.rule_id == "signal.unexplained" for f in result.findings)
    output = (render(result, "html") if fmt == "html"
              else render_many([result], fmt, color=False, verbose=True))
    assert SECRET not in output and SECRET not in html.unescape(output), fmt
