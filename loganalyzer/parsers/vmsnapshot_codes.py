"""The Azure Backup extension's (VMSnapshotLinux) result codes: number → name, health, meaning.

One table for every layer: the extension log parser turns ``StatusCode.<Name>`` and
``Enable failed with <Name> error`` into numbers with it, facts and rules explain
them with it.  Names and health follow ``VMBackup/main/ExtensionErrorCodeHelper.py``
of Azure/azure-linux-extensions (``ExtensionErrorCodeEnum``, ``ExtensionErrorCodeDict``);
``health`` is ``None`` where the extension's own health map has no entry (13, 14, 556).

>>> describe(122).name
'FailedRetryableFsFreezeTimeout'
>>> describe(402).health
'red'
>>> code_for_name("FailedSnapshotLimitReached")
85
>>> describe(999) is None
True
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class CodeInfo:
    """One result code.  ``health`` is the VM health the extension reports with it."""

    code: int
    name: str
    health: str | None
    meaning: str

    @property
    def is_success(self) -> bool:
        """Codes that mean the backup task ended well (0, 1, 3) — 4 is a temporary state."""
        return self.code in SUCCESS_CODES


SUCCESS_CODES = frozenset({0, 1, 3})
#: The "transitioning" code the enable step reports before the daemon takes over.
TEMPORARY_CODE = 4

_PREPOST = "pre/post script plugin: "
_WORKLOAD = "database workload plugin: "

_TABLE: tuple[CodeInfo, ...] = (
    CodeInfo(0, "success_appconsistent", "green", "snapshot taken, application consistent"),
    CodeInfo(1, "success", "green", "snapshot taken, file-system consistent"),
    CodeInfo(2, "error", "green", "generic failure (see the message: exception in freeze or snapshot, "
             "daemon could not start, status could not be written)"),
    CodeInfo(3, "SuccessAlreadyProcessedInput", "green", "this taskId was already processed; nothing done"),
    CodeInfo(4, "ExtensionTempTerminalState", "green",
             "enable handed the task to the daemon (transitioning)"),
    CodeInfo(11, "error_parameter", "yellow",
             "settings missing or wrong (required field empty, bad command)"),
    CodeInfo(12, "error_12", "green", "generic error 12"),
    CodeInfo(13, "error_wrong_time", None, "command time is wrong"),
    CodeInfo(14, "error_same_taskid", None, "same taskId as before"),
    CodeInfo(15, "error_http_failure", "red", "HTTP call to storage or to the host failed"),
    CodeInfo(16, "FailedHandlerGuestAgentCertificateNotFound", "yellow",
             "unable to load certificate: protected settings cannot be decrypted"),
    CodeInfo(17, "FailedInvalidDataDiskLunList", "green",
             "disks are excluded but the LUN list from the backup service is empty"),
    CodeInfo(76, "FailedRetryableSnapshotFailedNoNetwork", "red",
             "every disk snapshot failed: the VM could not reach storage or the host"),
    CodeInfo(85, "FailedSnapshotLimitReached", "red",
             "the snapshot count against this blob has been exceeded"),
    CodeInfo(121, "FailedRetryableFsFreezeFailed", "yellow", "file-system freeze failed"),
    CodeInfo(122, "FailedRetryableFsFreezeTimeout", "yellow",
             "file-system freeze took longer than the timeout"),
    CodeInfo(123, "FailedRetryableUnableToOpenMount", "yellow",
             "freeze could not open some mount (file open failed for some mount)"),
    CodeInfo(124, "FailedSafeFreezeBinaryNotFound", "yellow", "the safefreeze binary is missing"),
    CodeInfo(173, "FailedRetryableSnapshotRateExceeded", "green",
             "the rate of snapshot blob calls is exceeded"),
    CodeInfo(300, "FailedPrepostPreScriptFailed", "yellow", _PREPOST + "pre-script failed"),
    CodeInfo(301, "FailedPrepostPostScriptFailed", "yellow", _PREPOST + "post-script failed"),
    CodeInfo(302, "FailedPrepostPreScriptNotFound", "yellow", _PREPOST + "pre-script not found"),
    CodeInfo(303, "FailedPrepostPostScriptNotFound", "yellow", _PREPOST + "post-script not found"),
    CodeInfo(304, "FailedPrepostPluginhostConfigParsing", "yellow",
             _PREPOST + "VMSnapshotPluginHost.conf cannot be parsed"),
    CodeInfo(305, "FailedPrepostPluginConfigParsing", "yellow",
             _PREPOST + "VMSnapshotScriptPluginConfig.json cannot be parsed"),
    CodeInfo(306, "FailedPrepostPreScriptPermissionError", "yellow",
             _PREPOST + "pre-script permissions wrong"),
    CodeInfo(307, "FailedPrepostPostScriptPermissionError", "yellow",
             _PREPOST + "post-script permissions wrong"),
    CodeInfo(308, "FailedPrepostPreScriptTimeout", "yellow", _PREPOST + "pre-script timed out"),
    CodeInfo(309, "FailedPrepostPostScriptTimeout", "yellow", _PREPOST + "post-script timed out"),
    CodeInfo(310, "FailedPrepostPluginhostPreTimeout", "yellow", _PREPOST + "plugin host pre step timed out"),
    CodeInfo(311, "FailedPrepostPluginhostPostTimeout", "yellow",
             _PREPOST + "plugin host post step timed out"),
    CodeInfo(312, "FailedPrepostCheckSumMismatch", "yellow", _PREPOST + "script checksum mismatch"),
    CodeInfo(313, "FailedPrepostPluginhostConfigNotFound", "yellow",
             _PREPOST + "VMSnapshotPluginHost.conf not found"),
    CodeInfo(314, "FailedPrepostPluginhostConfigPermissionError", "yellow",
             _PREPOST + "VMSnapshotPluginHost.conf permissions wrong"),
    CodeInfo(315, "FailedPrepostPluginhostConfigOwnershipError", "yellow",
             _PREPOST + "VMSnapshotPluginHost.conf not owned by root"),
    CodeInfo(316, "FailedPrepostPluginConfigNotFound", "yellow", _PREPOST + "plugin config not found"),
    CodeInfo(317, "FailedPrepostPluginConfigPermissionError", "yellow",
             _PREPOST + "plugin config permissions wrong"),
    CodeInfo(318, "FailedPrepostPluginConfigOwnershipError", "yellow",
             _PREPOST + "plugin config not owned by root"),
    CodeInfo(402, "FailedGuestAgentInvokedCommandTooLate", "red",
             "CRP timeout limit reached: the guest agent ran the backup command too late "
             "(agent slow or unresponsive, long goal-state backlog)"),
    CodeInfo(500, "FailedWorkloadPreError", "yellow", _WORKLOAD + "pre step failed"),
    CodeInfo(501, "FailedWorkloadConfParsingError", "yellow", _WORKLOAD + "workload.conf cannot be parsed"),
    CodeInfo(502, "FailedWorkloadInvalidRole", "yellow", _WORKLOAD + "invalid database role"),
    CodeInfo(503, "FailedWorkloadInvalidWorkloadName", "yellow", _WORKLOAD + "invalid workload name"),
    CodeInfo(504, "FailedWorkloadPostError", "yellow", _WORKLOAD + "post step failed"),
    CodeInfo(505, "FailedWorkloadAuthorizationMissing", "yellow",
             _WORKLOAD + "database authorization missing"),
    CodeInfo(506, "FailedWorkloadConnectionError", "yellow", _WORKLOAD + "cannot connect to the database"),
    CodeInfo(507, "FailedWorkloadIPCDirectoryMissing", "yellow", _WORKLOAD + "IPC directory missing"),
    CodeInfo(508, "FailedWorkloadDatabaseStatusChanged", "yellow", _WORKLOAD + "database status changed"),
    CodeInfo(509, "FailedWorkloadQuiescingError", "yellow", _WORKLOAD + "quiescing the database failed"),
    CodeInfo(510, "FailedWorkloadQuiescingTimeout", "yellow", _WORKLOAD + "quiescing the database timed out"),
    CodeInfo(511, "FailedWorkloadDatabaseInNoArchiveLog", "yellow",
             _WORKLOAD + "database is in NOARCHIVELOG mode"),
    CodeInfo(512, "FailedWorkloadLogModeChanged", "yellow", _WORKLOAD + "database log mode changed"),
    CodeInfo(556, "FailedHostSnapshotRemoteServerError", None,
             "host snapshot service returned 556 after a successful (200) pre-snapshot"),
    CodeInfo(761, "FailedRetryableSnapshotFailedRestrictedNetwork", "red",
             "some disk snapshots failed: network access to storage is partly restricted"),
)

CODES: dict[int, CodeInfo] = {info.code: info for info in _TABLE}
_BY_NAME: dict[str, CodeInfo] = {info.name.lower(): info for info in _TABLE}


def describe(code: int | str | None) -> CodeInfo | None:
    """The table entry for ``code`` (an int or a decimal string), ``None`` when unknown.

    >>> describe("76").name
    'FailedRetryableSnapshotFailedNoNetwork'
    """
    if isinstance(code, str):
        code = int(code) if code.strip().lstrip("-").isdigit() else None
    return CODES.get(code) if code is not None else None


def by_name(name: str) -> CodeInfo | None:
    """The entry named ``name`` (case-insensitive), ``None`` when unknown.

    >>> by_name("failedretryablefsfreezefailed").code
    121
    """
    return _BY_NAME.get(name.lower())


def code_for_name(name: str) -> int | None:
    """The number of the code named ``name``, ``None`` when unknown."""
    info = by_name(name)
    return info.code if info is not None else None


_NAME_RUN = None


def names_in(text: str) -> list[str]:
    """The result-code names a record states (``StatusCode.<Name>``, ``with <Name> error``, a
    status file's substatus …), as the table spells them; a name inside a longer word is not one.

    >>> names_in("T:S Enable failed with FailedSnapshotLimitReached errror StatusCode.FailedX,")
    ['FailedSnapshotLimitReached']
    >>> names_in("Enable,error,2,StatusCode.FailedPrepostPreScriptFailed, x"), names_in("no code here")
    (['FailedPrepostPreScriptFailed'], [])
    """
    global _NAME_RUN
    if _NAME_RUN is None:
        import re
        names = sorted((i.name for i in _TABLE if i.name[:1].isupper()), key=len, reverse=True)
        _NAME_RUN = re.compile(r"(?<![A-Za-z])(" + "|".join(names) + r")(?![A-Za-z])")
    return _NAME_RUN.findall(text) if "Failed" in text or "Success" in text or "Extension" in text else []
