"""open_source on every input kind: folders, tar (any compression), zip, nested, rotations, single, live."""
from __future__ import annotations

import bz2
import gzip
import io
import lzma
import os
import tarfile
import zipfile
from pathlib import Path

import pytest

from loganalyzer.errors import InputError
from loganalyzer.kinds import Kind
from loganalyzer.limits import LimitExceeded, Limits
from loganalyzer.sources import BundleType, Source, open_source
from loganalyzer.sources.walker import READ_ERRORS

VMS = "Microsoft.Azure.RecoveryServices.VMSnapshotLinux"
WAAGENT = (b"2024-05-01T10:00:00.123456Z INFO ExtHandler ExtHandler "
           b"Azure Linux Agent (Goal State Agent version 2.11.1.4)\n")
VMS_LOG = (b"2024-05-01 10:05:00.100000 [Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0]"
           b"T:S Enable failed with FailedRetryableSnapshotFailedNoNetwork error\n")
TREE = {
    "var/log/waagent.log": WAAGENT,
    f"var/log/azure/{VMS}/extension.log": VMS_LOG,
    f"var/lib/waagent/{VMS}-1.0.9188.0/status/12.status": b'[{"status": {"status": "error"}}]',
    "etc/waagent.conf": b"AutoUpdate.Enabled=y\n",
}


def drain(source: Source) -> dict[str, tuple[Kind, bytes | str]]:
    """Read every member like the pipeline: keep what was read, note the error that stopped it."""
    out: dict[str, tuple[Kind, bytes | str]] = {}
    for member in source.members():
        if member.kind is Kind.BINARY:
            out[member.path] = (member.kind, b"")
            continue
        try:
            with member.open() as stream:
                out[member.path] = (member.kind, stream.read())
        except READ_ERRORS as error:
            out[member.path] = (member.kind, f"error: {error}")
    return out


def tar_bytes(files: dict[str, bytes], mode: str = "w") -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode=mode) as archive:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size, info.mtime = len(data), 1714557600
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def zip_bytes(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def write_tree(base: Path, files: dict[str, bytes]) -> Path:
    for name, data in files.items():
        target = base / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return base


def kinds(result: dict[str, tuple[Kind, bytes | str]]) -> dict[str, Kind]:
    return {path: kind for path, (kind, _) in result.items()}


# -- folders -----------------------------------------------------------------------------------
def test_folder_tree_yields_every_file_with_its_kind_and_extension(tmp_path: Path) -> None:
    source = open_source(write_tree(tmp_path, TREE))
    members = {m.path: m for m in source.members()}
    assert set(members) == set(TREE)
    status = members[f"var/lib/waagent/{VMS}-1.0.9188.0/status/12.status"]
    assert (status.kind, status.extension, status.extension_version) == \
        (Kind.HANDLER_STATUS, VMS, "1.0.9188.0")
    assert members["var/log/waagent.log"].open().read() == WAAGENT
    assert source.info.bundle_type is BundleType.ADHOC


def test_flat_folder_of_loose_files_is_classified_by_name(tmp_path: Path) -> None:
    loose = {"waagent.log": WAAGENT, "waagent.log.1": WAAGENT, "syslog": b"May  1 10:00:00 vm1 x\n",
             "messages": b"x\n", "serialconsole.log": b"x\n", "shell.log": b"x\n", "handler.log": b"time=x\n",
             "CommandExecution.log": b"x\n", "waagent.conf": b"x=y\n", "12.status": b"[]",
             "HandlerState": b"Enabled",
             "waagent_status.json": b"{}", "ExtensionsConfig.3.xml": b"<a/>", "GoalState.1.xml": b"<a/>"}
    got = kinds(drain(open_source(write_tree(tmp_path, loose))))
    assert got == {
        "waagent.log": Kind.WAAGENT_LOG, "waagent.log.1": Kind.WAAGENT_LOG, "syslog": Kind.SYSLOG,
        "messages": Kind.SYSLOG, "serialconsole.log": Kind.SERIAL_CONSOLE,
        "shell.log": Kind.VMSNAPSHOT_SHELL_LOG,
        "handler.log": Kind.HANDLER_LOGFMT, "CommandExecution.log": Kind.COMMAND_EXECUTION_LOG,
        "waagent.conf": Kind.WAAGENT_CONF, "12.status": Kind.HANDLER_STATUS,
        "HandlerState": Kind.HANDLER_STATE,
        "waagent_status.json": Kind.STATUS_BLOB, "ExtensionsConfig.3.xml": Kind.EXTENSIONS_CONFIG,
        "GoalState.1.xml": Kind.GOAL_STATE,
    }


def test_loose_extension_log_is_recognised_as_the_backup_extension_by_content(tmp_path: Path) -> None:
    member = next(open_source(write_tree(tmp_path, {"extension.log": VMS_LOG})).members())
    assert (member.kind, member.extension) == (Kind.VMSNAPSHOT_LOG, VMS)


def test_dev_corpus_case_folders_open(dev_corpus: Path) -> None:
    for case in sorted(p for p in dev_corpus.iterdir() if p.is_dir()):
        got = kinds(drain(open_source(case)))
        assert "case.json" in got
        if (case / "waagent.log").exists():
            assert got["waagent.log"] is Kind.WAAGENT_LOG


def test_extension_package_program_folders_are_listed_not_walked(tmp_path: Path) -> None:
    package = f"var/lib/waagent/{VMS}-1.0.9188.0"
    write_tree(tmp_path, {f"{package}/main/handle.py": b"print()", f"{package}/status/1.status": b"[]",
                          f"{package}/HandlerManifest.json": b"[]"})
    source = open_source(tmp_path)
    assert set(kinds(drain(source))) == {f"{package}/status/1.status", f"{package}/HandlerManifest.json"}
    assert [(e.path, e.reason) for e in source.entries] == [
        (f"{package}/main/", "extension package program folder; not read")]


def test_keys_and_certificates_are_listed_but_never_opened(tmp_path: Path) -> None:
    write_tree(tmp_path, {"var/lib/waagent/ABC.prv": b"-----BEGIN PRIVATE KEY-----"})
    member = next(open_source(tmp_path).members())
    assert member.kind is Kind.BINARY
    with pytest.raises(OSError, match="never read"):
        member.open()


def test_empty_folder_gives_no_members_and_says_so(tmp_path: Path) -> None:
    source = open_source(tmp_path)
    assert drain(source) == {}
    assert source.info.notes == ["the input holds no files"]


def test_an_empty_input_file_is_no_member_and_says_it_is_empty(tmp_path: Path) -> None:
    (tmp_path / "waagent.log").write_bytes(b"")
    source = open_source(tmp_path / "waagent.log")
    assert drain(source) == {}
    assert [(e.path, e.reason) for e in source.entries] == \
        [("waagent.log", "the input is empty (0 bytes); nothing to analyse")]
    assert source.info.bundle_type is BundleType.SINGLE_FILE


def test_an_empty_file_inside_a_folder_is_still_a_member(tmp_path: Path) -> None:
    (tmp_path / "waagent.log").write_bytes(b"")
    assert drain(open_source(tmp_path)) == {"waagent.log": (Kind.WAAGENT_LOG, b"")}


# -- tar, every compression, detected by content -----------------------------------------------
@pytest.mark.parametrize(("mode", "name"), [
    ("w", "bundle.tar"), ("w:gz", "bundle.tar.gz"), ("w:gz", "bundle.tgz"), ("w:xz", "bundle.tar.xz"),
    ("w:bz2", "bundle.tar.bz2"), ("w:gz", "no-extension"), ("w:xz", "lying-name.zip"),
])
def test_tar_in_every_compression_opens_by_content(tmp_path: Path, mode: str, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(tar_bytes({f"bundle/{k}": v for k, v in TREE.items()}, mode))
    got = drain(open_source(path))
    assert {p: data for p, (_, data) in got.items()} == {f"bundle/{k}": v for k, v in TREE.items()}


def test_tar_member_stream_is_handed_out_once(tmp_path: Path) -> None:
    (tmp_path / "b.tar").write_bytes(tar_bytes({"var/log/waagent.log": WAAGENT}))
    member = next(open_source(tmp_path / "b.tar").members())
    assert member.open().read() == WAAGENT
    with pytest.raises(OSError, match="only once"):
        member.open()


def test_zip_named_tgz_still_opens_as_zip(tmp_path: Path) -> None:
    (tmp_path / "logs.tgz").write_bytes(zip_bytes(TREE))
    assert set(drain(open_source(tmp_path / "logs.tgz"))) == set(TREE)


def test_tar_gz_that_is_plain_text_is_read_as_one_text_file(tmp_path: Path) -> None:
    (tmp_path / "bundle.tar.gz").write_bytes(WAAGENT)
    source = open_source(tmp_path / "bundle.tar.gz")
    assert drain(source) == {"bundle.tar.gz": (Kind.OTHER_TEXT, WAAGENT)}
    assert source.info.bundle_type is BundleType.SINGLE_FILE
    assert "bundle.tar.gz is named like an archive but is plain text" in source.info.notes[0]


def test_binary_junk_named_like_an_archive_is_a_clear_input_error(tmp_path: Path) -> None:
    (tmp_path / "bundle.tar.gz").write_bytes(b"\x7fELF\x02\x01\x01" + bytes(range(256)) * 4)
    with pytest.raises(InputError, match="not a zip, tar, gzip"):
        open_source(tmp_path / "bundle.tar.gz")


# -- compressed rotations and single files -----------------------------------------------------
ROTATIONS = {
    "var/log/waagent.log.2.gz": gzip.compress(WAAGENT, mtime=0),
    "var/log/waagent.log-2023-05-01-1682899200.gz": gzip.compress(WAAGENT, mtime=0),
    "var/log/syslog.3.xz": lzma.compress(b"May  1 10:00:00 vm1 kernel: x\n"),
    "var/log/messages-20240428.bz2": bz2.compress(b"May  1 10:00:00 vm1 kernel: x\n"),
    "var/log/waagent.log.1": gzip.compress(WAAGENT, mtime=0),     # gzip data without a .gz name
}


@pytest.mark.parametrize("container", ["folder", "tar", "zip"])
def test_compressed_rotations_are_decompressed_and_classified_without_the_suffix(
        tmp_path: Path, container: str) -> None:
    if container == "folder":
        path = write_tree(tmp_path / "f", ROTATIONS)
    else:
        path = tmp_path / f"b.{container}"
        path.write_bytes(tar_bytes(ROTATIONS) if container == "tar" else zip_bytes(ROTATIONS))
    got = drain(open_source(path))
    assert got["var/log/waagent.log.2.gz"] == (Kind.WAAGENT_LOG, WAAGENT)
    assert got["var/log/waagent.log-2023-05-01-1682899200.gz"] == (Kind.WAAGENT_LOG, WAAGENT)
    assert got["var/log/waagent.log.1"] == (Kind.WAAGENT_LOG, WAAGENT)
    assert got["var/log/syslog.3.xz"][0] is Kind.SYSLOG
    assert got["var/log/messages-20240428.bz2"] == (Kind.SYSLOG, b"May  1 10:00:00 vm1 kernel: x\n")


def test_single_plain_file_and_single_gz_file(tmp_path: Path) -> None:
    (tmp_path / "waagent.log").write_bytes(WAAGENT)
    (tmp_path / "waagent.log.4.gz").write_bytes(gzip.compress(WAAGENT))
    assert drain(open_source(tmp_path / "waagent.log")) == {"waagent.log": (Kind.WAAGENT_LOG, WAAGENT)}
    single_gz = open_source(tmp_path / "waagent.log.4.gz")
    assert drain(single_gz) == {"waagent.log.4.gz": (Kind.WAAGENT_LOG, WAAGENT)}
    assert single_gz.info.bundle_type is BundleType.SINGLE_FILE
    assert "goal_state" in single_gz.info.cannot_contain


# -- collect-logs, history zips, nested archives -------------------------------------------------
def history_zip() -> bytes:
    return zip_bytes({"GoalState.xml": b"<GoalState><Incarnation>3</Incarnation></GoalState>",
                      "ExtensionsConfig.xml": b"<Extensions/>", "waagent_status.json": b"{}"})


def collect_logs_zip() -> bytes:
    return zip_bytes({
        "results.txt": b"2024-05-01T12:00:00Z INFO ### Probing Directories ###\n",
        "var/log/waagent.log": WAAGENT,
        "truncated__var_log_syslog.1": b"May  1 10:00:00 vm1 kernel: tail\n",
        f"var/log/azure/{VMS}/extension.log": VMS_LOG,
        "var/lib/waagent/history/2024-05-01T10-00-00__3.zip": history_zip(),
        "etc/waagent.conf": b"Logs.Verbose=n\n",
    })


def test_collect_logs_zip_maps_truncated_names_and_opens_history_zips(tmp_path: Path) -> None:
    (tmp_path / "logs.zip").write_bytes(collect_logs_zip())
    source = open_source(tmp_path / "logs.zip")
    members = {m.path: m for m in source.members()}
    history = "var/lib/waagent/history/2024-05-01T10-00-00__3.zip"
    assert members["results.txt"].kind is Kind.COLLECTOR_RESULTS
    assert members[f"{history}/GoalState.xml"].kind is Kind.GOAL_STATE
    assert members[f"{history}/ExtensionsConfig.xml"].kind is Kind.EXTENSIONS_CONFIG
    assert members[f"{history}/waagent_status.json"].kind is Kind.STATUS_BLOB
    truncated = members["truncated__var_log_syslog.1"]
    assert truncated.kind is Kind.SYSLOG
    assert truncated.notes == ["cut by waagent -collect-logs to its last 30 MB (the start of the file is "
                               "missing); read as var/log/syslog.1"]
    assert [(e.path, e.kind, e.notes) for e in source.entries] == [
        (history, "history_archive", ["archive opened as a folder: 3 entries"])]
    assert source.info.bundle_type is BundleType.COLLECT_LOGS
    assert "goal_state" not in source.info.cannot_contain            # seen inside the history zip
    assert {"heartbeat", "mrseq", "incarnation"} <= set(source.info.cannot_contain)


def test_nested_tar_gz_inside_a_zip_is_streamed_as_a_folder(tmp_path: Path) -> None:
    inner = tar_bytes({"var/log/waagent.log": WAAGENT}, "w:gz")
    (tmp_path / "case.zip").write_bytes(zip_bytes({"customer/bundle.tar.gz": inner, "notes.txt": b"hi\n"}))
    got = drain(open_source(tmp_path / "case.zip"))
    assert got["customer/bundle.tar.gz/var/log/waagent.log"] == (Kind.WAAGENT_LOG, WAAGENT)


def test_compressed_zip_inside_a_folder_is_opened(tmp_path: Path) -> None:
    (tmp_path / "logs.zip.xz").write_bytes(lzma.compress(zip_bytes({"var/log/waagent.log": WAAGENT})))
    got = drain(open_source(tmp_path))
    assert got == {"logs.zip.xz/var/log/waagent.log": (Kind.WAAGENT_LOG, WAAGENT)}


def test_zip_inside_a_tar_is_opened_in_memory(tmp_path: Path) -> None:
    (tmp_path / "b.tar.xz").write_bytes(tar_bytes({"logs.zip": collect_logs_zip()}, "w:xz"))
    got = drain(open_source(tmp_path / "b.tar.xz"))
    assert got["logs.zip/var/log/waagent.log"] == (Kind.WAAGENT_LOG, WAAGENT)


# -- bundle types --------------------------------------------------------------------------------
def test_sosreport_tar_xz_cannot_contain_waagent_state(tmp_path: Path) -> None:
    top = "sosreport-vm1-2024-05-01-abcdef"
    (tmp_path / "sos.tar.xz").write_bytes(tar_bytes({
        f"{top}/var/log/waagent.log": WAAGENT,
        f"{top}/sos_commands/azure/instance_metadata.json": b"{}"}, "w:xz"))
    source = open_source(tmp_path / "sos.tar.xz")
    drain(source)
    assert source.info.bundle_type is BundleType.SOSREPORT
    cannot = set(source.info.cannot_contain)
    assert {"goal_state", "handler_status", "status_blob", "history_archive"} <= cannot
    assert "no /var/lib/waagent content" in source.info.notes[0]


def test_disk_inspection_zip_is_recognised_and_its_results_txt_is_not_the_collectors(tmp_path: Path) -> None:
    (tmp_path / "inspect.zip").write_bytes(zip_bytes({
        "results.txt": b"Execution start time: 10:00:00.\r\n",
        "device_0/var/log/waagent.log": WAAGENT,
        "device_0/var/lib/waagent/GoalState.3.xml": b"<GoalState/>"}))
    source = open_source(tmp_path / "inspect.zip")
    got = kinds(drain(source))
    assert got["results.txt"] is Kind.OTHER_TEXT
    assert got["device_0/var/lib/waagent/GoalState.3.xml"] is Kind.GOAL_STATE
    assert source.info.bundle_type is BundleType.DISK_INSPECTION


def test_unpacked_disk_inspection_folder_is_recognised(tmp_path: Path) -> None:
    write_tree(tmp_path, {"results.txt": b"Execution start time: 10:00:00.\r\n",
                          "device_0/var/log/waagent.log": WAAGENT})
    source = open_source(tmp_path)
    assert kinds(drain(source))["results.txt"] is Kind.OTHER_TEXT
    assert source.info.bundle_type is BundleType.DISK_INSPECTION


# -- live system -----------------------------------------------------------------------------------
def test_live_system_under_a_root_reads_only_agent_files(tmp_path: Path) -> None:
    write_tree(tmp_path, {**TREE, "var/log/waagent.log.1.gz": gzip.compress(WAAGENT),
                          "var/log/syslog": b"x\n", "var/log/dpkg.log": b"x\n", "etc/passwd": b"r:x:0\n"})
    source = open_source(None, root=str(tmp_path))
    got = drain(source)
    assert set(got) == {*TREE, "var/log/waagent.log.1.gz", "var/log/syslog"}
    assert source.info.bundle_type is BundleType.LIVE_SYSTEM


def test_live_root_without_agent_files_is_an_input_error(tmp_path: Path) -> None:
    write_tree(tmp_path, {"var/log/syslog": b"x\n"})
    with pytest.raises(InputError, match="no guest-agent files"):
        open_source(None, root=str(tmp_path))


@pytest.mark.skipif(os.path.exists("/var/log/waagent.log") or os.path.exists("/var/lib/waagent"),
                    reason="this machine is an Azure VM with agent files")
def test_no_path_on_a_machine_without_an_agent_points_at_the_samples() -> None:
    with pytest.raises(InputError, match="sample_logs"):
        open_source(None)


# -- unusable inputs -------------------------------------------------------------------------------
def test_missing_path_is_one_clear_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file or folder"):
        open_source(tmp_path / "nope.zip")


@pytest.mark.skipif(os.geteuid() == 0, reason="root can read a chmod 000 file")
def test_unreadable_file_is_an_input_error_and_inside_a_folder_a_skipped_entry(tmp_path: Path) -> None:
    write_tree(tmp_path, TREE)
    locked = tmp_path / "var/log/waagent.log"
    locked.chmod(0)
    try:
        with pytest.raises(InputError, match="cannot be read"):
            open_source(locked)
        source = open_source(tmp_path)
        got = drain(source)
        assert "var/log/waagent.log" not in got
        assert [(e.path, e.reason) for e in source.entries] == [
            ("var/log/waagent.log", "unreadable: permission denied")]
    finally:
        locked.chmod(0o644)


def test_member_bytes_are_capped_and_the_read_part_kept(tmp_path: Path) -> None:
    (tmp_path / "waagent.log").write_bytes(WAAGENT * 100)
    member = next(open_source(tmp_path / "waagent.log", limits=Limits(max_member_bytes=1000)).members())
    stream = member.open()
    kept = stream.read(1000)
    assert kept == (WAAGENT * 100)[:1000]
    with pytest.raises(LimitExceeded, match="member byte limit"):
        stream.read()
