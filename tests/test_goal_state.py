"""Goal-state documents (GoalState, ExtensionsConfig, vmSettings, …), history naming, hostile XML."""
from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from loganalyzer.kinds import Kind
from loganalyzer.limits import Limits
from loganalyzer.model import CoverageStatus, FileCoverage
from loganalyzer.parsers.base import ParseContext
from loganalyzer.parsers.goal_state import file_incarnation, history_info
from loganalyzer.parsers.registry import PARSERS
from loganalyzer.sources.base import Member

FIXTURES = Path(__file__).parent / "fixtures" / "state"
HOSTILE = ["billion-laughs.xml", "xxe-passwd.xml", "network-dtd.xml", "parameter-entity.xml"]


def run(kind: Kind, data: bytes, path: str = "var/lib/waagent/x.xml", limits: Limits | None = None):
    member = Member(path, kind, lambda: io.BytesIO(data))
    ctx = ParseContext(coverage=FileCoverage(path=path, kind=str(kind)), limits=limits or Limits())
    events = list(PARSERS[kind](member, ctx))
    return events, ctx


def secrets_in(raw: str) -> list[str]:
    """Secret values a file holds: protected settings, SAS signatures, passwords, custom data."""
    found = re.findall(r'protectedSettings(?:"|&quot;)\s*:\s*(?:"|&quot;)([^"&]{8,})', raw)
    found += re.findall(r"sig=([^&\"<\s]{6,})", raw)
    found += re.findall(r"<(?:UserPassword|Password|CustomData)>([^<]+)<", raw)
    return found


def _kind_of(name: str) -> Kind:
    for prefix, kind in (("GoalState", Kind.GOAL_STATE), ("goal_state", Kind.GOAL_STATE),
                         ("ext_conf", Kind.EXTENSIONS_CONFIG), ("ExtensionsConfig", Kind.EXTENSIONS_CONFIG),
                         ("hosting_env", Kind.HOSTING_ENV), ("HostingEnvironmentConfig", Kind.HOSTING_ENV),
                         ("shared_config", Kind.SHARED_CONFIG), ("SharedConfig", Kind.SHARED_CONFIG),
                         ("certs", Kind.CERTIFICATES), ("incorrect-certs", Kind.CERTIFICATES),
                         ("Certificates", Kind.CERTIFICATES), ("manifest", Kind.MANIFEST),
                         ("ga_manifest", Kind.MANIFEST), ("remote_access", Kind.REMOTE_ACCESS)):
        if name.startswith(prefix):
            return kind
    raise KeyError(name)


def real_xml_files(reference_data: Path) -> list[Path]:
    data = reference_data / "WALinuxAgent" / "tests" / "data"
    files = [p for p in sorted((data / "wire").rglob("*.xml")) if p.name != "version_info.xml"]
    files += sorted((data / "hostgaplugin").glob("*.xml"))
    files += sorted((data / "hibernate").rglob("*.xml"))
    files += sorted((data / "tenant_certificate_rotation").glob("*.xml"))
    return files


def test_every_real_goal_state_document_parses_into_one_document(reference_data):
    files = real_xml_files(reference_data)
    assert len(files) > 80
    for path in files:
        raw = path.read_bytes()
        events, ctx = run(_kind_of(path.name), raw, f"var/lib/waagent/{path.name}")
        assert ctx.coverage.status == CoverageStatus.PARSED, (path, ctx.coverage.reason)
        assert len(ctx.documents) == 1, path
        assert ctx.coverage.lines == raw.count(b"\n") + (not raw.endswith(b"\n"))
        shown = repr(ctx.documents) + repr(events)
        for secret in secrets_in(raw.decode()):
            assert secret not in shown, (path, secret)


def test_goal_state_gives_incarnation_container_and_config_links(reference_data):
    raw = (reference_data / "WALinuxAgent/tests/data/wire/goal_state.xml").read_bytes()
    _, ctx = run(Kind.GOAL_STATE, raw, "var/lib/waagent/GoalState.1.xml")
    gs = ctx.documents[0].data
    assert (gs.incarnation, gs.expected_state, gs.container_id) == ("1", "Started",
                                                                    "c6d5526c-5ac2-4200-b6e2-56f2b70c5ab2")
    assert gs.role_instance_id == "b61f93d0-e1ed-40b2-b067-22c243233448.MachineRole_IN_0"
    assert "ExtensionsConfig" in gs.configs and "Certificates" in gs.configs
    assert not gs.placeholder


def test_goal_state_with_remote_access_is_flagged(reference_data):
    raw = (reference_data / "WALinuxAgent/tests/data/wire/goal_state_remote_access.xml").read_bytes()
    _, ctx = run(Kind.GOAL_STATE, raw)
    assert ctx.documents[0].data.has_remote_access


def test_extensions_config_gives_requested_handler_version_state_and_seqno(reference_data):
    raw = (reference_data / "WALinuxAgent/tests/data/wire/ext_conf.xml").read_bytes()
    _, ctx = run(Kind.EXTENSIONS_CONFIG, raw)
    ec = ctx.documents[0].data
    assert ec.incarnation == "9"
    assert [f.name for f in ec.ga_families] == ["Prod", "Test"]
    assert (ec.status_blob_type, ec.has_status_upload_blob, ec.in_svd_seq_no) == ("BlockBlob", True, "10")
    req = ec.extensions[0]
    assert (req.name, req.version, req.state, req.auto_upgrade, req.seq_no) == (
        "OSTCExtensions.ExampleHandlerLinux", "1.0.0", "enabled", False, 0)
    assert req.settings[0].cert_thumbprint == "F6ABAA61098A301EBB8A571C3C7CF77F355F7FA9"
    assert req.settings[0].has_protected_settings and req.settings[0].public_settings == {"foo": "bar"}
    assert "hfRh7gzUE7sUtYwke78IOlZOrTRCYvkec4hGZ9zZzXo" not in repr(ec)


def test_extensions_config_reads_rsm_agent_family_version():
    _, ctx = run(Kind.EXTENSIONS_CONFIG, (FIXTURES / "ExtensionsConfig.12.xml").read_bytes())
    fam = ctx.documents[0].data.ga_families[0]
    assert (fam.version, fam.is_version_from_rsm, fam.is_vm_enabled_for_rsm_upgrades) == (
        "2.10.0.8", True, True)


def test_backup_request_keeps_task_id_and_public_settings_and_never_reads_protected_ones():
    """Protected settings and the status upload blob are never read (a flag says they are there);
    public settings are kept as written — the SAS URLs in them are redacted where text leaves
    the tool, not here (tests/test_redaction_boundary.py)."""
    from loganalyzer.report.redaction import scrub
    raw = (FIXTURES / "ExtensionsConfig.12.xml").read_text()
    _, ctx = run(Kind.EXTENSIONS_CONFIG, raw.encode())
    req = ctx.documents[0].data.extensions[0]
    public = req.settings[0].public_settings
    assert public["taskId"] == "6a1b2c3d-0000-4000-8000-000000000001"
    assert public["commandToExecute"] == "snapshot"
    assert req.settings[0].has_protected_settings
    for never_read in ("MIIBPROTECTEDSECRETBLOB", "SECRETSIGNATUREVALUE"):
        assert never_read not in repr(ctx.documents)
    assert "STATUSBLOBSIGSECRET" in repr(public) and "LOGSBLOBSIGSECRET" in repr(public)
    shown = repr(scrub(ctx.documents[0].data))
    assert "STATUSBLOBSIGSECRET" not in shown and "LOGSBLOBSIGSECRET" not in shown


def test_multi_config_plugin_lists_its_extension_instances(reference_data):
    wire = reference_data / "WALinuxAgent/tests/data/wire"
    raw = (wire / "multi-config/ext_conf_with_multi_config.xml").read_bytes()
    _, ctx = run(Kind.EXTENSIONS_CONFIG, raw)
    multi = [r for r in ctx.documents[0].data.extensions if r.is_multi_config]
    assert multi and "firstRunCommand" in multi[0].extension_names


@pytest.mark.parametrize("name", [
    "ext_conf_multiple_depends_on_for_single_handler.xml",
    "ext_conf_multiple_runtime_settings_same_plugin.xml",
    "ext_conf_multiple_settings_for_same_handler.xml", "ext_conf_plugin_settings_version_mismatch.xml",
    "ext_conf_single_and_multi_config_settings_same_plugin.xml"])
def test_invalid_extensions_configs_are_reported_as_problems(reference_data, name):
    raw = (reference_data / "WALinuxAgent/tests/data/wire/invalid_config" / name).read_bytes()
    _, ctx = run(Kind.EXTENSIONS_CONFIG, raw)
    assert ctx.documents[0].data.problems
    assert ctx.coverage.notes == ctx.documents[0].data.problems


def test_placeholder_goal_state_is_documented_not_an_error():
    events, ctx = run(Kind.GOAL_STATE, (FIXTURES / "GoalState.1.xml").read_bytes(),
                      "var/lib/waagent/GoalState.1.xml")
    assert events == []
    assert ctx.coverage.status == CoverageStatus.PARSED
    assert ctx.documents[0].data.placeholder and ctx.documents[0].data.incarnation is None


def test_hosting_env_shared_config_certificates_manifest_and_remote_access(reference_data):
    wire = reference_data / "WALinuxAgent/tests/data/wire"
    _, ctx = run(Kind.HOSTING_ENV, (wire / "hosting_env.xml").read_bytes())
    he = ctx.documents[0].data
    assert (he.deployment_name, he.role_name, he.instance) == ("db00a7755a5e4e8a8fe4b19bc3b330c3",
                                                               "MachineRole", "MachineRole_IN_0")
    assert "DNZQ" not in repr(he)
    _, ctx = run(Kind.SHARED_CONFIG, (wire / "shared_config.xml").read_bytes())
    assert ctx.documents[0].data.instances == [("MachineRole_IN_0", "10.115.153.75")]
    _, ctx = run(Kind.CERTIFICATES, (wire / "certs.xml").read_bytes())
    certs = ctx.documents[0].data
    assert certs.format == "Pkcs7BlobWithPfxContents" and certs.data_chars > 1000
    assert "MIIOgwYJ" not in repr(certs)
    _, ctx = run(Kind.MANIFEST, (wire / "ga_manifest.xml").read_bytes(),
                 "var/lib/waagent/history/2024-01-01T00-00-00__3/waagent.Prod.manifest.xml")
    man = ctx.documents[0].data
    assert man.is_agent and "1.0.0" in man.versions
    _, ctx = run(Kind.REMOTE_ACCESS, (wire / "remote_access_single_account.xml").read_bytes())
    ra = ctx.documents[0].data
    assert ra.users == [("testAccount", "2019-01-01")]
    assert "encryptedPasswordString" not in repr(ra)


def test_certificates_json_summary_lists_thumbprints(reference_data):
    raw = (reference_data / "WALinuxAgent/tests/data/hibernate/goal_state_1/Certificates.json").read_bytes()
    _, ctx = run(Kind.CERTIFICATES, raw, "var/lib/waagent/history/2024-06-20T23-38-29__1/Certificates.json")
    certs = ctx.documents[0].data
    assert certs.thumbprints == [("DC45A99039D4F9CFB0CD84D566BA065A763F3762", False),
                                 ("1AF52E2E892C3A0DBC589F301F80073CBA924E26", True)]
    assert certs.incarnation == "1"


@pytest.mark.parametrize(("path", "incarnation", "etag", "stamp"), [
    ("var/lib/waagent/history/2018-04-06T08:21:37.142697_incarnation_7/GoalState.7.xml", "7", None,
     "2018-04-06T08:21:37.142697+00:00"),
    ("var/lib/waagent/history/2018-04-06T08:21:37.142697_incarnation_7.zip/GoalState.7.xml", "7", None,
     "2018-04-06T08:21:37.142697+00:00"),
    ("var/lib/waagent/history/2018-04-06T08:21:37.142697/GoalState.7.xml", None, None,
     "2018-04-06T08:21:37.142697+00:00"),
    ("var/lib/waagent/history/2024-05-01T10-00-00__3/GoalState.xml", "3", None, "2024-05-01T10:00:00+00:00"),
    ("var/lib/waagent/history/2024-05-01T10-00-00__3-5410594052969431317.zip/VmSettings.json", "3",
     "5410594052969431317", "2024-05-01T10:00:00+00:00"),
    ("var/lib/waagent/history/2024-05-01T10-00-00__status/waagent_status.json", None, None,
     "2024-05-01T10:00:00+00:00"),
])
def test_history_folder_names_of_both_eras_give_incarnation_and_time(path, incarnation, etag, stamp):
    info = history_info(path)
    assert (info.incarnation, info.etag, info.timestamp.isoformat()) == (incarnation, etag, stamp)


def test_paths_outside_history_have_no_history_info_but_legacy_names_carry_incarnation():
    assert history_info("var/lib/waagent/GoalState.12.xml") is None
    assert file_incarnation("var/lib/waagent/GoalState.12.xml") == "12"
    assert file_incarnation("var/lib/waagent/Prod.12.agentsManifest") == "12"


def test_history_goal_states_become_timeline_events(reference_data):
    gs = reference_data / "WALinuxAgent/tests/data/hibernate/goal_state_2"
    folder = "var/lib/waagent/history/2024-06-21T08-00-00__1.zip"   # hibernation keeps incarnation 1
    events, _ = run(Kind.GOAL_STATE, (gs / "GoalState.xml").read_bytes(), f"{folder}/GoalState.xml")
    assert [(e.level, e.fields["incarnation"], e.timestamp.isoformat()) for e in events] == [
        ("INFO", "1", "2024-06-21T08:00:00+00:00")]
    events, _ = run(Kind.EXTENSIONS_CONFIG, (gs / "ExtensionsConfig.xml").read_bytes(),
                    f"{folder}/ExtensionsConfig.xml")
    assert events and all(e.extension and "requested_state" in e.fields for e in events)
    assert all(e.line_start >= 1 for e in events)


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_xml_is_refused_with_a_reason_and_no_entity_content(name):
    for kind in (Kind.GOAL_STATE, Kind.EXTENSIONS_CONFIG, Kind.OVF_ENV):
        events, ctx = run(kind, (FIXTURES / name).read_bytes())
        assert ctx.coverage.status == CoverageStatus.UNREADABLE
        assert ctx.coverage.reason.startswith("refused: ")
        assert events == [] and ctx.documents == []
        shown = repr(ctx.coverage) + repr(ctx.documents)
        assert "root:" not in shown and "lollol" not in shown


def test_entity_declarations_are_named_in_the_refusal():
    _, ctx = run(Kind.GOAL_STATE, (FIXTURES / "billion-laughs.xml").read_bytes())
    assert "entities" in ctx.coverage.reason


def test_truncated_xml_is_unreadable_with_the_parser_message():
    _, ctx = run(Kind.GOAL_STATE, (FIXTURES / "truncated-goal-state.xml").read_bytes())
    assert ctx.coverage.status == CoverageStatus.UNREADABLE
    assert ctx.coverage.reason.startswith("not well-formed XML")


def test_xml_over_the_size_limit_is_not_parsed(reference_data):
    raw = (reference_data / "WALinuxAgent/tests/data/wire/goal_state.xml").read_bytes()
    _, ctx = run(Kind.GOAL_STATE, raw, limits=Limits(max_xml_bytes=200))
    assert ctx.coverage.status == CoverageStatus.SKIPPED and "limit" in ctx.coverage.reason
    assert ctx.documents == []


def test_wrong_root_element_is_partial_not_an_exception():
    _, ctx = run(Kind.GOAL_STATE, b"<Extensions/>")
    assert ctx.coverage.status == CoverageStatus.PARTIAL and "GoalState" in ctx.coverage.reason


# ----------------------------------------------------------------------------- vmSettings


def test_every_real_vm_settings_file_parses_except_the_broken_one(reference_data):
    data = reference_data / "WALinuxAgent/tests/data"
    files = sorted((data / "hostgaplugin").glob("vm_settings*.json"))
    files += sorted(data.glob("hibernate/*/VmSettings.json"))
    files += sorted((data / "tenant_certificate_rotation").glob("VmSettings-*.json"))
    assert len(files) >= 20
    for path in files:
        raw = path.read_bytes()
        _, ctx = run(Kind.VM_SETTINGS, raw, f"var/lib/waagent/{path.name}")
        if path.name == "vm_settings-parse_error.json":
            assert ctx.coverage.status == CoverageStatus.UNREADABLE and "invalid JSON" in ctx.coverage.reason
            continue
        assert ctx.coverage.status == CoverageStatus.PARSED, (path, ctx.coverage.reason)
        shown = repr(ctx.documents)
        for secret in secrets_in(raw.decode()):
            assert secret not in shown, (path, secret)


def test_vm_settings_gives_source_extensions_dependencies_and_etag(reference_data):
    raw = (reference_data / "WALinuxAgent/tests/data/hostgaplugin/vm_settings.json").read_bytes()
    events, ctx = run(Kind.VM_SETTINGS, raw,
                      "var/lib/waagent/history/2024-05-01T10-00-00__3-5410594052969431317/VmSettings.json")
    vs = ctx.documents[0].data
    assert (vs.source, vs.host_ga_plugin_version, vs.etag, vs.on_hold) == ("FastTrack", "1.0.8.133",
                                                                          "5410594052969431317", True)
    by_name = {r.name: r for r in vs.extensions}
    cse = by_name["Microsoft.Azure.Extensions.CustomScript"]
    assert cse.depends_on == ["Microsoft.Azure.Security.Monitoring.AzureSecurityLinuxAgent"]
    assert cse.settings[0].public_settings == {
        "commandToExecute": "echo 'cee174d4-4daa-4b07-9958-53b9649445c2'"}
    run_command = by_name["Microsoft.CPlat.Core.RunCommandHandlerLinux"]
    assert run_command.extension_names == ["MCExt1", "MCExt2", "MCExt3"]
    assert "KNWgC2" not in repr(vs)
    assert len(events) == len(vs.extensions) and events[0].fields["etag"] == "5410594052969431317"


def test_vm_settings_etag_from_tenant_rotation_file_name(reference_data):
    raw = (reference_data / "WALinuxAgent/tests/data/tenant_certificate_rotation/"
           "VmSettings-etag-10016425637754081485.json").read_bytes()
    _, ctx = run(Kind.VM_SETTINGS, raw, "var/lib/waagent/VmSettings-etag-10016425637754081485.json")
    assert ctx.documents[0].data.etag == "10016425637754081485"


def test_vm_settings_that_is_not_an_object_is_partial():
    _, ctx = run(Kind.VM_SETTINGS, b"[1, 2]")
    assert ctx.coverage.status == CoverageStatus.PARTIAL and ctx.documents == []


def test_hostile_xml_in_utf16_with_or_without_bom_is_refused_too():
    raw = (FIXTURES / "billion-laughs.xml").read_text().replace('<?xml version="1.0"?>',
                                                                 '<?xml version="1.0" encoding="UTF-16"?>')
    for data in (raw.encode("utf-16"), raw.encode("utf-16-le")):
        _, ctx = run(Kind.GOAL_STATE, data)
        assert ctx.coverage.status == CoverageStatus.UNREADABLE and ctx.coverage.reason.startswith("refused")


def test_xinclude_is_never_processed():
    doc = (b'<GoalState xmlns:xi="http://www.w3.org/2001/XInclude"><Incarnation>'
           b'<xi:include href="file:///etc/passwd" parse="text"/></Incarnation></GoalState>')
    _, ctx = run(Kind.GOAL_STATE, doc)
    assert ctx.documents[0].data.incarnation is None and "root:" not in repr(ctx.documents)


def test_xml_nested_100000_levels_is_unreadable_not_a_crash():
    _, ctx = run(Kind.GOAL_STATE, b"<a>" * 100_000 + b"</a>" * 100_000)
    assert ctx.coverage.status == CoverageStatus.UNREADABLE and ctx.documents == []
