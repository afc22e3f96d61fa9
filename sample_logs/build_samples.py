# ruff: noqa: E501 - this file is mostly log lines written as data; wrapping them would hide their shape
"""Build the team's sample bundles in ``sample_logs/`` (deterministic: same bytes on every run).

    python sample_logs/build_samples.py

Every line is written here in the exact formats of the agent generations it
imitates (see ``../shared/reference/formats.md``); nothing is copied from real
machines.  Secrets are fake on purpose (``sig=FAKE…``, a made-up
``protectedSettings`` blob) so that redaction is exercised.
"""
from __future__ import annotations

import base64
import gzip
import io
import json
import lzma
import os
import random
import tarfile
import zipfile
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from xml.sax.saxutils import escape

HERE = Path(__file__).resolve().parent
UTC = timezone.utc
VMS = "Microsoft.Azure.RecoveryServices.VMSnapshotLinux"
VMS_PREFIX = f"[{VMS}-1.0]"
WIRE = "168.63.129.16"


# -- writing logs --------------------------------------------------------------------------------
class Log:
    """Lines of one log file with a clock that only moves forward (deterministic microseconds)."""

    def __init__(self, start: datetime, seed: int) -> None:
        self.now = start
        self.rng = random.Random(seed)
        self.lines: list[str] = []

    def wait(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds, microseconds=self.rng.randint(900, 60_000))

    def at(self, moment: datetime) -> None:
        assert moment >= self.now, (moment, self.now)
        self.now = moment.replace(microsecond=self.rng.randint(1_000, 999_000))

    def new(self, level: str, thread: str, prefix: str, message: str, gap: float = 0.002) -> None:
        """Agent 2.2.47+ record: ``{utc}Z LEVEL thread prefix message``."""
        self.wait(gap)
        self.lines.append(f"{self.now:%Y-%m-%dT%H:%M:%S.%f}Z {level} {thread} {prefix} {message}")

    def gs(self, level: str, thread: str, message: str, gap: float = 0.002) -> None:
        """Agent 2.8+ goal-state record, logged without a prefix: ``{utc}Z LEVEL thread message``."""
        self.wait(gap)
        self.lines.append(f"{self.now:%Y-%m-%dT%H:%M:%S.%f}Z {level} {thread} {message}")

    def old(self, level: str, prefix: str, message: str, gap: float = 0.002) -> None:
        """Agent 2.2.31-2.2.45 record: local ``YYYY/MM/DD HH:MM:SS.ffffff LEVEL prefix message``."""
        self.wait(gap)
        self.lines.append(f"{self.now:%Y/%m/%d %H:%M:%S.%f} {level} {prefix} {message}")

    def ext(self, message: str, gap: float = 0.002) -> None:
        """VMSnapshot extension.log (Python 3): ``{utc} [Name-1.0]message``, no space after ``]``."""
        self.wait(gap)
        self.lines.append(f"{self.now:%Y-%m-%d %H:%M:%S.%f} {VMS_PREFIX}{message}")

    def shell(self, message: str, gap: float = 0.01) -> None:
        """VMSnapshot shell.log: output of ``date -u`` in the C locale, then ``- message``."""
        self.wait(gap)
        day = f"{self.now.day:2d}"
        self.lines.append(f"{self.now:%a %b} {day} {self.now:%H:%M:%S} UTC {self.now:%Y}- {message}")

    def raw(self, text: str) -> None:
        self.lines.extend(text.split("\n"))

    def text(self) -> bytes:
        return ("\n".join(self.lines) + "\n").encode()


def guid(rng: random.Random) -> str:
    h = f"{rng.getrandbits(128):032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def fake_sas(rng: random.Random, expiry: str) -> str:
    sig = "FAKE" + base64.b64encode(rng.randbytes(24)).decode().replace("+", "A").replace("/", "B")
    return f"sv=2018-03-28&sr=b&sk=system-1&sig={sig.rstrip('=')}%3d&se={expiry}&sp=rw"


def fake_protected_settings(rng: random.Random) -> str:
    return "MIIBsAYJKoZIhvcNAQcDoIIBoTCCAZ0CAQAxggFpMIIBZQIBADBNMDkxNzA1BgoJkiaJk/IsZAEZFidXaW5kb3dzIEF6dXJlIENS" \
           + base64.b64encode(rng.randbytes(180)).decode()


# -- goal-state documents ----------------------------------------------------------------------------
def goal_state_xml(incarnation: int, container: str, instance: str) -> bytes:
    base = f"http://{WIRE}:80/machine/{container}/{instance}"
    return f"""<?xml version="1.0" encoding="utf-8"?>
<GoalState xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:noNamespaceSchemaLocation="goalstate10.xsd">
  <Version>2010-12-15</Version>
  <Incarnation>{incarnation}</Incarnation>
  <Machine>
    <ExpectedState>Started</ExpectedState>
    <StopRolesDeadlineHint>300000</StopRolesDeadlineHint>
  </Machine>
  <Container>
    <ContainerId>{container}</ContainerId>
    <RoleInstanceList>
      <RoleInstance>
        <InstanceId>{instance}</InstanceId>
        <State>Started</State>
        <Configuration>
          <HostingEnvironmentConfig>{base}?comp=config&amp;type=hostingEnvironmentConfig&amp;incarnation={incarnation}</HostingEnvironmentConfig>
          <SharedConfig>{base}?comp=config&amp;type=sharedConfig&amp;incarnation={incarnation}</SharedConfig>
          <ExtensionsConfig>{base}?comp=config&amp;type=extensionsConfig&amp;incarnation={incarnation}</ExtensionsConfig>
          <FullConfig>{base}?comp=config&amp;type=fullConfig&amp;incarnation={incarnation}</FullConfig>
          <Certificates>{base}?comp=certificates&amp;incarnation={incarnation}</Certificates>
          <ConfigName>{instance}.{incarnation}.xml</ConfigName>
        </Configuration>
      </RoleInstance>
    </RoleInstanceList>
  </Container>
</GoalState>
""".encode()


def vmsnapshot_settings(rng: random.Random, task: str, ticks: int, storage: str, expiry: str) -> dict:
    status_uri = f"https://{storage}.blob.core.windows.net/iaasvmcontainer/{task}.status?{fake_sas(rng, expiry)}"
    logs_uri = f"https://{storage}.blob.core.windows.net/iaasvmcontainer/{task}.log?{fake_sas(rng, expiry)}"
    return {"runtimeSettings": [{"handlerSettings": {
        "protectedSettingsCertThumbprint": "3F1A29C8E5B04D7F9A6C2B81D0E4F7A6B3C5D2E1",
        "protectedSettings": fake_protected_settings(rng),
        "publicSettings": {"locale": "en-us", "taskId": task, "commandToExecute": "snapshot",
                           "commandStartTimeUTCTicks": str(ticks), "vmType": "microsoft.compute/virtualmachines",
                           "objectStr": base64.b64encode(rng.randbytes(48)).decode(),
                           "logsBlobUri": logs_uri, "statusBlobUri": status_uri}}}]}


def extensions_config_xml(rng: random.Random, incarnation: int, plugin_version: str, seq: int,
                          settings: dict, status_blob: str, created: datetime) -> bytes:
    ticks = int((created - datetime(1, 1, 1, tzinfo=UTC)).total_seconds() * 10_000_000)
    manifest = "https://umsavwggj2v40kvqhc4m.blob.core.windows.net/5237dd14-0aad-f051-0fad-1e33e1b63091/" \
               "5237dd14-0aad-f051-0fad-1e33e1b63091_manifest.xml"
    return f"""<?xml version="1.0" encoding="utf-8"?>
<Extensions version="1.0.0.0" goalStateIncarnation="{incarnation}"><GuestAgentExtension xmlns:i="http://www.w3.org/2001/XMLSchema-instance">
  <GAFamilies>
    <GAFamily>
      <Name>Prod</Name>
      <Uris>
        <Uri>https://zrdfepirv2cbn09pr02a.blob.core.windows.net/7d89d439b79f4452950452399add2c90/Microsoft.OSTCLinuxAgent_Prod_uksouth_manifest.xml</Uri>
      </Uris>
    </GAFamily>
  </GAFamilies>
  <Location>uksouth</Location>
  <ServiceName>CRP</ServiceName>
</GuestAgentExtension>
<StatusUploadBlob statusBlobType="PageBlob">{escape(status_blob)}</StatusUploadBlob>
<Plugins>
  <Plugin name="{VMS}" version="{plugin_version}" location="{manifest}" state="enabled" autoUpgrade="true" failoverlocation="{manifest}" runAsStartupTask="false" isJson="true" useExactVersion="true" />
</Plugins>
<PluginSettings>
  <Plugin name="{VMS}" version="{plugin_version}">
    <RuntimeSettings seqNo="{seq}">{escape(json.dumps(settings))}</RuntimeSettings>
  </Plugin>
</PluginSettings>
<InVMGoalStateMetaData inSvdSeqNo="{incarnation + 30}" createdOnTicks="{ticks}" activityId="{guid(rng)}" correlationId="{guid(rng)}" />
</Extensions>
""".encode()


def vmsnapshot_status(when: datetime, task: str, ticks: int, ok: bool, code: int, message: str,
                      agent: str, ext_version: str, rng: random.Random) -> bytes:
    disks = [f"https://md-{rng.getrandbits(40):010x}.blob.core.windows.net/{rng.getrandbits(40):010x}/abcd"
             for _ in range(2)]
    snapshot_info = [{"snapshotUri": f"{d}?snapshot={when:%Y-%m-%dT%H:%M:%S}.1234567Z" if ok else None,
                      "errorMessage": "" if ok else "Snapshot call failed: curl error 28: Connection timed out",
                      "isSuccessful": "true" if ok else "false"} for d in disks]
    telemetry = [{"Key": "guestAgentVersion", "Value": agent}, {"Key": "extensionVersion", "Value": ext_version},
                 {"Key": "extErrorCode", "Value": "success" if ok else "FailedRetryableSnapshotFailedNoNetwork"},
                 {"Key": "snapshotCreator", "Value": "guestExtension"}, {"Key": "FreezeTime", "Value": "0.41"},
                 {"Key": "ThawTime", "Value": "0.03"}]
    inner = [{"status": {"status": "success" if ok else "error", "code": str(1 if ok else 2),
                         "snapshotInfo": snapshot_info, "name": VMS, "commandStartTimeUTCTicks": str(ticks),
                         "taskId": task, "formattedMessage": {"lang": "en-US", "message": message},
                         "uniqueMachineId": "5e6f7a8b-1c2d-4e3f-9a0b-1c2d3e4f5a6b",
                         "vmHealthInfo": {"vmHealthStatusCode": code, "vmHealthState": 0 if ok else 2},
                         "storageDetails": {"totalUsedSizeInBytes": 10795593728, "partitionCount": 3,
                                            "isSizeComputationFailed": False, "isStoragespacePresent": False},
                         "telemetryData": telemetry, "substatus": None}}]
    response = {"messageStr": message, "snapshotConsistency": 1 if ok else 0, "jobMessage": "",
                "isSizeComputationFailed": False}
    outer = [{"version": "1.0", "timestampUTC": f"{when:%Y-%m-%dT%H:%M:%SZ}",
              "status": {"name": VMS, "operation": "Enable", "status": "success" if ok else "error",
                         "code": str(1 if ok else 2), "taskId": task, "commandStartTimeUTCTicks": str(ticks),
                         "formattedMessage": {"lang": "en-US", "message": json.dumps(response)},
                         "uniqueMachineId": "5e6f7a8b-1c2d-4e3f-9a0b-1c2d3e4f5a6b",
                         "substatus": [{"code": "0", "name": json.dumps(inner),
                                        "status": "success", "formattedMessage": None}]}}]
    return json.dumps(outer, indent=4).encode()


def status_blob(when: datetime, agent: str, handler_status: str, ext_status: str, code: int, message: str,
                seq: int, ext_version: str, computer: str, os_name: str, os_version: str) -> bytes:
    blob = {"version": "1.1", "timestampUTC": f"{when:%Y-%m-%dT%H:%M:%SZ}",
            "aggregateStatus": {
                "guestAgentStatus": {"version": agent, "status": "Ready",
                                     "formattedMessage": {"lang": "en-US", "message": "Guest Agent is running"}},
                "handlerAggregateStatus": [{
                    "handlerVersion": ext_version, "handlerName": VMS, "status": handler_status, "code": 0,
                    "useExactVersion": True,
                    "formattedMessage": {"lang": "en-US", "message": "Plugin enabled"},
                    "runtimeSettingsStatus": {"settingsStatus": {"status": {
                        "name": VMS, "configurationAppliedTime": f"{when:%Y-%m-%dT%H:%M:%SZ}",
                        "operation": "Enable", "status": ext_status, "code": code,
                        "formattedMessage": {"lang": "en-US", "message": message}},
                        "version": 1.0, "timestampUTC": f"{when:%Y-%m-%dT%H:%M:%SZ}"}, "sequenceNumber": seq}}],
                "vmArtifactsAggregateStatus": {"goalStateAggregateStatus": {
                    "formattedMessage": {"lang": "en-US", "message": "GoalState executed successfully"},
                    "timestampUTC": f"{when:%Y-%m-%dT%H:%M:%SZ}", "inSvdSeqNo": "36", "status": "Success",
                    "code": 0}}},
            "guestOSInfo": {"computerName": computer, "osName": os_name, "osVersion": os_version, "version": agent},
            "supportedFeatures": [{"Key": "MultipleExtensionsPerHandler", "Value": "1.0"},
                                  {"Key": "VersioningGovernance", "Value": "1.0"},
                                  {"Key": "FastTrack", "Value": "1.0"}]}
    return json.dumps(blob).encode()


WAAGENT_CONF = """\
#
# Microsoft Azure Linux Agent Configuration
#

# Enable extension handling. Do not disable this unless you do not need password reset,
# backup, monitoring, or any extension handling whatsoever.
Extensions.Enabled=y

# Which provisioning agent to use. Supported values are "auto" (default), "waagent",
# "cloud-init", or "disabled".
Provisioning.Agent=auto

# Password authentication for root account will be unavailable.
Provisioning.DeleteRootPassword=y

# Generate fresh host key pair.
Provisioning.RegenerateSshHostKeyPair=n

# Format if unformatted. If 'n', resource disk will not be mounted.
ResourceDisk.Format=n

# Enable verbose logging (y|n)
Logs.Verbose=n

# Enable Console logging, default is y
# Logs.Console=y

# Enable periodic log collection, default is y
Logs.Collect=y

# How frequently to collect logs, default is each hour
Logs.CollectPeriod=3600

# Is FIPS enabled
OS.EnableFIPS=n

# Set the path to SSH keys and configuration files
OS.SshDir=/etc/ssh

# If set, agent will use proxy server to access internet
#HttpProxy.Host=None
#HttpProxy.Port=None

# Detect Scvmm environment, default is n
# DetectScvmmEnv=n

# Enable RDMA management and set up, should only be used in HPC images
# OS.EnableRDMA=y

# Enable or disable goal state processing auto-update, default is enabled
{auto_update}

# Determine the update family, this should not be changed
# AutoUpdate.GAFamily=Prod

# Determine if the overprovisioning feature is enabled. If yes, hold extension
# handling until inVMArtifactsProfile.OnHold is false.
# Default is enabled
# EnableOverProvisioning=y

# Allow fallback to HTTP if HTTPS is unavailable
# Note: Allowing HTTP (vs. HTTPS) may cause security risks
# OS.AllowHTTP=n

# Add firewall rules to protect access to Azure host node services
OS.EnableFirewall=y
"""


# -- the backup extension at work ------------------------------------------------------------------------
def snapshot_attempt(ext: Log, shell: Log, start: datetime, seq: int, ok: bool) -> str:
    """extension.log and shell.log lines of one backup; returns the status message."""
    shell.at(start)
    shell.shell(f"ConfigSequenceNumber from environment variable seqNo:{seq}")
    shell.shell("/usr/bin/python3 path exists")
    shell.shell("0 returned from handle.py", gap=1.2)
    shell.shell("The command is enable, exiting")
    ext.at(start + timedelta(seconds=2))
    if ok:
        ext.ext("PreSnapshot: Status Code: 200", gap=1.3)
        ext.ext("Taking Snapshot through Host")
    ext.ext("T:S freeze, timeout value 60")
    ext.ext("skipped mount :")
    ext.ext("fsfreeze mount :/boot/efi")
    ext.ext("fsfreeze mount :/")
    ext.ext("skip freeze is : False")
    ext.ext("T:S freeze result , timedout :False", gap=0.4)
    if ok:
        ext.ext("From Host- IsSuccessful:True, SnapshotUri:None, ErrorMessage:, StatusCode:200", gap=8.2)
        ext.ext("Enable,success,1,Enable Succeeded,False", gap=0.2)
        return "Enable Succeeded"
    ext.ext("start calling the snapshot rest api")
    for _ in range(2):
        ext.ext(" snapshot HttpCallGetResponse failed ", gap=30.1)
        ext.ext("curl error is: (28, 'Connection timed out after 30001 milliseconds')")
        ext.ext("curl return code is : 28")
        ext.ext("HttpUtil Call : result: 1, errorMsg: Connection timed out after 30001 milliseconds")
        ext.ext("Http connection response is None")
    ext.ext("IsSuccessful:False, SnapshotUri:None, ErrorMessage:Snapshot call failed: curl error 28")
    ext.ext("T:S Enable failed with FailedRetryableSnapshotFailedNoNetwork error")
    message = "Enable failed with error: all snapshot calls failed"
    ext.ext(f"Enable,error,2,{message} StatusCode.FailedRetryableSnapshotFailedNoNetwork, "
            "snapshotCreator=guestExtension, ,True")
    return message


# -- sample 1: collect-logs zip, backup failing with no network -------------------------------------
def collect_logs_backup_failure() -> dict[str, bytes]:
    rng = random.Random(11)
    agent, ext_version = "2.11.1.4", "1.0.9225.0"
    ext_dir = f"var/lib/waagent/{VMS}-{ext_version}"
    container, instance = guid(rng), f"{guid(rng)}._vm-backup01"
    storage = "md-hdd-x3kq0l1bp5jw"
    blob = f"https://{storage}.blob.core.windows.net/$system/vm-backup01.{guid(rng)}.status?" + \
        fake_sas(rng, "2024-05-15T08%3a00%3a00Z")
    prefix = f"[{VMS}-{ext_version}]"
    hb_id = "9D4E0A61-7B2C-4F1E-8A35-C0D9E7B6A512"
    files: dict[str, bytes] = {}
    log = Log(datetime(2024, 5, 12, 8, 1, 12, tzinfo=UTC), seed=1)
    for message in ["Azure Linux Agent Version: 2.9.1.1", "OS: ubuntu 22.04", "Python: 3.10.12", "Run daemon",
                    "No RDMA handler exists for distro='Ubuntu' version='22.04'",
                    "Clean protocol and wireserver endpoint", f"Using hardcoded Wireserver endpoint {WIRE}",
                    "Detect protocol endpoint"]:
        log.new("INFO", "Daemon", "Daemon", message)
    log.new("INFO", "Daemon", "Daemon", "Fabric preferred wire protocol version:2015-04-05", gap=0.3)
    log.new("INFO", "Daemon", "Daemon", "Wire protocol version:2012-11-30")
    log.new("INFO", "Daemon", "Daemon", "Server preferred version:2015-04-05")
    log.gs("INFO", "Daemon", "Fetching full goal state from the WireServer [incarnation 3]")
    log.gs("INFO", "Daemon", "Fetch goal state completed", gap=0.4)
    log.new("INFO", "Daemon", "Daemon", "Provisioning already completed, skipping.")
    log.new("INFO", "Daemon", "Daemon", "RDMA capabilities are not enabled, skipping")
    log.new("INFO", "Daemon", "Daemon", f"Determined Agent WALinuxAgent-{agent} to be the latest agent")
    log.new("INFO", "ExtHandler", "ExtHandler", f"Azure Linux Agent (Goal State Agent version {agent})", gap=1.2)
    for message in ["OS: ubuntu 22.04", "Python: 3.10.12", "CPU Arch: x86_64",
                    "Distro: ubuntu-22.04; OSUtil: UbuntuOSUtil; AgentService: walinuxagent; Python: 3.10.12; "
                    "Arch: x86_64; systemd: True; systemd_version: systemd 249 (249.11-0ubuntu3.12); "
                    "LISDrivers: Absent; logrotate: logrotate 3.19.0;",
                    f"WireServer endpoint {WIRE} read from file", "Wire protocol version:2012-11-30",
                    "Fabric preferred wire protocol version:2015-04-05"]:
        log.new("INFO", "ExtHandler", "ExtHandler", message)
    log.gs("INFO", "ExtHandler", "Fetching full goal state from the WireServer [incarnation 3]")
    log.gs("INFO", "ExtHandler", "Fetch goal state completed", gap=0.8)
    log.new("INFO", "ExtHandler", "ExtHandler", "Start env monitor service.")
    log.new("INFO", "EnvHandler", "ExtHandler", "Configure routes")
    log.new("INFO", "EnvHandler", "ExtHandler", "Gateway:None")
    log.new("INFO", "EnvHandler", "ExtHandler", "Routes:None")
    log.new("INFO", "MonitorHandler", "ExtHandler", "Network interfaces:\nExecuting ['ip', '-a', '-o', 'link']:\n"
            "1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN mode DEFAULT group default "
            "qlen 1000\\    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00\n"
            "2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc mq state UP mode DEFAULT group default "
            "qlen 1000\\    link/ether 00:0d:3a:7b:21:9c brd ff:ff:ff:ff:ff:ff")
    log.new("INFO", "ExtHandler", "ExtHandler", "[CGI] Agent cgroups enabled: True")
    counter = [0]

    def process(incarnation: int, seq: int, created: datetime, storage_blocked: bool = False) -> None:
        log.gs("INFO", "ExtHandler", f"Fetched a new incarnation for the WireServer goal state "
               f"[incarnation {incarnation}]", gap=0)
        if storage_blocked:
            manifest = "https://umsavwggj2v40kvqhc4m.blob.core.windows.net/5237dd14-0aad-f051-0fad-1e33e1b63091/" \
                       f"5237dd14-0aad-f051-0fad-1e33e1b63091_manifest.xml?{fake_sas(rng, '2024-05-21T08%3a00%3a00Z')}"
            log.new("WARNING", "ExtHandler", "ExtHandler", f"Fetch failed: [HttpError] [HTTP Failed] GET {manifest} "
                    "-- IOError timed out -- 6 attempts made", gap=62.0)
            log.new("INFO", "ExtHandler", "ExtHandler", "Default channel changed to HostGAPlugin channel.")
        log.gs("INFO", "ExtHandler", "Fetch goal state completed", gap=0.6)
        log.new("INFO", "ExtHandler", "ExtHandler", f"ProcessExtensionsGoalState started [incarnation_{incarnation} "
                f"channel: WireServer source: Fabric activity: {guid(rng)} correlation {guid(rng)} created: "
                f"{created:%Y-%m-%dT%H:%M:%S}.{rng.randint(100, 999)}Z]")
        log.new("INFO", "ExtHandler", prefix, f"Target handler state: enabled [incarnation_{incarnation}]")
        log.new("INFO", "ExtHandler", prefix, "[Enable] current handler state is: enabled")
        log.new("INFO", "ExtHandler", prefix, "Requested extension state: enabled")
        log.new("INFO", "ExtHandler", prefix, f"Update settings file: {seq}.settings")
        log.new("INFO", "ExtHandler", prefix, "Enable extension: [main/handle.sh enable]")
        env = {"AZURE_GUEST_AGENT_UNINSTALL_CMD_EXIT_CODE": "NOT_RUN",
               "AZURE_GUEST_AGENT_EXTENSION_PATH": f"/var/lib/waagent/{VMS}-{ext_version}",
               "AZURE_GUEST_AGENT_EXTENSION_VERSION": ext_version, "AZURE_GUEST_AGENT_WIRE_PROTOCOL_ADDRESS": WIRE,
               "ConfigSequenceNumber": str(seq),
               "AZURE_GUEST_AGENT_EXTENSION_SUPPORTED_FEATURES": '[{"Key": "ExtensionTelemetryPipeline", '
                                                                 '"Value": "1.0"}]'}
        log.new("INFO", "ExtHandler", prefix, f"Executing command: /var/lib/waagent/{VMS}-{ext_version}/main/"
                f"handle.sh enable with environment variables: {json.dumps(env)}")
        log.new("INFO", "ExtHandler", prefix, "Command: main/handle.sh enable\n[stdout]\nSuccessfully enabled the "
                "extension\n\n[stderr]\n", gap=2.1)
        log.new("INFO", "ExtHandler", "ExtHandler", f"ProcessExtensionsGoalState completed [incarnation_{incarnation} "
                f"{rng.randint(2100, 2600)} ms]\n")
        log.new("INFO", "ExtHandler", "ExtHandler", f"Extension status: [('{VMS}', 'transitioning')]", gap=6.1)

    def heartbeats(until: datetime) -> None:
        while log.now + timedelta(minutes=30) < until:
            log.at(log.now + timedelta(minutes=30))
            log.new("INFO", "ExtHandler", "ExtHandler", f"[HEARTBEAT] Agent WALinuxAgent-{agent} is running as the "
                    f"goal state agent [DEBUG HeartbeatCounter: {counter[0]};HeartbeatId: {hb_id};"
                    "DroppedPackets: 0;UpdateGSErrors: 0;AutoUpdate: 1]", gap=0)
            counter[0] += 1

    ext = Log(datetime(2024, 5, 12, 21, 0, 0, tzinfo=UTC), seed=3)
    shell = Log(datetime(2024, 5, 12, 21, 0, 0, tzinfo=UTC), seed=4)
    settings: dict[int, dict] = {}
    statuses: dict[int, bytes] = {}
    history: dict[int, tuple[datetime, int]] = {}
    log.at(datetime(2024, 5, 12, 8, 1, 21, tzinfo=UTC))
    process(3, 9, datetime(2024, 5, 11, 21, 0, 1, tzinfo=UTC))
    history[3] = (log.now, 9)
    settings[9] = vmsnapshot_settings(rng, guid(rng), 638510436010000000, storage, "2024-05-14T21%3a00%3a00Z")
    log.new("INFO", "ExtHandler", "ExtHandler", f"All extensions in the goal state have reached a terminal state: "
            f"[('{VMS}', 'success')]", gap=6.0)
    plan = [(4, 10, datetime(2024, 5, 12, 21, 0, 4, tzinfo=UTC), True),
            (5, 11, datetime(2024, 5, 13, 21, 0, 3, tzinfo=UTC), True),
            (6, 12, datetime(2024, 5, 14, 21, 0, 4, tzinfo=UTC), False),
            (7, 13, datetime(2024, 5, 14, 23, 0, 3, tzinfo=UTC), False)]
    for incarnation, seq, start, ok in plan:
        heartbeats(start)
        log.at(start)
        process(incarnation, seq, start - timedelta(seconds=3), storage_blocked=incarnation == 6)
        history[incarnation] = (start, seq)
        task = guid(rng)
        ticks = int((start - datetime(1, 1, 1, tzinfo=UTC)).total_seconds() * 10_000_000)
        settings[seq] = vmsnapshot_settings(rng, task, ticks, storage, f"{start + timedelta(days=2):%Y-%m-%d}"
                                            "T21%3a00%3a00Z")
        message = snapshot_attempt(ext, shell, log.now - timedelta(seconds=5), seq, ok)
        statuses[seq] = vmsnapshot_status(ext.now, task, ticks, ok, 1 if ok else 76, message, agent, ext_version, rng)
        log.at(ext.now + timedelta(seconds=3))
        log.new("INFO", "ExtHandler", "ExtHandler", f"All extensions in the goal state have reached a terminal "
                f"state: [('{VMS}', '{'success' if ok else 'error'}')]", gap=0)
    heartbeats(datetime(2024, 5, 14, 23, 19, tzinfo=UTC))
    files["var/log/waagent.log"] = log.text()
    files[f"var/log/azure/{VMS}/extension.log"] = ext.text()
    files[f"var/log/azure/{VMS}/shell.log"] = shell.text()
    files["var/log/syslog"] = syslog_of(log.lines, datetime(2024, 5, 14, 20, 55, tzinfo=UTC), "vm-backup01")

    # an older rotation: the days before, healthy
    old = Log(datetime(2024, 5, 9, 21, 0, 2, tzinfo=UTC), seed=2)
    for day in range(2):
        old.at(datetime(2024, 5, 9 + day, 21, 0, 2, tzinfo=UTC))
        old.gs("INFO", "ExtHandler", f"Fetched a new incarnation for the WireServer goal state [incarnation {1 + day}]")
        old.new("INFO", "ExtHandler", prefix, f"Target handler state: enabled [incarnation_{1 + day}]")
        old.new("INFO", "ExtHandler", prefix, "Enable extension: [main/handle.sh enable]")
        old.new("INFO", "ExtHandler", "ExtHandler", f"All extensions in the goal state have reached a terminal state: "
                f"[('{VMS}', 'success')]", gap=171.0)
    files["var/log/waagent.log-2024-05-12-1715472000.gz"] = gzip.compress(old.text(), mtime=0)

    for seq, doc in settings.items():
        files[f"{ext_dir}/config/{seq}.settings"] = json.dumps(doc).encode()
    for seq, doc in statuses.items():
        files[f"{ext_dir}/status/{seq}.status"] = doc
    files[f"{ext_dir}/config/HandlerState"] = b"Enabled"
    files[f"{ext_dir}/config/HandlerStatus"] = json.dumps({
        "name": VMS, "version": ext_version, "status": "Ready", "code": 0, "message": "Plugin enabled",
        "supports_multi_config": False, "extension_status": None}).encode()
    files["var/lib/waagent/waagent_status.json"] = status_blob(
        ext.now, agent, "Ready", "error", 2, "Enable failed with error: all snapshot calls failed", 13, ext_version,
        "vm-backup01", "ubuntu", "22.04")
    # goal-state history: the newest goal state (incarnation 7) is still a folder and is not collected
    for incarnation, (moment, seq) in sorted(history.items())[:-1]:
        docs = {"GoalState.xml": goal_state_xml(incarnation, container, instance),
                "ExtensionsConfig.xml": extensions_config_xml(rng, incarnation, ext_version, seq, settings[seq], blob,
                                                              moment - timedelta(seconds=3)),
                "waagent_status.json": status_blob(moment, agent, "Ready", "transitioning", 0, "Enable in progress",
                                                   seq, ext_version, "vm-backup01", "ubuntu", "22.04")}
        files[f"var/lib/waagent/history/{moment:%Y-%m-%dT%H-%M-%S}__{incarnation}.zip"] = zip_files(docs, moment)
    files["etc/waagent.conf"] = WAAGENT_CONF.format(auto_update="# AutoUpdate.Enabled=y").encode()
    files["etc/os-release"] = b'PRETTY_NAME="Ubuntu 22.04.4 LTS"\nNAME="Ubuntu"\nVERSION_ID="22.04"\n' \
                              b'VERSION="22.04.4 LTS (Jammy Jellyfish)"\nID=ubuntu\nID_LIKE=debian\n'
    files["etc/hostname"] = b"vm-backup01\n"
    return {"results.txt": collector_results(files, datetime(2024, 5, 14, 23, 20, 1, tzinfo=UTC)), **files}


def syslog_of(agent_lines: list[str], since: datetime, host: str) -> bytes:
    """/var/log/syslog: systemd journal forwarding of the agent's stdout, plus a few system lines."""
    rng = random.Random(44)
    out: list[str] = []
    for line in agent_lines:
        if not line[:4].isdigit() or line[:19] < f"{since:%Y-%m-%dT%H:%M:%S}":
            continue
        moment = datetime.strptime(line[:19], "%Y-%m-%dT%H:%M:%S")
        stamp = f"{moment:%b} {moment.day:2d} {moment:%H:%M:%S}"
        if rng.random() < 0.15:
            out.append(f"{stamp} {host} systemd[1]: Starting Daily apt download activities...")
        out.append(f"{stamp} {host} python3[1187]: {line}")
    out.append(f"May 14 23:17:01 {host} CRON[48211]: (root) CMD (cd / && run-parts --report /etc/cron.hourly)")
    return ("\n".join(out) + "\n").encode()


def collector_results(files: dict[str, bytes], start: datetime) -> bytes:
    """results.txt of waagent -collect-logs (UTC, no fraction): listings, then each file added."""
    moment = start
    lines: list[str] = []

    def put(level: str, message: str, step: float = 0.0) -> None:
        nonlocal moment
        moment += timedelta(seconds=step)
        lines.append(f"{moment:%Y-%m-%dT%H:%M:%SZ} {level} {message}")
    put("INFO", "### Probing Directories ###")
    def row(path: str, stamp: str) -> str:
        return f"-rw-r--r--  1 root root {len(files[path]):7} {stamp} {path.rsplit('/', 1)[-1]}"
    listing = "\n".join(["total 1188", "drwxrwxr-x 12 root syslog   4096 May 12 08:00 ./",
                         "drwxr-xr-x 13 root root     4096 Mar 20 11:02 ../",
                         "drwxr-xr-x  4 root root     4096 May  2 21:00 azure/",
                         row("var/log/syslog", "May 14 23:19"), row("var/log/waagent.log", "May 14 23:19"),
                         row("var/log/waagent.log-2024-05-12-1715472000.gz", "May 12 00:00")])
    put("INFO", f"Output of command [ls -alF /var/log]:\n{listing}\n")
    put("INFO", "Output of command [ls -alF /var/lib/waagent]:\n" + "\n".join([
        "total 236", "drwxr-xr-x 10 root root  4096 May 14 23:00 ./",
        f"drwxr-xr-x  5 root root  4096 Apr 30 10:12 {VMS}-1.0.9225.0/",
        "drwxr-xr-x  6 root root  4096 Apr 10 06:20 WALinuxAgent-2.11.1.4/",
        "-rw-r--r--  1 root root    37 May 14 23:00 GoalState.1.xml",
        "drwxr-xr-x  2 root root 36864 May 14 23:00 history/",
        "-rw-r--r--  1 root root  4120 May 14 23:03 waagent_status.json"]) + "\n")
    put("INFO", "### Gathering Configuration Files ###")
    put("INFO", "### Gathering Log Files ###")
    order = sorted(files, key=lambda p: (p != "var/log/waagent.log", p != "var/lib/waagent/waagent_status.json",
                                         "history" not in p, not p.startswith("var/log/azure"), p))
    total = 0
    for path in order:
        put("INFO", f"Adding file /{path}, size {len(files[path])} b", step=0.0)
        total += len(files[path])
    put("INFO", f"Uncompressed archive size is {total} b", step=1)
    put("INFO", "Elapsed time: 1187 ms")
    return ("\n".join(lines) + "\n").encode()


# -- sample 2: healthy VM, ad hoc tar.gz ----------------------------------------------------------------
def adhoc_healthy() -> dict[str, bytes]:
    rng = random.Random(22)
    agent, ext_version = "2.12.0.4", "1.0.9225.0"
    prefix = f"[{VMS}-{ext_version}]"
    ext_dir = f"var/lib/waagent/{VMS}-{ext_version}"
    storage = "md-hdd-q8w2xv5tkn3r"
    log = Log(datetime(2024, 9, 2, 6, 30, 4, tzinfo=UTC), seed=5)
    for message in ["Azure Linux Agent Version: 2.9.1.1", "OS: rhel 9.4", "Python: 3.9.18", "Run daemon",
                    "No RDMA handler exists for distro='Red Hat Enterprise Linux' version='9.4'",
                    "Clean protocol and wireserver endpoint", f"Using hardcoded Wireserver endpoint {WIRE}",
                    "Detect protocol endpoint", "Fabric preferred wire protocol version:2015-04-05",
                    "Wire protocol version:2012-11-30", "Server preferred version:2015-04-05"]:
        log.new("INFO", "Daemon", "Daemon", message, gap=0.05)
    log.gs("INFO", "Daemon", "Fetching full goal state from the WireServer [incarnation 19]")
    log.gs("INFO", "Daemon", "Fetch goal state completed", gap=0.3)
    log.new("INFO", "Daemon", "Daemon", "Provisioning already completed, skipping.")
    log.new("INFO", "Daemon", "Daemon", "RDMA capabilities are not enabled, skipping")
    log.new("INFO", "Daemon", "Daemon", f"Determined Agent WALinuxAgent-{agent} to be the latest agent")
    log.new("INFO", "ExtHandler", "ExtHandler", f"Azure Linux Agent (Goal State Agent version {agent})", gap=1.0)
    for message in ["OS: rhel 9.4", "Python: 3.9.18", "CPU Arch: x86_64",
                    "Distro: rhel-9.4; OSUtil: RedhatOSModernUtil; AgentService: waagent; Python: 3.9.18; "
                    "Arch: x86_64; systemd: True; systemd_version: systemd 252 (252-32.el9_4); LISDrivers: Absent; "
                    "logrotate: logrotate 3.18.0;", f"WireServer endpoint {WIRE} read from file",
                    "Wire protocol version:2012-11-30", "Fabric preferred wire protocol version:2015-04-05",
                    "[CGI] Using cgroup v2 for resource enforcement and monitoring",
                    "[CGI] Agent cgroups enabled: True", "Start env monitor service."]:
        log.new("INFO", "ExtHandler", "ExtHandler", message)
    counter = 0
    hb_id = "1B7F40C2-93AE-4D61-B8F0-5C2E9A7D3E14"
    files: dict[str, bytes] = {}
    ext = Log(datetime(2024, 9, 2, 21, 0, 0, tzinfo=UTC), seed=6)
    shell = Log(datetime(2024, 9, 2, 21, 0, 0, tzinfo=UTC), seed=7)
    for day in range(5):
        backup = datetime(2024, 9, 2 + day, 21, 0, 2, tzinfo=UTC)
        while log.now + timedelta(minutes=30) < backup:
            log.at(log.now + timedelta(minutes=30))
            log.new("INFO", "ExtHandler", "ExtHandler", f"[HEARTBEAT] Agent WALinuxAgent-{agent} is running as the "
                    f"goal state agent [DEBUG HeartbeatCounter: {counter};HeartbeatId: {hb_id};DroppedPackets: 0;"
                    "UpdateGSErrors: 0;AutoUpdate: 1;UpdateMode: SelfUpdate;]", gap=0)
            counter += 1
        incarnation, seq = 20 + day, 40 + day
        log.at(backup)
        log.gs("INFO", "ExtHandler", f"Fetched a new incarnation for the WireServer goal state "
               f"[incarnation {incarnation}]")
        log.gs("INFO", "ExtHandler", "Fetch goal state completed", gap=0.5)
        log.new("INFO", "ExtHandler", "ExtHandler", f"ProcessExtensionsGoalState started [incarnation_{incarnation} "
                f"channel: WireServer source: Fabric activity: {guid(rng)} correlation {guid(rng)} created: "
                f"{backup - timedelta(seconds=2):%Y-%m-%dT%H:%M:%S}.{rng.randint(100, 999)}Z]")
        log.new("INFO", "ExtHandler", prefix, f"Target handler state: enabled [incarnation_{incarnation}]")
        log.new("INFO", "ExtHandler", prefix, "[Enable] current handler state is: enabled")
        log.new("INFO", "ExtHandler", prefix, "Requested extension state: enabled")
        log.new("INFO", "ExtHandler", prefix, f"Update settings file: {seq}.settings")
        log.new("INFO", "ExtHandler", prefix, "Enable extension: [main/handle.sh enable]")
        log.new("INFO", "ExtHandler", prefix, f"Executing command: /var/lib/waagent/{VMS}-{ext_version}/main/"
                f"handle.sh enable with environment variables: {{\"AZURE_GUEST_AGENT_EXTENSION_VERSION\": "
                f"\"{ext_version}\", \"ConfigSequenceNumber\": \"{seq}\"}}")
        log.new("INFO", "ExtHandler", prefix, "Command: main/handle.sh enable\n[stdout]\nSuccessfully enabled the "
                "extension\n\n[stderr]\n", gap=2.0)
        log.new("INFO", "ExtHandler", "ExtHandler", f"ProcessExtensionsGoalState completed [incarnation_{incarnation} "
                f"{rng.randint(2000, 2500)} ms]\n")
        log.new("INFO", "ExtHandler", "ExtHandler", f"Extension status: [('{VMS}', 'transitioning')]", gap=6.0)
        task = guid(rng)
        ticks = int((backup - datetime(1, 1, 1, tzinfo=UTC)).total_seconds() * 10_000_000)
        snapshot_attempt(ext, shell, backup + timedelta(seconds=3), seq, ok=True)
        status = vmsnapshot_status(ext.now, task, ticks, True, 1, "Enable Succeeded", agent, ext_version, rng)
        files[f"{ext_dir}/status/{seq}.status"] = status
        log.at(ext.now + timedelta(seconds=3))
        log.new("INFO", "ExtHandler", "ExtHandler", f"All extensions in the goal state have reached a terminal "
                f"state: [('{VMS}', 'success')]", gap=0)
        files[f"{ext_dir}/config/{seq}.settings"] = json.dumps(
            vmsnapshot_settings(rng, task, ticks, storage, f"2024-09-{4 + day:02d}T21%3a00%3a00Z")).encode()
    while log.now + timedelta(minutes=30) < datetime(2024, 9, 7, 7, 0, tzinfo=UTC):
        log.at(log.now + timedelta(minutes=30))
        log.new("INFO", "ExtHandler", "ExtHandler", f"[HEARTBEAT] Agent WALinuxAgent-{agent} is running as the goal "
                f"state agent [DEBUG HeartbeatCounter: {counter};HeartbeatId: {hb_id};DroppedPackets: 0;"
                "UpdateGSErrors: 0;AutoUpdate: 1;UpdateMode: SelfUpdate;]", gap=0)
        counter += 1
    top = "vm-web02-logs"
    files[f"{ext_dir}/config/HandlerState"] = b"Enabled"
    files["var/lib/waagent/waagent_status.json"] = status_blob(
        ext.now, agent, "Ready", "success", 1, "Enable Succeeded", 42, ext_version, "vm-web02", "rhel", "9.4")
    files.update({"var/log/waagent.log": log.text(), f"var/log/azure/{VMS}/extension.log": ext.text(),
                  f"var/log/azure/{VMS}/shell.log": shell.text(),
                  "etc/waagent.conf": WAAGENT_CONF.format(auto_update="# AutoUpdate.Enabled=y").encode()})
    return {f"{top}/{path}": data for path, data in sorted(files.items())}


# -- sample 3: sosreport, agent 2.2.45 with auto-update disabled -------------------------------------------
def sosreport_agent_outdated() -> dict[str, bytes]:
    rng = random.Random(33)
    ext_version = "1.0.9225.0"
    prefix = f"[{VMS}-{ext_version}]"
    first = datetime(2024, 5, 7, 7, 58, 40)                    # local time, no offset (2.2.45)
    log = Log(first, seed=8)

    def start_agent() -> None:
        for message in ["Azure Linux Agent Version:2.2.45", "OS: redhat 7.9", "Python: 2.7.5", "Run daemon",
                        "No RDMA handler exists for distro='Red Hat Enterprise Linux Server' version='7.9'",
                        "Clean protocol", "Detect protocol endpoints", "Clean protocol",
                        "WireServer endpoint is not found. Rerun dhcp handler", f"Test for route to {WIRE}",
                        f"Route to {WIRE} exists", f"Wire server endpoint:{WIRE}",
                        "Fabric preferred wire protocol version:2015-04-05", "Wire protocol version:2012-11-30",
                        "Server preferred version:2015-04-05", "Provisioning already completed, skipping.",
                        "RDMA capabilities are not enabled, skipping",
                        "Installed Agent WALinuxAgent-2.2.45 is the most current agent"]:
            log.old("INFO", "Daemon", message, gap=0.05)
        log.old("INFO", "ExtHandler", "Agent WALinuxAgent-2.2.45 is running as the goal state agent", gap=0.9)
        for message in ["Distro: rhel-7.9; OSUtil: RedhatOSUtil; AgentService: waagent; Python: 2.7.5; "
                        "systemd: True; LISDrivers: Absent; logrotate: logrotate 3.8.6;",
                        f"Wire server endpoint:{WIRE}", "Start env monitor service.", "Configure routes",
                        "Gateway:None", "Routes:None"]:
            log.old("INFO", "ExtHandler", message)

    start_agent()
    ext = Log(first, seed=9)
    for day in range(28):
        moment = datetime(2024, 5, 7, 21, 0, 3) + timedelta(days=day)
        if day in (8, 22):                        # patch reboots: the same old agent comes back
            log.at(moment.replace(hour=3, minute=12, second=5))
            log.old("INFO", "ExtHandler", "Agent WALinuxAgent-2.2.45 forwarding signal 15 to "
                    "WALinuxAgent-2.2.45\n", gap=0)
            log.at(moment.replace(hour=3, minute=14, second=41))
            start_agent()
        incarnation, seq = 30 + day, 60 + day
        log.at(moment)
        log.old("INFO", prefix, "Target handler state: enabled", gap=0)
        log.old("INFO", prefix, "[Enable] current handler state is: enabled")
        log.old("INFO", prefix, f"Update settings file: {seq}.settings")
        log.old("INFO", prefix, "Enable extension [main/handle.sh enable]")
        log.old("INFO", prefix, "main/handle.sh enable\n[stdout]\n\n[stderr]\n", gap=2.4)
        log.old("INFO", "ExtHandler", f"ProcessGoalState completed [incarnation {incarnation}; "
                f"{rng.randint(2300, 2900)} ms]")
        ext.at(moment + timedelta(seconds=6))
        ext.ext("PreSnapshot: Status Code: 200", gap=1.2)
        ext.ext("Taking Snapshot through Host")
        ext.ext("T:S freeze, timeout value 60")
        ext.ext("fsfreeze mount :/boot")
        ext.ext("fsfreeze mount :/")
        ext.ext("T:S freeze result , timedout :False", gap=0.3)
        ext.ext("From Host- IsSuccessful:True, SnapshotUri:None, ErrorMessage:, StatusCode:200", gap=8.8)
        ext.ext("Enable,success,1,Enable Succeeded,False")
    files: dict[str, bytes] = {"var/log/waagent.log": log.text(), f"var/log/azure/{VMS}/extension.log": ext.text()}
    files["etc/waagent.conf"] = WAAGENT_CONF.format(auto_update="AutoUpdate.Enabled=n").encode()
    files["etc/redhat-release"] = b"Red Hat Enterprise Linux Server release 7.9 (Maipo)\n"
    metadata = {"azEnvironment": "AzurePublicCloud", "location": "westeurope", "name": "vm-erp-db01",
                "offer": "RHEL", "osType": "Linux", "publisher": "RedHat", "sku": "7_9", "version": "7.9.2021051701",
                "vmId": "0c1f7e2a-5b3d-4e8f-9a6c-1d2e3f4a5b6c", "vmSize": "Standard_E8s_v3",
                "resourceGroupName": "rg-erp-prod", "subscriptionId": "00000000-0000-0000-0000-000000000000",
                "provisioningState": "Succeeded", "zone": "1"}
    files["sos_commands/azure/instance_metadata.json"] = json.dumps(metadata, indent=2).encode()
    files["sos_commands/azure/rpm_-qi_WALinuxAgent"] = b"Name        : WALinuxAgent\nVersion     : 2.2.45\n" \
                                                     b"Release     : 4.el7\nArchitecture: noarch\n"
    top = "sosreport-vm-erp-db01-2024-06-03-xkqzfpa"
    return {f"{top}/{path}": data for path, data in sorted(files.items())}


# -- sample 4: folder, 2.2.53 agent that cannot find the WireServer -------------------------------------------
def folder_dhcp_failure() -> dict[str, bytes]:
    log = Log(datetime(2024, 7, 2, 6, 10, 11, tzinfo=UTC), seed=10)
    log.new("INFO", "Daemon", "Daemon", "Azure Linux Agent Version:2.2.53", gap=0)
    for message in ["OS: ubuntu 20.04", "Python: 3.8.10", "Run daemon",
                    "No RDMA handler exists for distro='Ubuntu' version='20.04'", "Activate resource disk",
                    "Resource disk /dev/disk/cloud/azure_resource-part1 is already mounted", "Detect protocol endpoint",
                    "Clean protocol and wireserver endpoint", "WireServer endpoint is not found. Rerun dhcp handler"]:
        log.new("INFO", "Daemon", "Daemon", message)
    for retry in range(1, 28):
        log.new("INFO", "Daemon", "Daemon", f"Test for route to {WIRE}")
        log.new("WARNING", "Daemon", "Daemon", f"No route exists to {WIRE}")
        log.new("INFO", "Daemon", "Daemon", "Checking for dhcp lease cache")
        log.new("INFO", "Daemon", "Daemon", "looking for leases in path [/var/lib/dhcp/dhclient.*.leases]")
        log.new("INFO", "Daemon", "Daemon", "cached endpoint not found")
        log.new("INFO", "Daemon", "Daemon", "Send dhcp request")
        for sleep in (0, 10, 30, 60, 60):
            log.new("WARNING", "Daemon", "Daemon", "Failed to send DHCP request: [DhcpError] Failed to receive "
                    "dhcp response.", gap=10.0 + sleep)
        log.new("INFO", "Daemon", "Daemon", "Protocol endpoint not found: [ProtocolError] [DhcpError] Failed to "
                "receive dhcp response.")
        if retry % 9 == 0:
            log.new("INFO", "Daemon", "Daemon", "Could not determine primary interface, please ensure "
                    "/proc/net/route is correct")
            log.new("INFO", "Daemon", "Daemon", "Contents of /proc/net/route:\nIface\tDestination\tGateway \tFlags\t"
                    "RefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\neth0\t0001000A\t00000000\t0001\t0\t0\t0\t"
                    "00FFFFFF\t0\t0\t0\n")
            log.new("INFO", "Daemon", "Daemon", "Primary interface examination will retry silently")
        log.new("INFO", "Daemon", "Daemon", f"Retry detect protocol: retry={retry}", gap=10.0)
    log.new("WARNING", "Daemon", "Daemon", "Daemon ended with exception -- Sleep 15 seconds and restart daemon")
    log.new("ERROR", "Daemon", "Daemon", "Event: name=WALinuxAgent, op=UnhandledError, message=Traceback (most "
            "recent call last):\n  File \"/usr/lib/python3/dist-packages/azurelinuxagent/daemon/main.py\", line 83, "
            "in run\n    self.daemon(child_args)\n  File \"/usr/lib/python3/dist-packages/azurelinuxagent/daemon/"
            "main.py\", line 145, in daemon\n    self.protocol_util.get_protocol()\nazurelinuxagent.common."
            "exception.ProtocolNotFoundError: [ProtocolNotFoundError] No protocol found.\n, duration=0")
    log.new("INFO", "Daemon", "Daemon", "Azure Linux Agent Version:2.2.53", gap=15.0)
    for message in ["OS: ubuntu 20.04", "Python: 3.8.10", "Run daemon", "Detect protocol endpoint",
                    "Clean protocol and wireserver endpoint", "WireServer endpoint is not found. Rerun dhcp handler",
                    f"Test for route to {WIRE}"]:
        log.new("INFO", "Daemon", "Daemon", message)
    log.new("WARNING", "Daemon", "Daemon", f"No route exists to {WIRE}")
    log.new("INFO", "Daemon", "Daemon", "Checking for dhcp lease cache")
    log.new("INFO", "Daemon", "Daemon", "cached endpoint not found")
    log.new("INFO", "Daemon", "Daemon", "Send dhcp request")
    log.new("WARNING", "Daemon", "Daemon", "Failed to send DHCP request: [DhcpError] Failed to receive dhcp "
            "response.", gap=10.0)
    netplan = b"""# This file is generated from information provided by the datasource.  Changes
# to it will not persist across an instance reboot.
network:
    ethernets:
        eth0:
            dhcp4: false
            addresses: [10.0.1.4/24]
            match:
                macaddress: 00:0d:3a:2c:44:91
            set-name: eth0
    version: 2
"""
    return {"var/log/waagent.log": log.text(),
            "etc/waagent.conf": WAAGENT_CONF.format(auto_update="# AutoUpdate.Enabled=y").encode(),
            "etc/netplan/50-cloud-init.yaml": netplan}


# -- sample 5: ad hoc tarball, CustomScript stuck in "transitioning" for hours -----------------------------------
CSE = "Microsoft.Azure.Extensions.CustomScript"
CSE_DIR = f"var/lib/waagent/{CSE}-2.1.10"


def adhoc_extension_stuck() -> dict[str, bytes]:
    """Agent 2.10.0.8; CustomScript's enable (seqNo 4) starts a script that never reports back."""
    log = Log(datetime(2024, 10, 8, 9, 58, 2, tzinfo=UTC), seed=50)
    log.new("INFO", "ExtHandler", "ExtHandler", "Azure Linux Agent (Goal State Agent version 2.10.0.8)", gap=0)
    log.gs("INFO", "ExtHandler", "Fetched a new incarnation for the WireServer goal state [incarnation 9]")
    log.new("INFO", "ExtHandler", "ExtHandler", "ProcessExtensionsGoalState started [incarnation_9 channel: "
            "WireServer source: Fabric activity: 5f2a1c7e-0d4b-4b8e-9a61-3c2f1e0b7d44 correlation "
            "0b7e3f19-4d2c-4a6b-8f1e-7c9d2a5b1e63 created: 2024-10-08T09:57:51.402117Z]")
    log.new("INFO", "ExtHandler", f"[{CSE}-2.1.10]", "Target handler state: enabled [incarnation_9]")
    log.new("INFO", "ExtHandler", f"[{CSE}-2.1.10]", "[Enable] current handler state is: enabled")
    log.new("INFO", "ExtHandler", f"[{CSE}-2.1.10]", "Update settings file: 4.settings")
    log.new("INFO", "ExtHandler", f"[{CSE}-2.1.10]", "Enable extension: [bin/custom-script-shim enable]")
    log.new("INFO", "ExtHandler", f"[{CSE}-2.1.10]", f"Executing command: /var/lib/waagent/{CSE}-2.1.10/bin/"
            "custom-script-shim enable with environment variables: {\"AZURE_GUEST_AGENT_EXTENSION_PATH\": "
            f"\"/var/lib/waagent/{CSE}-2.1.10\", \"ConfigSequenceNumber\": \"4\"}}", gap=0.2)
    log.new("INFO", "ExtHandler", f"[{CSE}-2.1.10]", "Command: bin/custom-script-shim enable\n[stdout]\n"
            "+ nohup /var/lib/waagent/Microsoft.Azure.Extensions.CustomScript-2.1.10/bin/custom-script-extension "
            "enable\n\n[stderr]\nRunning scope as unit: enable_1728381483.scope", gap=2.5)
    log.new("INFO", "ExtHandler", "ExtHandler", f"Extension status: [('{CSE}', 'transitioning')]", gap=1.0)
    log.new("INFO", "ExtHandler", "ExtHandler", "ProcessExtensionsGoalState completed [incarnation_9 4012 ms]\n")
    for hour in range(1, 5):
        log.at(datetime(2024, 10, 8, 9 + hour, 28, 3, tzinfo=UTC))
        log.new("INFO", "ExtHandler", "ExtHandler", "[HEARTBEAT] Agent WALinuxAgent-2.10.0.8 is running as the goal "
                f"state agent [DEBUG HeartbeatCounter: {hour};HeartbeatId: 6B0F0A74-0C69-4A59-9C1D-92E2F2B6A3A1;"
                "DroppedPackets: 0;UpdateGSErrors: 0;AutoUpdate: 1]")
        if hour == 2:
            log.gs("INFO", "ExtHandler", "Fetched a new incarnation for the WireServer goal state "
                   "[incarnation 10]", gap=60.0)
            log.new("WARNING", "ExtHandler", "ExtHandler", "A new goal state was received, but not all the "
                    f"extensions in the previous goal state have completed: [('{CSE}', 'transitioning')]")
        log.new("INFO", "ExtHandler", "ExtHandler", f"Extension status: [('{CSE}', 'transitioning')]", gap=300.0)
    status = [{"version": "1.0", "timestampUTC": "2024-10-08T09:58:06Z", "status": {
        "name": CSE, "operation": "Enable", "status": "transitioning", "code": 0,
        "formattedMessage": {"lang": "en-US", "message": "Enable in progress"}}}]
    settings = {"runtimeSettings": [{"handlerSettings": {
        "protectedSettingsCertThumbprint": "8A1F4C3B2E6D7F9A0B1C2D3E4F5A6B7C8D9E0F1A",
        "protectedSettings": fake_protected_settings(random.Random(51)),
        "publicSettings": {"fileUris": [f"https://stscripts01.blob.core.windows.net/scripts/sync.sh"
                                        f"{fake_sas(random.Random(52), '2024-10-09T10:00:00Z')}"]}}}]}
    return {"vm-app07/var/log/waagent.log": log.text(),
            f"vm-app07/{CSE_DIR}/status/4.status": json.dumps(status).encode(),
            f"vm-app07/{CSE_DIR}/config/4.settings": json.dumps(settings).encode(),
            f"vm-app07/{CSE_DIR}/config/HandlerState": b"Enabled",
            f"vm-app07/{CSE_DIR}/mrseq": b"4",
            "vm-app07/etc/waagent.conf": WAAGENT_CONF.format(auto_update="# AutoUpdate.Enabled=y").encode()}


# -- packing -------------------------------------------------------------------------------------------------------
def zip_files(files: dict[str, bytes], moment: datetime) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            info = zipfile.ZipInfo(name, date_time=moment.timetuple()[:6])
            info.compress_type, info.external_attr, info.create_system = zipfile.ZIP_DEFLATED, 0o644 << 16, 3
            archive.writestr(info, data)
    return buffer.getvalue()


def tar_files(files: dict[str, bytes], mtime: datetime, compress: Callable[[bytes], bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.GNU_FORMAT) as archive:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size, info.mtime, info.mode, info.uname, info.gname = len(data), int(mtime.timestamp()), 0o644, \
                "root", "root"
            archive.addfile(info, io.BytesIO(data))
    return compress(buffer.getvalue())


def write_folder(root: Path, files: dict[str, bytes], mtime: datetime) -> None:
    for name, data in files.items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        os.utime(target, (mtime.timestamp(), mtime.timestamp()))


def archives() -> dict[str, bytes]:
    """The archive samples, by file name."""
    return {
        "collect-logs-backup-failure.zip": zip_files(collect_logs_backup_failure(),
                                                     datetime(2024, 5, 14, 23, 20, 2, tzinfo=UTC)),
        "adhoc-healthy.tar.gz": tar_files(adhoc_healthy(), datetime(2024, 9, 7, 7, 0, tzinfo=UTC),
                                          lambda b: gzip.compress(b, compresslevel=9, mtime=0)),
        "sosreport-agent-outdated.tar.xz": tar_files(sosreport_agent_outdated(),
                                                     datetime(2024, 6, 3, 9, 41, tzinfo=UTC),
                                                     lambda b: lzma.compress(b, preset=6)),
        "adhoc-extension-stuck.tar.gz": tar_files(adhoc_extension_stuck(), datetime(2024, 10, 8, 14, 0, tzinfo=UTC),
                                                  lambda b: gzip.compress(b, compresslevel=9, mtime=0)),
    }


FOLDER = "folder-dhcp-failure"
FOLDER_MTIME = datetime(2024, 7, 2, 8, 0, tzinfo=UTC)


def main() -> None:
    for name, data in archives().items():
        (HERE / name).write_bytes(data)
        print(f"{name}: {len(data)} bytes")
    write_folder(HERE / FOLDER, folder_dhcp_failure(), FOLDER_MTIME)
    print(f"{FOLDER}/: written")


if __name__ == "__main__":
    main()
