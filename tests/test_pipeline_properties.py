"""Properties of the whole pipeline (sources → parsers → facts → rules → reports), with hypothesis.

* Arbitrary bytes at any member path of a folder, zip or tar.gz bundle: analysis never
  raises, and every line is accounted for.  "Accounted for" means, for each text member
  the pipeline parsed to the end: its coverage ``lines`` equals its physical lines
  (``\\n``-terminated lines plus an unterminated last one, :func:`hostile_inputs.physical_lines`),
  and for log kinds every line is inside a record (``line_start..line_end`` of an event) or
  counted as unparsed — only blank lines between records may be neither.
* Secrets (SAS ``sig=`` values, ``protectedSettings``, ``<UserPassword>``, ``CustomData``,
  PEM blocks) planted in logs, status files, handler settings, ``ExtensionsConfig`` and
  ``ovf-env.xml`` never appear in any of the six report formats nor in ``bundle.events``.
"""
from __future__ import annotations

import io
import json
import tarfile
import tempfile
import zipfile
from pathlib import Path

from hostile_inputs import WAAGENT_LINES, physical_lines
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import loganalyzer
from loganalyzer.kinds import LOG_KINDS
from loganalyzer.report import FORMATS, render

VMSNAP = "Microsoft.Azure.RecoveryServices.VMSnapshotLinux"
CSE = "Microsoft.Azure.Extensions.CustomScript"

#: Member paths of every real kind a bundle holds (see ../shared/reference/formats.md §1, §4, §5).
REAL_PATHS = (
    "var/log/waagent.log", "var/log/waagent.log.1", "var/log/syslog", "var/log/messages",
    "var/lib/waagent/GoalState.1.xml", "var/lib/waagent/ExtensionsConfig.1.xml",
    "var/lib/waagent/HostingEnvironmentConfig.xml", "var/lib/waagent/SharedConfig.xml",
    "var/lib/waagent/waagent_status.json", "var/lib/waagent/Incarnation", "var/lib/waagent/ovf-env.xml",
    "var/lib/waagent/history/2024-05-01T10-00-00__3/VmSettings.json",
    f"var/lib/waagent/{VMSNAP}-1.0.9225.0/status/0.status",
    f"var/lib/waagent/{VMSNAP}-1.0.9225.0/config/HandlerState",
    f"var/lib/waagent/{VMSNAP}-1.0.9225.0/config/0.settings",
    f"var/lib/waagent/{CSE}-2.1.10/HandlerManifest.json", f"var/lib/waagent/{CSE}-2.1.10/mrseq",
    f"var/lib/waagent/{CSE}-2.1.10/heartbeat.log", "var/lib/waagent/WALinuxAgent-2.9.1.1/error.json",
    f"var/log/azure/{VMSNAP}/extension.log", f"var/log/azure/{VMSNAP}/shell.log",
    "var/log/azure/custom-script/handler.log", f"var/log/azure/{CSE}/events/1714557600000.json",
    f"var/log/azure/{CSE}/CommandExecution.log", "etc/waagent.conf", "results.txt",
)

#: Lines that real files start with, so generated content also reaches the parsers' record paths.
REAL_LINES = (
    *WAAGENT_LINES.splitlines(),
    b"2024/04/24 20:48:33.570260 INFO ExtHandler [Microsoft.Azure.Extensions.CustomScript-2.1.6] cmd",
    b"2024-05-01 10:00:00,123 [INFO] T:S Enable failed with FailedRetryableSnapshotFailedNoNetwork error",
    b"May  1 10:00:00 vm1 python3[812]: 2024-05-01T10:00:00.000000Z INFO Daemon Daemon Azure Linux Agent",
    b'time=2024-05-01T10:00:00Z version=v2.1.10 operation=enable seq=0 event="failed to handle"',
    b"[stdout]", b"[stderr]", b"Traceback (most recent call last):", b"  File \"x.py\", line 1, in <module>",
    b"<GoalState><Incarnation>3</Incarnation></GoalState>", b'{"version": "1.0", "status": []}',
    b"AutoUpdate.Enabled=n", b"", b"\x00\x00\x00", b"\xff\xfe\xfd",
)

line = st.one_of(st.sampled_from(REAL_LINES), st.binary(max_size=120))
text_bytes = st.builds(
    lambda lines, ending, tail: ending.join(lines) + tail,
    st.lists(line, max_size=25), st.sampled_from([b"\n", b"\r\n"]), st.sampled_from([b"", b"\n", b"\r\n"]))
content = st.one_of(text_bytes, st.binary(max_size=3000))
random_path = st.from_regex(r"misc/[a-z]{1,8}\.(log|txt|json|xml|status|conf)", fullmatch=True)
member_path = st.one_of(st.sampled_from(REAL_PATHS), random_path)
bundles = st.dictionaries(member_path, content, min_size=1, max_size=6)
containers = st.sampled_from(["folder", "zip", "tar.gz"])

def blank_lines(data: bytes) -> int:
    """Physical lines holding nothing but whitespace, CR or NUL bytes.

    >>> blank_lines(b"a\\n\\r\\n \\x00\\nb")
    2
    """
    lines = data.split(b"\n")[: physical_lines(data)]
    return sum(1 for raw in lines if not raw.replace(b"\x00", b"").strip())


PROPERTY_SETTINGS = settings(max_examples=30, deadline=None, derandomize=True,
                             suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def write_bundle(root: Path, members: dict[str, bytes], container: str) -> Path:
    """``members`` as a folder, zip or tar.gz under ``root``."""
    if container == "folder":
        for name, data in members.items():
            target = root / "bundle" / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        return root / "bundle"
    if container == "zip":
        with zipfile.ZipFile(root / "bundle.zip", "w", zipfile.ZIP_DEFLATED) as zf:
            for name, data in members.items():
                zf.writestr(name, data)
        return root / "bundle.zip"
    with tarfile.open(root / "bundle.tar.gz", "w:gz") as tf:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    return root / "bundle.tar.gz"


@PROPERTY_SETTINGS
@given(members=bundles, container=containers)
def test_any_bytes_anywhere_analyse_and_every_line_is_accounted_for(members: dict[str, bytes],
                                                                   container: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = write_bundle(Path(tmp), members, container)
        bundle = loganalyzer.open_bundle(path)
        events = bundle.iter_events()
        result = bundle.analyze()
        for fmt in FORMATS:
            assert render(result, fmt)
    by_path = {c.path: c for c in result.coverage}
    for name, data in members.items():
        cov = by_path.get(name)
        assert cov is not None, f"{name} has no coverage entry: {sorted(by_path)}"
        if str(cov.status) != "parsed" or cov.kind == "binary":
            assert cov.reason, f"{name}: {cov.status} without a reason"
            continue
        assert cov.lines == physical_lines(data), (name, cov.kind, cov.lines)
        if cov.kind in LOG_KINDS:
            in_records = sum(e.line_end - e.line_start + 1 for e in events if e.path == name)
            dropped = cov.lines - in_records - cov.unparsed_lines
            assert 0 <= dropped <= blank_lines(data), (name, cov.kind, in_records, cov.unparsed_lines)
    assert result.stats["lines"] == sum(c.lines for c in result.coverage)


# ------------------------------------------------------------------------------ redaction

B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
SECRET_KINDS = ("sig", "protected", "password", "custom", "pem")


def secret(kind: str) -> st.SearchStrategy[str]:
    """A random secret; its first letters name its kind so every one is distinct."""
    return st.text(alphabet=B64, min_size=20, max_size=40).map(lambda s: f"Qz{kind[:3]}{s}")


def plant(secrets: dict[str, str]) -> dict[str, bytes]:
    """A collect-logs-like bundle with every secret in the places agents really put them."""
    sig, prot, password, custom, pem = (secrets[k] for k in SECRET_KINDS)
    sas = ("https://md-hdd.blob.core.windows.net/$system/vm.status?sv=2018-03-28&sr=b&sk=system-1"
           f"&sig={sig}%3D&se=9999-01-01T00%3A00%3A00Z&sp=rw")
    pem_block = "-----BEGIN PRIVATE KEY-----\n" + "\n".join(pem[i:i + 16] for i in range(0, len(pem), 16)) \
        + "\n-----END PRIVATE KEY-----"
    settings_json = json.dumps({"runtimeSettings": [{"handlerSettings": {
        "protectedSettingsCertThumbprint": "0A1B2C3D4E5F", "protectedSettings": prot,
        "publicSettings": {"commandToExecute": "echo ok"}}}]})
    log = (
        f"2024-05-01T10:00:00.000000Z WARNING ExtHandler ExtHandler Fetch failed: [HttpError] [HTTP Failed] "
        f"PUT {sas} -- IOError timed out -- 6 attempts made\n"
        f"2024-05-01T10:00:01.000000Z ERROR ExtHandler ExtHandler Failed to decrypt: {pem_block}\n"
        f"2024-05-01T10:00:02.000000Z INFO ExtHandler ExtHandler Settings: {settings_json}\n"
        f"2024-05-01T10:00:03.000000Z ERROR ExtHandler ExtHandler Upload failed: sig={sig} &se=1\n"
    )
    escaped = settings_json.replace('"', "&quot;")
    extensions_config = (
        '<?xml version="1.0" encoding="utf-8"?>\n<Extensions version="1.0.0.0" goalStateIncarnation="3">'
        f"<StatusUploadBlob statusBlobType=\"PageBlob\">{sas.replace('&', '&amp;')}</StatusUploadBlob>"
        f'<PluginSettings><Plugin name="{CSE}" version="2.1.10"><RuntimeSettings seqNo="0">{escaped}'
        "</RuntimeSettings></Plugin></PluginSettings></Extensions>\n")
    ovf = ('<?xml version="1.0" encoding="utf-8"?>\n<ns0:Environment xmlns:ns0="http://schemas.dmtf.org/ovf/'
           'environment/1" xmlns:ns1="http://schemas.microsoft.com/windowsazure"><ns1:ProvisioningSection>'
           f"<ns1:LinuxProvisioningConfigurationSet><ns1:UserName>azureuser</ns1:UserName>"
           f"<ns1:UserPassword>{password}</ns1:UserPassword><ns1:CustomData>{custom}</ns1:CustomData>"
           "</ns1:LinuxProvisioningConfigurationSet></ns1:ProvisioningSection></ns0:Environment>\n")
    status = json.dumps([{"version": 1.0, "timestampUTC": "2024-05-01T10:00:00Z", "status": {
        "name": VMSNAP, "operation": "Enable", "status": "error", "code": 76,
        "formattedMessage": {"lang": "en-US", "message": f"upload to {sas} failed; {pem_block}"}}}])
    return {
        "var/log/waagent.log": log.encode(),
        f"var/log/azure/{VMSNAP}/extension.log":
            f"2024-05-01 10:00:00,123 [INFO] T:S blobUri: {sas}\n".encode(),
        f"var/lib/waagent/{VMSNAP}-1.0.9225.0/status/0.status": status.encode(),
        f"var/lib/waagent/{CSE}-2.1.10/config/0.settings": settings_json.encode(),
        "var/lib/waagent/ExtensionsConfig.1.xml": extensions_config.encode(),
        "var/lib/waagent/ovf-env.xml": ovf.encode(),
        "var/lib/waagent/waagent_status.json": json.dumps({"aggregateStatus": {"handlerAggregateStatus": [
            {"handlerName": CSE, "status": "Ready", "formattedMessage": {"message": f"{sas}"}}]}}).encode(),
        "misc/notes.txt": f"password={password}\nCustomData: {custom}\n{pem_block}\n".encode(),
    }


@PROPERTY_SETTINGS
@given(secrets=st.fixed_dictionaries({k: secret(k) for k in SECRET_KINDS}), container=containers)
def test_planted_secrets_never_reach_any_output(secrets: dict[str, str], container: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = write_bundle(Path(tmp), plant(secrets), container)
        bundle = loganalyzer.open_bundle(path)
        outputs = {fmt: render(bundle.analyze(), fmt) for fmt in FORMATS}
        outputs["events"] = bundle.events.to_csv()
        outputs["coverage"] = bundle.coverage.to_csv()
    pieces = {(name, p) for name, value in secrets.items() for p in (value, value[:14], value[-14:])}
    pieces |= {("pem", secrets["pem"][i:i + 16]) for i in range(0, len(secrets["pem"]) - 10, 16)}
    for where, text in outputs.items():
        for name, piece in pieces:
            assert piece not in text, f"{name} secret ({piece}) leaked into {where}"
