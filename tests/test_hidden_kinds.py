"""Files of no known name are read for meaning (issue 14), each test built from bytes in it.

A portal or backup-job error (code or English message, ``portal_errors.toml``) in a ticket's
text, a deployment error saved as JSON, an extension status copied out of its folder, a status
message saved as text, a journal exported as JSON, agent lines in a file named anything: each
is found by its content.  A portal code found in the bundle counts like ``--error-code``.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

import loganalyzer

REPORTED = {"critical", "error", "warning"}
VMSNAP = "Microsoft.Azure.RecoveryServices.VMSnapshotLinux"


def analyze(tmp_path: Path, files: dict[str, bytes], **options):
    folder = tmp_path / "bundle"
    for name, data in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    return loganalyzer.analyze(folder, **options)


def reported(result) -> set[str]:
    return {f.cause for f in result.findings if str(f.severity) in REPORTED}


def test_a_portal_code_in_a_ticket_text_counts_like_error_code(tmp_path: Path) -> None:
    result = analyze(tmp_path, {"ticket.txt": b"Customer says: backup job 4711 failed\n"
                                              b"Error code: UserErrorRpCollectionLimitReached\n"})
    [finding] = [f for f in result.findings if f.cause == "restore_point_limit_or_lock"]
    assert str(finding.severity) == "error"
    assert [(e.path, e.line_start) for e in finding.evidence] == [("ticket.txt", 2)]
    assert "UserErrorRpCollectionLimitReached" in finding.summary
    assert result.causes[0].cause == "restore_point_limit_or_lock"
    assert str(result.causes[0].verdict) == "detected"


def test_the_english_portal_message_alone_is_enough(tmp_path: Path) -> None:
    result = analyze(tmp_path, {"portal.txt": b"Backup failed.\nThe Restore Point Collection max limit has "
                                              b"reached. Delete old restore points and retry.\n"})
    assert "restore_point_limit_or_lock" in reported(result)


def test_a_code_in_a_non_english_paste_orders_the_verdicts_as_error_code_does(tmp_path: Path) -> None:
    code = "GuestAgentSnapshotTaskStatusError"
    paste = f"Die Sicherung ist fehlgeschlagen: {code} (Die Kommunikation mit dem VM-Agent ging nicht)\n"
    found = analyze(tmp_path / "a", {"fehler.txt": paste.encode()})
    given = analyze(tmp_path / "b", {"fehler.txt": b"Die Sicherung ist fehlgeschlagen.\n"}, error_code=code)
    assert [v.cause for v in found.causes] == [v.cause for v in given.causes]
    assert found.causes[0].cause == "agent_not_running"


def test_a_deployment_error_saved_as_json_is_read(tmp_path: Path) -> None:
    error = {"status": "Failed", "error": {"code": "DeploymentFailed", "message": "At least one resource "
             "deployment operation failed.", "details": [{"code": "ExtensionSnapshotFailedNoNetwork",
             "message": "Snapshot operation failed due to no network connectivity on the virtual machine."}]}}
    text = json.dumps(error, indent=2).encode()
    result = analyze(tmp_path, {"deployment-error.json": text})
    [finding] = [f for f in result.findings if f.cause == "no_network"]
    assert str(finding.severity) == "warning"
    line = text.decode().splitlines().index('        "code": "ExtensionSnapshotFailedNoNetwork",') + 1
    assert [(e.path, e.line_start) for e in finding.evidence] == [("deployment-error.json", line)]


def test_an_extension_status_copied_out_of_its_folder_is_read(tmp_path: Path) -> None:
    status = [{"version": "1.0", "timestampUTC": "2024-05-14T21:10:00Z", "status": {
        "name": VMSNAP, "operation": "Enable", "status": "error", "code": 76,
        "formattedMessage": {"lang": "en-US", "message": "Enable failed with "
                                                         "FailedRetryableSnapshotFailedNoNetwork error"}}}]
    result = analyze(tmp_path, {"status-copy.json": json.dumps(status).encode()})
    assert {"no_network", "snapshot_failed"} <= reported(result)
    assert any(f.extension == VMSNAP for f in result.findings if f.cause == "snapshot_failed")


def test_a_status_message_saved_as_text_is_read(tmp_path: Path) -> None:
    text = b"Enable failed with FailedRetryableSnapshotFailedNoNetwork error\n"
    result = analyze(tmp_path, {"status-message.txt": text})
    assert "no_network" in reported(result)


def test_a_journal_exported_as_json_is_read_by_content(tmp_path: Path) -> None:
    lines = [
        "2025-07-30T02:15:50.694099Z ERROR ExtHandler ExtHandler Error fetching the goal state certificates: "
        "Cannot convert PFX to PEM",
        "2025-07-30T02:15:51.694099Z ERROR ExtHandler ExtHandler Error fetching the goal state certificates: "
        "Cannot convert PFX to PEM",
    ]
    export = "\n".join(json.dumps({"__REALTIME_TIMESTAMP": str(1753841750694099 + i * 1_000_000),
                                   "SYSLOG_IDENTIFIER": "python3", "_PID": "812", "PRIORITY": "3",
                                   "MESSAGE": line}) for i, line in enumerate(lines)) + "\n"
    direct = analyze(tmp_path / "a", {"waagent.log": ("\n".join(lines) + "\n").encode()})
    result = analyze(tmp_path / "b", {"journal.json": export.encode()})
    assert "certificates" in reported(direct)
    assert reported(result) == reported(direct)
    [cov] = result.coverage
    assert (cov.lines, cov.records, cov.unparsed_lines) == (2, 2, 0)


def test_agent_lines_in_a_file_of_any_name_are_found(tmp_path: Path) -> None:
    paste = (b"  Hi team, the agent log shows:\n"
             b"  2025-07-30T02:15:50.694099Z ERROR ExtHandler ExtHandler Error fetching the goal state "
             b"certificates: Cannot convert PFX to PEM\n"
             b"  2025-07-30T02:15:52.000000Z ERROR ExtHandler ExtHandler Error fetching the goal state "
             b"certificates: Cannot convert PFX to PEM\n")
    result = analyze(tmp_path, {"notes-from-customer.md": paste})
    assert "certificates" in reported(result)


def test_a_document_of_no_known_shape_stays_unread(tmp_path: Path) -> None:
    # A ticket's case file quotes log lines as descriptions: they are not evidence.
    case = {"title": "backup fails", "expected_causes": ["no_network"], "evidence_lines": [
        "Enable failed with FailedRetryableSnapshotFailedNoNetwork error",
        "2025-07-30T02:15:50.694099Z ERROR ExtHandler ExtHandler Error fetching the goal state certificates"]}
    result = analyze(tmp_path, {"case.json": json.dumps(case).encode()})
    assert reported(result) == set()
    [cov] = result.coverage
    assert str(cov.status) == "skipped" and "unknown kind" in (cov.reason or "")


def test_error_code_option_still_works_without_any_file_naming_it(tmp_path: Path) -> None:
    result = analyze(tmp_path, {"notes.txt": b"nothing here\n"},
                     error_code="UserErrorRpCollectionLimitReached")
    assert "restore_point_limit_or_lock" in reported(result)


def test_vmsnapshot_status_codes_in_any_text_are_read(tmp_path: Path) -> None:
    freeze = analyze(tmp_path / "a", {"job.txt": b"Job details: StatusCode.FailedRetryableFsFreezeTimeout\n"})
    network = analyze(tmp_path / "b", {"job.txt": b"Error: FailedRetryableSnapshotFailedNoNetwork\n"})
    assert "snapshot_failed" in reported(freeze)
    assert "no_network" in reported(network)


DF_FULL = (b"$ df -h\n"
           b"Filesystem      Size  Used Avail Use% Mounted on\n"
           b"/dev/root        29G   29G     0 100% /\n"
           b"tmpfs           3.9G     0  3.9G   0% /dev/shm\n"
           b"/dev/loop3        56M   56M     0 100% /snap/core18/2128\n")
DF_INODES = (b"Filesystem              Inodes   IUsed IFree IUse% Mounted on\n"
             b"/dev/mapper/rootvg-varlv\n"
             b"                        524288  524288     0  100% /var\n")
DU_HISTORY = (b"# du -sh /var/lib/waagent/* | sort -h\n"
              b"4.0K\t/var/lib/waagent/Certificates.json\n"
              b"1.2M\t/var/lib/waagent/WALinuxAgent-2.9.1.1\n"
              b"24G\t/var/lib/waagent/history\n")
DU_ALL = (b"$ sudo du -a /var/lib/waagent/history | sort -n | tail -3\n"
          b"912\t/var/lib/waagent/history/2024-05-14T21-00-01__3.zip\n"
          b"20480\t/var/lib/waagent/history/2024-05-14T21-00-01__3\n"
          b"31457280\t/var/lib/waagent/history\n")


def test_a_df_listing_with_a_full_root_or_var_is_the_disk_cause(tmp_path: Path) -> None:
    space = analyze(tmp_path / "a", {"df.txt": DF_FULL})
    inodes = analyze(tmp_path / "b", {"df-i.txt": DF_INODES})
    [full] = [f for f in space.findings if f.cause == "disk_full"]
    assert str(full.severity) == "error" and [e.line_start for e in full.evidence] == [3]
    [exhausted] = [f for f in inodes.findings if f.cause == "disk_full"]
    assert [(e.line_start, e.line_end) for e in exhausted.evidence] == [(2, 3)]
    assert "/var" in exhausted.summary


def test_a_du_listing_of_a_huge_history_folder_is_evidence_for_the_disk_cause(tmp_path: Path) -> None:
    for name, data, line in (("du.txt", DU_HISTORY, 4), ("du-a.txt", DU_ALL, 4)):
        result = analyze(tmp_path / name, {name: data})
        [finding] = [f for f in result.findings if f.cause == "disk_full"]
        assert str(finding.severity) == "warning"
        assert [(e.path, e.line_start) for e in finding.evidence] == [(name, line)]


def test_a_df_or_du_listing_of_a_healthy_vm_is_no_evidence(tmp_path: Path) -> None:
    healthy = (b"Filesystem      Size  Used Avail Use% Mounted on\n/dev/root        29G   13G   16G  44% /\n"
               b"/dev/loop3        56M   56M     0 100% /snap/core18/2128\n"
               b"3.1M\t/var/lib/waagent/history\n812\t/var/lib/waagent/history/2024-05-14T21-00-01__3.zip\n")
    result = analyze(tmp_path, {"disk.txt": healthy})
    assert reported(result) == set()


def test_a_df_listing_pasted_under_agent_lines_is_still_read(tmp_path: Path) -> None:
    paste = (b"2025-07-30T02:15:50.694099Z INFO ExtHandler ExtHandler Checking for agent updates\n"
             b"2025-07-30T02:15:51.694099Z INFO ExtHandler ExtHandler Downloading agent manifest\n") + DF_FULL
    result = analyze(tmp_path, {"ticket-notes.txt": paste})
    assert "disk_full" in reported(result)


CSE = "Microsoft.Azure.Extensions.CustomScript"


def test_exit_codes_written_any_way_in_free_text_are_extension_failures(tmp_path: Path) -> None:
    for i, line in enumerate((f"{CSE}: enable returned 2",
                              f"Extension {CSE}: exit status 1",
                              f"{CSE} enable: command terminated with exit status=2",
                              f"{CSE} enable exited with code 3")):
        result = analyze(tmp_path / str(i), {"notes.txt": f"From the customer:\n{line}\n".encode()})
        [finding] = [f for f in result.findings if f.cause.startswith("extension_")]
        assert finding.extension == CSE and str(finding.severity) == "error", line
        assert [e.line_start for e in finding.evidence] == [2]


def test_an_exit_code_127_written_by_a_go_handler_is_a_missing_interpreter(tmp_path: Path) -> None:
    text = (f"{CSE} Enable failed: failed to execute command: command terminated with exit status=127\n"
            "[stdout]\n\n[stderr]\n/bin/sh: 1: python: not found\n").encode()
    result = analyze(tmp_path, {"status.txt": text})
    assert [f.rule_id for f in result.findings if str(f.severity) == "error"] == ["extension.not_executable"]


def test_a_zero_exit_code_or_an_http_answer_is_no_failure(tmp_path: Path) -> None:
    text = (f"{CSE} enable: exit status 0\nGET https://example.invalid/status returned 200 OK\n").encode()
    assert reported(analyze(tmp_path, {"notes.txt": text})) == set()


def test_an_exit_code_inside_a_deployment_error_json_is_read(tmp_path: Path) -> None:
    import io

    from loganalyzer.kinds import Kind
    from loganalyzer.model import FileCoverage
    from loganalyzer.parsers import documents
    from loganalyzer.parsers.base import ParseContext
    from loganalyzer.sources.base import Member
    error = {"error": {"code": "VMExtensionProvisioningError", "message": (
        f"VM has reported a failure when processing extension '{CSE}'. Error message: "
        "'Enable: command terminated with exit status 2'")}}
    data = json.dumps(error, indent=2).encode()
    member = Member("deployment-error.json", Kind.OTHER_DOCUMENT, lambda: io.BytesIO(data))
    [event] = documents.parse(member, ParseContext(FileCoverage(member.path, member.kind)))
    assert event.fields == {"error_code": "VMExtensionProvisioningError", "exit_code": 2}
    result = analyze(tmp_path, {"deployment-error.json": data})
    [finding] = [f for f in result.findings if f.cause.startswith("extension_")]
    assert finding.extension == CSE and str(finding.severity) == "error"


def test_a_waagent_log_pasted_as_one_line_is_read_under_its_own_name(tmp_path: Path) -> None:
    line = (b"2025-07-30T02:15:49.000000Z INFO ExtHandler ExtHandler Fetching goal state "
            b"2025-07-30T02:15:50.694099Z ERROR ExtHandler ExtHandler Error fetching the goal state "
            b"certificates: Cannot convert PFX to PEM "
            b"2025-07-30T02:15:52.000000Z ERROR ExtHandler ExtHandler Error fetching the goal state "
            b"certificates: Cannot convert PFX to PEM\n")
    result = analyze(tmp_path, {"var/log/waagent.log": line})
    assert "certificates" in reported(result)
    [cov] = result.coverage
    assert (cov.lines, cov.records, cov.unparsed_lines) == (1, 3, 0)


#: du's options → how it prints a 24 GiB history folder
HISTORY_24G = {"-sh": "24G", "-sk": "25165824", "-sm": "24576", "-sb": "25769803776",
               "-s --block-size=1M": "24576", "-s": "25165824"}


@pytest.mark.parametrize("flags", list(HISTORY_24G))
def test_a_du_listing_is_read_in_the_unit_its_command_asked_for(tmp_path: Path, flags: str) -> None:
    data = f"$ sudo du {flags} /var/lib/waagent/*\n{HISTORY_24G[flags]}\t/var/lib/waagent/history\n".encode()
    result = analyze(tmp_path, {"du.txt": data})
    [finding] = [f for f in result.findings if f.cause == "disk_full"]
    assert [e.line_start for e in finding.evidence] == [2]


@pytest.mark.parametrize("flags", ["-sm", "-sb", "-sk"])
def test_a_small_history_folder_is_no_evidence_in_any_unit(tmp_path: Path, flags: str) -> None:
    size = {"-sm": "3", "-sb": "25165824", "-sk": "3072"}[flags]   # -sb 24 MiB is small
    data = f"# du {flags} /var/lib/waagent/history\n{size}\t/var/lib/waagent/history\n".encode()
    assert "disk_full" not in reported(analyze(tmp_path, {"du.txt": data}))
