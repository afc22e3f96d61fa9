"""The committed samples open as the bundle types they claim, and match what build_samples.py writes."""
from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

from loganalyzer.kinds import Kind
from loganalyzer.sources import BundleType, open_source

VMS_LOG = "var/log/azure/Microsoft.Azure.RecoveryServices.VMSnapshotLinux/extension.log"


def builder(samples_dir: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location("build_samples", samples_dir / "build_samples.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_committed_archives_are_exactly_what_the_builder_writes(samples_dir: Path) -> None:
    for name, data in builder(samples_dir).archives().items():
        assert (samples_dir / name).read_bytes() == data, f"{name} is stale: run sample_logs/build_samples.py"
        assert len(data) < 200_000


def test_committed_folder_is_exactly_what_the_builder_writes(samples_dir: Path) -> None:
    module = builder(samples_dir)
    for name, data in module.folder_dhcp_failure().items():
        assert (samples_dir / module.FOLDER / name).read_bytes() == data


@pytest.mark.parametrize(("sample", "bundle_type", "expected"), [
    ("collect-logs-backup-failure.zip", BundleType.COLLECT_LOGS, {
        "results.txt": Kind.COLLECTOR_RESULTS, "var/log/waagent.log": Kind.WAAGENT_LOG,
        "var/log/waagent.log-2024-05-12-1715472000.gz": Kind.WAAGENT_LOG, "var/log/syslog": Kind.SYSLOG,
        VMS_LOG: Kind.VMSNAPSHOT_LOG, "var/lib/waagent/waagent_status.json": Kind.STATUS_BLOB,
        "var/lib/waagent/history/2024-05-14T21-00-04__6.zip/ExtensionsConfig.xml": Kind.EXTENSIONS_CONFIG,
        "etc/waagent.conf": Kind.WAAGENT_CONF}),
    ("adhoc-healthy.tar.gz", BundleType.ADHOC, {
        "vm-web02-logs/var/log/waagent.log": Kind.WAAGENT_LOG,
        f"vm-web02-logs/{VMS_LOG}": Kind.VMSNAPSHOT_LOG}),
    ("sosreport-agent-outdated.tar.xz", BundleType.SOSREPORT, {
        "sosreport-vm-erp-db01-2024-06-03-xkqzfpa/var/log/waagent.log": Kind.WAAGENT_LOG,
        "sosreport-vm-erp-db01-2024-06-03-xkqzfpa/etc/waagent.conf": Kind.WAAGENT_CONF}),
    ("adhoc-extension-stuck.tar.gz", BundleType.ADHOC, {
        "vm-app07/var/log/waagent.log": Kind.WAAGENT_LOG,
        "vm-app07/var/lib/waagent/Microsoft.Azure.Extensions.CustomScript-2.1.10/status/4.status":
            Kind.HANDLER_STATUS}),
    ("folder-dhcp-failure", BundleType.ADHOC, {
        "var/log/waagent.log": Kind.WAAGENT_LOG, "etc/waagent.conf": Kind.WAAGENT_CONF}),
])
def test_samples_open_as_their_bundle_type(samples_dir: Path, sample: str, bundle_type: BundleType,
                                           expected: dict[str, Kind]) -> None:
    source = open_source(samples_dir / sample)
    kinds = {member.path: member.kind for member in source.members()}
    assert {path: kinds.get(path) for path in expected} == expected
    assert source.info.bundle_type is bundle_type
    assert [e for e in source.entries if e.status != "parsed"] == []


def test_samples_carry_fake_secrets_for_redaction(samples_dir: Path) -> None:
    source = open_source(samples_dir / "collect-logs-backup-failure.zip")
    text = b"".join(m.open().read() for m in source.members() if m.kind is not Kind.BINARY)
    assert b"sig=FAKE" in text
    assert b'"protectedSettings": "MII' in text
