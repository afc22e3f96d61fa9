"""waagent.conf: every shipped distro config, code defaults, line numbers, case-sensitivity, redaction."""
from __future__ import annotations

import io
from pathlib import Path

import pytest

from loganalyzer.kinds import Kind
from loganalyzer.model import CoverageStatus, FileCoverage
from loganalyzer.parsers.base import ParseContext
from loganalyzer.parsers.conf import DEFAULTS, parse
from loganalyzer.redact import redact_setting
from loganalyzer.sources.base import Member

FIXTURES = Path(__file__).parent / "fixtures" / "state"


def run(data: bytes, path: str = "etc/waagent.conf"):
    member = Member(path, Kind.WAAGENT_CONF, lambda: io.BytesIO(data))
    ctx = ParseContext(coverage=FileCoverage(path=path, kind="waagent_conf"))
    assert list(parse(member, ctx)) == []
    return ctx.documents[0].data, ctx


def real_confs(reference_data: Path) -> list[Path]:
    agent = reference_data / "WALinuxAgent"
    return (sorted(agent.glob("config/**/waagent.conf")) + sorted(agent.glob("tests/data/config/*.conf"))
            + [agent / "tests/data/test_waagent.conf"] + sorted(agent.glob("_history/*/config/waagent.conf")))


def test_every_real_waagent_conf_parses_with_every_line_accounted(reference_data):
    files = real_confs(reference_data)
    assert len(files) >= 29
    for path in files:
        raw = path.read_bytes()
        conf, ctx = run(raw)
        assert ctx.coverage.status == CoverageStatus.PARSED
        assert ctx.coverage.lines == len(raw.splitlines())
        assert ctx.coverage.records == len(conf.entries) > 0, path
        for entry in conf.entries.values():
            assert raw.splitlines()[entry.line - 1].decode().lstrip().startswith(entry.key)


@pytest.mark.parametrize(("distro", "key", "value"), [
    ("chainguard", "Extensions.Enabled", "n"),
    ("chainguard", "AutoUpdate.UpdateToLatestVersion", "n"),
    ("debian", "OS.EnableFirewall", "n"),
    ("gaia", "AutoUpdate.Enabled", "n"),
    ("nsbsd", "AutoUpdate.Enabled", "n"),
    ("ubuntu", "Provisioning.Agent", "auto"),
])
def test_distro_defaults_that_matter_for_triage(reference_data, distro, key, value):
    conf, _ = run((reference_data / "WALinuxAgent/config" / distro / "waagent.conf").read_bytes())
    assert conf.effective(key)[:2] == (value, False)


def test_shipped_config_has_logs_verbose_off_and_fips_off(reference_data):
    raw = (reference_data / "WALinuxAgent/config/waagent.conf").read_bytes()
    conf, _ = run(raw)
    value, is_default, line = conf.effective("Logs.Verbose")
    assert (value, is_default) == ("n", False)
    assert raw.splitlines()[line - 1] == b"Logs.Verbose=n"
    assert conf.effective("OS.EnableFIPS")[:2] == ("n", False)
    assert conf.effective("Logs.Console") == ("y", True, None)     # commented out → code default
    assert conf.entries["ResourceDisk.MountOptions"].value is None  # "None" means not set


@pytest.mark.parametrize(("name", "auto_update", "latest"), [
    ("waagent_auto_update_disabled.conf", "n", "n"),
    ("waagent_auto_update_enabled.conf", "y", "y"),
    ("waagent_auto_update_disabled_update_to_latest_version_enabled.conf", "n", "y"),
    ("waagent_auto_update_enabled_update_to_latest_version_disabled.conf", "y", "n"),
    ("waagent_update_to_latest_version_disabled.conf", "y", "n"),
])
def test_update_to_latest_version_defaults_to_the_legacy_switch(reference_data, name, auto_update, latest):
    conf, _ = run((reference_data / "WALinuxAgent/tests/data/config" / name).read_bytes())
    assert conf.effective("AutoUpdate.Enabled")[0] == auto_update
    assert conf.effective("AutoUpdate.UpdateToLatestVersion")[0] == latest


def test_team_fixture_values_comments_quotes_and_unparsed_lines():
    conf, ctx = run((FIXTURES / "waagent.conf").read_bytes())
    assert conf.entries["Logs.Verbose"].value == "y"              # inline comment dropped
    assert conf.entries["Provisioning.Agent"].value == "cloud-init"  # quotes stripped
    assert conf.entries["HttpProxy.Port"].value == "3128"
    assert ctx.coverage.unparsed_lines == 1
    assert ctx.coverage.unparsed_samples == [(11, "this line is not a setting")]
    assert ctx.coverage.lines == 11


def test_miscased_key_is_ignored_like_the_agent_does_and_noted():
    conf, ctx = run((FIXTURES / "waagent.conf").read_bytes())
    # the miscased key does not count: the value follows AutoUpdate.Enabled
    assert conf.effective("AutoUpdate.UpdateToLatestVersion") == ("n", True, None)
    assert conf.miscased == [("autoupdate.updatetolatestversion", "AutoUpdate.UpdateToLatestVersion", 4)]
    assert any("case-sensitive" in note for note in ctx.coverage.notes)


def test_values_are_kept_as_written_and_redacted_where_they_leave():
    """The parser keeps proxy credentials and passwords as written; what a report shows of them is
    :func:`redact_setting`'s (the report view applies it to every config value)."""
    conf, _ = run((FIXTURES / "waagent.conf").read_bytes())
    host = conf.entries["HttpProxy.Host"].value
    assert host.endswith("@proxy.corp.example") and "<redacted>" not in host
    assert redact_setting("HttpProxy.Host", host) == "http://<redacted>@proxy.corp.example"
    conf, _ = run(b"Some.Password=hunter2\nOS.RootPassword=abc\n")
    assert conf.entries["Some.Password"].value == "hunter2" and conf.entries["OS.RootPassword"].value == "abc"
    assert {k: redact_setting(k, e.value) for k, e in conf.entries.items()} == \
        {"Some.Password": "<redacted>", "OS.RootPassword": "<redacted>"}


def test_absent_keys_take_the_documented_code_defaults():
    conf, _ = run(b"")
    assert conf.effective("Extensions.Enabled") == ("y", True, None)
    assert conf.effective("OS.EnableFirewall") == ("n", True, None)
    assert conf.effective("Protocol.EndpointDiscovery") == ("dhcp", True, None)
    assert conf.effective("HttpProxy.Host") == (None, True, None)
    assert set(DEFAULTS) >= {"Logs.Verbose", "AutoUpdate.Enabled", "AutoUpdate.UpdateToLatestVersion",
                             "Extensions.Enabled", "HttpProxy.Host", "HttpProxy.Port", "OS.EnableFirewall",
                             "Provisioning.Agent", "Protocol.EndpointDiscovery", "OS.EnableFIPS"}


def test_crlf_nul_and_invalid_utf8_do_not_break_parsing():
    conf, ctx = run(b"Logs.Verbose=y\r\nExtensions.Enabled=\xffn\x00\r\n")
    assert conf.entries["Logs.Verbose"].value == "y" and ctx.coverage.lines == 2
