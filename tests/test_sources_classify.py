"""classify(path): table of real paths from waagent bundles, sosreports, disk inspections, loose files."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from loganalyzer.kinds import Kind
from loganalyzer.sources.classify import classify, strip_compression, untruncate

VMS = "Microsoft.Azure.RecoveryServices.VMSnapshotLinux"
CSE = "Microsoft.Azure.Extensions.CustomScript"
OMS = "Microsoft.EnterpriseCloud.Monitoring.OmsAgentForLinux"

TABLE: list[tuple[str, Kind, str | None, str | None]] = [
    # waagent.log and its rotations (upstream logrotate before/after 2.2.46, distro delaycompress)
    ("var/log/waagent.log", Kind.WAAGENT_LOG, None, None),
    ("var/log/waagent.log.1", Kind.WAAGENT_LOG, None, None),
    ("var/log/waagent.log.2.gz", Kind.WAAGENT_LOG, None, None),
    ("var/log/waagent.log-2023-05-01-1682899200.gz", Kind.WAAGENT_LOG, None, None),
    ("var/log/waagent.log-20240501", Kind.WAAGENT_LOG, None, None),
    ("sosreport-vm1-2024-05-01-abcdefg/var/log/waagent.log", Kind.WAAGENT_LOG, None, None),
    ("device_0/var/log/waagent.log", Kind.WAAGENT_LOG, None, None),
    ("waagent.log", Kind.WAAGENT_LOG, None, None),
    ("case-1234/waagent.log.1", Kind.WAAGENT_LOG, None, None),
    ("etc/logrotate.d/waagent.logrotate", Kind.OTHER_TEXT, None, None),
    # syslog family
    ("var/log/syslog", Kind.SYSLOG, None, None),
    ("var/log/syslog.1", Kind.SYSLOG, None, None),
    ("var/log/syslog.3.gz", Kind.SYSLOG, None, None),
    ("var/log/messages", Kind.SYSLOG, None, None),
    ("var/log/messages-20240428", Kind.SYSLOG, None, None),
    ("var/log/kern.log", Kind.SYSLOG, None, None),
    ("syslog", Kind.SYSLOG, None, None),
    ("messages", Kind.SYSLOG, None, None),
    ("sosreport-h/sos_commands/logs/journalctl_--no-pager", Kind.SYSLOG, None, None),
    ("journal.txt", Kind.SYSLOG, None, None),
    ("truncated__var_log_syslog.1", Kind.SYSLOG, None, None),
    ("etc/syslog-ng/syslog-ng.conf", Kind.OTHER_TEXT, None, None),
    # serial console
    ("serialconsole.log", Kind.SERIAL_CONSOLE, None, None),
    ("serial-console-output.txt", Kind.SERIAL_CONSOLE, None, None),
    ("bootdiagnostics.serialconsole.log", Kind.SERIAL_CONSOLE, None, None),
    # extension logs (2.2.32+ layout and the 2.0-2.2.31 <Name>/<Version>/ layout)
    (f"var/log/azure/{VMS}/extension.log", Kind.VMSNAPSHOT_LOG, VMS, None),
    (f"var/log/azure/{VMS}/extension.log.1", Kind.VMSNAPSHOT_LOG, VMS, None),
    (f"var/log/azure/{VMS}/shell.log", Kind.VMSNAPSHOT_SHELL_LOG, VMS, None),
    (f"var/log/azure/{VMS}/CommandExecution.log", Kind.COMMAND_EXECUTION_LOG, VMS, None),
    (f"var/log/azure/{VMS}/1.0.9188.0/extension.log", Kind.VMSNAPSHOT_LOG, VMS, "1.0.9188.0"),
    (f"{VMS}/extension.log", Kind.VMSNAPSHOT_LOG, VMS, None),
    (f"sosreport-h/var/log/azure/{VMS}/shell.log", Kind.VMSNAPSHOT_SHELL_LOG, VMS, None),
    (f"var/log/azure/{OMS}/1.6.42.0/extension.log", Kind.EXTENSION_LOG, OMS, "1.6.42.0"),
    (f"var/log/azure/{OMS}/extension.log", Kind.EXTENSION_LOG, OMS, None),
    ("var/log/azure/Microsoft.Azure.Monitor.AzureMonitorLinuxAgent/CommandExecution_AMA.log",
     Kind.COMMAND_EXECUTION_LOG, "Microsoft.Azure.Monitor.AzureMonitorLinuxAgent", None),
    ("var/log/azure/Microsoft.Azure.Monitor.AzureMonitorLinuxAgent/events/1696000000000.json",
     Kind.EXTENSION_EVENTS, "Microsoft.Azure.Monitor.AzureMonitorLinuxAgent", None),
    ("var/log/azure/Microsoft.Azure.Monitor.AzureMonitorLinuxAgent/telegraf.log",
     Kind.EXTENSION_LOG, "Microsoft.Azure.Monitor.AzureMonitorLinuxAgent", None),
    ("var/log/azure/Microsoft.OSTCExtensions.VMAccessForLinux/shell.log",
     Kind.EXTENSION_LOG, "Microsoft.OSTCExtensions.VMAccessForLinux", None),
    ("var/log/azure/custom-script/handler.log", Kind.HANDLER_LOGFMT, CSE, None),
    ("var/log/azure/run-command/handler.log", Kind.HANDLER_LOGFMT,
     "Microsoft.CPlat.Core.RunCommandLinux", None),
    ("var/log/azure/run-command-handler/handler.log", Kind.HANDLER_LOGFMT,
     "Microsoft.CPlat.Core.RunCommandHandlerLinux", None),
    ("handler.log", Kind.HANDLER_LOGFMT, None, None),
    ("extension.log", Kind.EXTENSION_LOG, None, None),
    ("shell.log", Kind.VMSNAPSHOT_SHELL_LOG, None, None),
    ("CommandExecution.log", Kind.COMMAND_EXECUTION_LOG, None, None),
    # collect-logs specifics
    ("results.txt", Kind.COLLECTOR_RESULTS, None, None),
    ("var/lib/waagent/logcollector/results.txt", Kind.COLLECTOR_RESULTS, None, None),
    ("some/deep/folder/results.txt", Kind.OTHER_TEXT, None, None),
    (f"truncated__var_log_azure_{VMS}_extension.log", Kind.VMSNAPSHOT_LOG, VMS, None),
    # /var/lib/waagent state
    ("var/lib/waagent/GoalState.1.xml", Kind.GOAL_STATE, None, None),
    ("GoalState.1.xml", Kind.GOAL_STATE, None, None),
    ("var/lib/waagent/ExtensionsConfig.3.xml", Kind.EXTENSIONS_CONFIG, None, None),
    ("ExtensionsConfig.3.xml", Kind.EXTENSIONS_CONFIG, None, None),
    ("var/lib/waagent/HostingEnvironmentConfig.xml", Kind.HOSTING_ENV, None, None),
    ("var/lib/waagent/SharedConfig.xml", Kind.SHARED_CONFIG, None, None),
    ("var/lib/waagent/Certificates.xml", Kind.CERTIFICATES, None, None),
    ("var/lib/waagent/history/2024-05-01T10-00-00__3/Certificates.json", Kind.CERTIFICATES, None, None),
    (f"var/lib/waagent/{VMS}.3.manifest.xml", Kind.MANIFEST, None, None),
    ("var/lib/waagent/history/2024-05-01T10-00-00__3/waagent.Prod.manifest.xml", Kind.MANIFEST, None, None),
    ("var/lib/waagent/Prod.1.agentsManifest", Kind.MANIFEST, None, None),
    ("var/lib/waagent/history/2024-05-01T10-00-00__3/VmSettings.json", Kind.VM_SETTINGS, None, None),
    ("var/lib/waagent/RemoteAccess.2.xml", Kind.REMOTE_ACCESS, None, None),
    ("var/lib/waagent/history/2024-05-01T10-00-00__3.zip", Kind.HISTORY_ARCHIVE, None, None),
    ("var/lib/waagent/history/2018-04-06T08:21:37.142697_incarnation_2.zip",
     Kind.HISTORY_ARCHIVE, None, None),
    ("var/lib/waagent/history/2024-05-01T10-00-00__3.zip/GoalState.xml", Kind.GOAL_STATE, None, None),
    ("var/lib/waagent/history/2024-05-01T10-00-00__3/waagent_status.json", Kind.STATUS_BLOB, None, None),
    ("var/lib/waagent/waagent_status.json", Kind.STATUS_BLOB, None, None),
    ("var/lib/waagent/waagent_status.5.json", Kind.STATUS_BLOB, None, None),
    ("waagent_status.json", Kind.STATUS_BLOB, None, None),
    (f"var/lib/waagent/{VMS}-1.0.9188.0/status/12.status", Kind.HANDLER_STATUS, VMS, "1.0.9188.0"),
    ("12.status", Kind.HANDLER_STATUS, None, None),
    (f"var/lib/waagent/{VMS}-1.0.9188.0/config/HandlerState", Kind.HANDLER_STATE, VMS, "1.0.9188.0"),
    ("HandlerState", Kind.HANDLER_STATE, None, None),
    ("var/lib/waagent/Microsoft.CPlat.Core.RunCommandHandlerLinux-1.3.2/config/MCExt1.HandlerState",
     Kind.HANDLER_STATE, "Microsoft.CPlat.Core.RunCommandHandlerLinux", "1.3.2"),
    (f"var/lib/waagent/{VMS}-1.0.9188.0/config/HandlerStatus", Kind.HANDLER_STATUS_FILE, VMS, "1.0.9188.0"),
    (f"var/lib/waagent/{VMS}-1.0.9188.0/config/12.settings", Kind.HANDLER_SETTINGS, VMS, "1.0.9188.0"),
    (f"var/lib/waagent/{CSE}-2.1.10/HandlerManifest.json", Kind.HANDLER_MANIFEST, CSE, "2.1.10"),
    (f"var/lib/waagent/{CSE}-2.1.10/HandlerEnvironment.json", Kind.HANDLER_ENVIRONMENT, CSE, "2.1.10"),
    (f"var/lib/waagent/{CSE}-2.1.10/heartbeat.log", Kind.HEARTBEAT, CSE, "2.1.10"),
    (f"var/lib/waagent/{CSE}-2.1.10/mrseq", Kind.MRSEQ, CSE, "2.1.10"),
    ("var/lib/waagent/WALinuxAgent-2.9.1.1/error.json", Kind.AGENT_ERROR, None, None),
    ("var/lib/waagent/error.json", Kind.AGENT_ERROR, None, None),
    ("var/lib/waagent/WALinuxAgent-2.9.1.1/HandlerManifest.json", Kind.HANDLER_MANIFEST, None, None),
    ("var/lib/waagent/Incarnation", Kind.INCARNATION, None, None),
    ("var/lib/waagent/WireServerEndpoint", Kind.WIRESERVER_ENDPOINT, None, None),
    ("var/lib/waagent/provisioned", Kind.PROVISIONED, None, None),
    ("var/lib/waagent/ovf-env.xml", Kind.OVF_ENV, None, None),
    ("etc/waagent.conf", Kind.WAAGENT_CONF, None, None),
    ("waagent.conf", Kind.WAAGENT_CONF, None, None),
    ("var/lib/dhcp/dhclient.eth0.leases", Kind.DHCP_LEASE, None, None),
    ("var/lib/dhclient/dhclient-eth0.leases", Kind.DHCP_LEASE, None, None),
    ("var/lib/wicked/lease-eth0-dhcp-ipv4.xml", Kind.DHCP_LEASE, None, None),
    # never read: keys, certificates, programs, packages
    ("var/lib/waagent/TransportPrivate.pem", Kind.BINARY, None, None),
    ("var/lib/waagent/Certificates.p7m", Kind.BINARY, None, None),
    ("var/lib/waagent/Certificates.pfx", Kind.BINARY, None, None),
    ("var/lib/waagent/0DE4A8A2B6D8C9A4F1B2C3D4E5F60718293A4B5C.prv", Kind.BINARY, None, None),
    ("var/lib/waagent/0DE4A8A2B6D8C9A4F1B2C3D4E5F60718293A4B5C.crt", Kind.BINARY, None, None),
    (f"var/lib/waagent/{VMS}-1.0.9188.0/main/freezesnapshotter.py", Kind.BINARY, VMS, "1.0.9188.0"),
    (f"var/lib/waagent/{VMS}-1.0.9188.0/safefreeze/bin/safefreeze", Kind.BINARY, VMS, "1.0.9188.0"),
    (f"var/lib/waagent/{VMS}-1.0.9188.0/manifest.xml", Kind.BINARY, VMS, "1.0.9188.0"),
    ("var/lib/waagent/WALinuxAgent-2.9.1.1/bin/WALinuxAgent-2.9.1.1-py3.8.egg", Kind.BINARY, None, None),
    (f"var/lib/waagent/{CSE}__2.1.10.zip", Kind.BINARY, None, None),
    ("var/lib/waagent/WALinuxAgent-2.9.1.1.zip", Kind.BINARY, None, None),
    ("usr/lib/python3/dist-packages/azurelinuxagent/__init__.pyc", Kind.BINARY, None, None),
    ("screenshot.png", Kind.BINARY, None, None),
    # unknown names are sniffed later
    ("sosreport-h/sos_commands/azure/instance_metadata.json", Kind.OTHER_DOCUMENT, None, None),
    ("notes.txt", Kind.OTHER_TEXT, None, None),
    ("df.txt", Kind.OTHER_TEXT, None, None),
    ("var/log/cloud-init.log", Kind.OTHER_TEXT, None, None),
    ("myhost.contoso.com/waagent.log", Kind.WAAGENT_LOG, None, None),
]


@pytest.mark.parametrize(("path", "kind", "extension", "version"), TABLE, ids=[row[0] for row in TABLE])
def test_classify_real_paths(path: str, kind: Kind, extension: str | None, version: str | None) -> None:
    assert classify(path) == (kind, extension, version)


@pytest.mark.parametrize("top", ["", "sosreport-vm1-2024-05-01-xyz/", "ticket 4711/", "a/b/c/"])
def test_a_leading_top_folder_does_not_change_the_kind(top: str) -> None:
    assert classify(f"{top}var/log/azure/{VMS}/extension.log") == (Kind.VMSNAPSHOT_LOG, VMS, None)


def test_windows_separators_are_understood() -> None:
    assert classify("logs\\var\\log\\waagent.log")[0] is Kind.WAAGENT_LOG


@pytest.mark.parametrize(("name", "path"), [
    ("truncated__var_log_syslog.1", "var/log/syslog.1"),
    ("truncated__var_log_messages", "var/log/messages"),
    ("truncated__var_log_waagent.log", "var/log/waagent.log"),
    (f"truncated__var_log_azure_{VMS}_extension.log", f"var/log/azure/{VMS}/extension.log"),
    (f"truncated__var_log_azure_{OMS}_1.6.42.0_extension.log", f"var/log/azure/{OMS}/1.6.42.0/extension.log"),
    (f"truncated__var_lib_waagent_{VMS}-1.0.9188.0_status_12.status",
     f"var/lib/waagent/{VMS}-1.0.9188.0/status/12.status"),
    ("truncated_var_log_kern.log", "var/log/kern.log"),
])
def test_truncated_collector_names_map_back_to_their_path(name: str, path: str) -> None:
    assert untruncate(name) == path


def test_compression_suffix_is_ignored_for_the_kind() -> None:
    assert strip_compression("waagent.log.3.bz2") == "waagent.log.3"
    assert classify("var/log/waagent.log.3.xz")[0] is Kind.WAAGENT_LOG


@given(st.text(max_size=200))
def test_classify_never_raises(path: str) -> None:
    kind, _, _ = classify(path)
    assert isinstance(kind, Kind)
