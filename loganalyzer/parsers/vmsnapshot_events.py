"""The closed vocabulary of what a backup-extension record reports: ``vms_event``, ``vms_phase``.

Which statement reports what is written on the statement's own catalog entry
(``loganalyzer/catalog/data/vmbackup.toml``: ``vms_event``, ``vms_phase``, ``vms_code``); the
parser (:mod:`loganalyzer.parsers.vmsnapshot`) looks for each such entry's routing anchor in a
record.  This module holds no message words: only the names, what each means, and the order in
which the names win when one record holds the anchors of several statements (first route wins).
The catalog loader checks every entry's ``(vms_event, vms_phase, vms_code)`` against
:data:`ROUTES`.
"""
from __future__ import annotations

#: what a record reports → what it means
VMS_EVENTS: dict[str, str] = {
    "freeze_block_start": "the logger starts holding lines back while the file systems are frozen",
    "freeze_block_end": "the held-back lines follow: the freeze is over",
    "freeze_timeout": "the freeze took longer than its timeout (status 122)",
    "freeze_result": "the freezer's result (vms_freeze_result, vms_freeze_timed_out)",
    "freeze_start": "the freeze starts, with its timeout (vms_freeze_timeout)",
    "crp_timeout_thaw": "thawing early because the platform's (CRP) time limit is reached",
    "crp_timeout": "the platform's (CRP) time limit is reached",
    "thaw_result": "the thaw's result (vms_thaw_result)",
    "thaw_signal": "the thaw signal is sent to the freeze binary",
    "safefreeze_missing": "the safefreeze binary is missing (status 124)",
    "freeze_failed": "freezing a mount failed",
    "frozen": "every mount is frozen",
    "thaw_failed": "thawing a mount failed",
    "unable_to_sleep": "the machine could not wait between snapshot retries",
    "snapshots_inconsistent": "the disks' snapshots are not consistent with each other",
    "snapshot_rate_exceeded": "storage throttled the snapshot requests (status 173)",
    "snapshot_limit_reached": "the blob's snapshot count limit is reached (status 85)",
    "snapshot_restricted_network": "the snapshot failed on a restricted network (status 761)",
    "snapshot_no_network": "the snapshot failed for want of network (status 76)",
    "host_remote_server_error": "the host's snapshot service answered with a server error (status 556)",
    "snapshot_no_blobs": "no disk blob to snapshot",
    "bhs_not_running": "the host's backup service is not running",
    "wrong_wireserver_ip": "the snapshot request went to a wrong WireServer address",
    "presnapshot_status": "the HTTP status of the pre-snapshot request (vms_http_status)",
    "presnapshot_call": "the pre-snapshot request is being sent",
    "host_snapshot_result": "the host's answer per disk (vms_snapshot_ok, vms_snapshot_error)",
    "snapshot_result": "a disk snapshot's result (vms_snapshot_ok, vms_snapshot_error)",
    "host_snapshot_response": "the host's snapshot response body",
    "host_snapshot_start": "the snapshot is taken through the host",
    "snapshot_call": "the snapshot request is being sent",
    "snapshot_http_failed": "the snapshot's HTTP request failed",
    "snapshot_failed": "taking the snapshot failed",
    "snapshot_start": "the snapshot starts",
    "snapshot_end": "the snapshot step returned",
    "certificate_load_failed": "the settings' certificate could not be loaded (status 16)",
    "prescript_failed": "a pre-script plugin failed",
    "postscript_failed": "a post-script plugin failed",
    "plugin_precheck_failed": "the pre/post script host's precheck failed",
    "workload_failed": "the workload (database) patch step failed",
    "enable_succeeded": "enable succeeded with an application-consistent snapshot",
    "task_already_processed": "the task was processed before: skipped (status 3)",
    "seq_already_processed": "the sequence number was processed before: skipped",
    "bad_settings": "a required settings field is empty or wrong (status 11)",
    "bad_command": "the command in the settings is wrong (status 11)",
    "enable_failed": "the enable step failed",
    "daemon_failed": "calling the backup daemon failed (status 2)",
    "daemon_start": "enable hands the backup to its daemon",
    "enable_start": "the enable step starts",
    "task_id": "the task's id (vms_task_id)",
    "upload_failed": "writing the status blob failed",
    "install_succeeded": "the extension installed",
    "status_report": "a status echo (Enable,error,76,…): operation, status, code, message",
}

VMS_PHASES = ("enable", "install", "daemon", "presnapshot", "freeze", "snapshot", "thaw", "prepost",
              "workload", "status", "upload")

#: (vms_event or None for a phase only, vms_phase, status code the statement always means) in the
#: order they win when a record holds the anchors of several statements
ROUTES: tuple[tuple[str | None, str, int | None], ...] = (
    ("freeze_block_start", "freeze", None),
    ("freeze_block_end", "thaw", None),
    ("freeze_timeout", "freeze", 122),
    ("freeze_result", "freeze", None),
    ("freeze_start", "freeze", None),
    ("crp_timeout_thaw", "thaw", None),
    ("crp_timeout", "enable", 402),
    ("crp_timeout", "snapshot", None),
    ("thaw_result", "thaw", None),
    ("thaw_signal", "thaw", None),
    ("safefreeze_missing", "freeze", 124),
    ("freeze_failed", "freeze", 123),
    ("freeze_failed", "freeze", None),
    ("frozen", "freeze", None),
    ("thaw_failed", "thaw", None),
    ("unable_to_sleep", "snapshot", None),
    ("snapshots_inconsistent", "snapshot", None),
    ("snapshot_rate_exceeded", "snapshot", 173),
    ("snapshot_limit_reached", "snapshot", 85),
    ("snapshot_restricted_network", "snapshot", 761),
    ("snapshot_no_network", "snapshot", 76),
    ("host_remote_server_error", "snapshot", 556),
    ("snapshot_no_blobs", "snapshot", None),
    ("bhs_not_running", "presnapshot", None),
    ("wrong_wireserver_ip", "presnapshot", None),
    ("wrong_wireserver_ip", "snapshot", None),
    ("presnapshot_status", "presnapshot", None),
    ("presnapshot_call", "presnapshot", None),
    (None, "presnapshot", None),
    ("host_snapshot_result", "snapshot", None),
    ("snapshot_result", "snapshot", None),
    ("host_snapshot_response", "snapshot", None),
    ("host_snapshot_start", "snapshot", None),
    ("snapshot_call", "snapshot", None),
    ("snapshot_http_failed", "snapshot", None),
    ("snapshot_failed", "snapshot", None),
    ("snapshot_start", "snapshot", None),
    ("snapshot_end", "snapshot", None),
    ("certificate_load_failed", "enable", 16),
    ("prescript_failed", "prepost", None),
    ("postscript_failed", "prepost", None),
    ("plugin_precheck_failed", "prepost", None),
    ("workload_failed", "workload", None),
    ("enable_succeeded", "enable", None),
    ("task_already_processed", "enable", 3),
    ("seq_already_processed", "enable", None),
    ("bad_settings", "enable", 11),
    ("bad_command", "enable", 11),
    ("enable_failed", "snapshot", 2),
    ("daemon_failed", "daemon", 2),
    ("daemon_start", "daemon", None),
    ("enable_start", "enable", None),
    ("task_id", "enable", None),
    ("upload_failed", "upload", None),
    ("install_succeeded", "install", None),
    ("enable_failed", "enable", None),
    (None, "freeze", None),
)
#: routes a status code's name routes too, wherever it stands (``StatusCode.<Name>``, ``Enable
#: failed with <Name> error``, a host's ``ErrorMessage:<name>``): code → the name to look for.
#: ``None``: the code table's name (:mod:`.vmsnapshot_codes`); 173 goes by the storage error's
#: own name, which the code's name (``FailedRetryableSnapshotRateExceeded``) contains
CODE_NAMED: dict[int, str | None] = {173: "SnapshotRateExceeded", 85: None, 761: None, 76: None, 556: None}
#: routes the parser reaches by its own value grammar, not by a catalog anchor (``taskId: <id>``
#: is shorter than a catalog template may be; the parser reads the id with the same pattern)
STRUCTURAL = frozenset({("task_id", "enable", None)})
#: events the parser sets by structure outside :data:`ROUTES` (the status echo)
OUTSIDE_ROUTES = frozenset({"status_report"})


def check_route(event: object, phase: object, code: object) -> list[str]:
    """Problems of one catalog entry's ``vms_event`` / ``vms_phase`` / ``vms_code``."""
    if phase is None:
        return ["vms_event / vms_code need vms_phase"]
    if event is not None and event not in VMS_EVENTS:
        return [f"vms_event {event!r} is not one of the parser's (parsers/vmsnapshot_events.py)"]
    if phase not in VMS_PHASES:
        return [f"vms_phase {phase!r} is not one of {', '.join(VMS_PHASES)}"]
    if (event, phase, code) not in ROUTES:
        return [f"no route ({event!r}, {phase!r}, {code!r}) in parsers/vmsnapshot_events.py ROUTES"]
    if (event, phase, code) in STRUCTURAL:
        return [f"route {(event, phase, code)!r} is read by the parser's own grammar"]
    return []
