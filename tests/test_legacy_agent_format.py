"""The 1.x/2.0 single-file agent's log format, checked against what its logger writes.

Read from the agent's source (branches ``archive/1.4`` and ``archive/2.0`` of Azure/WALinuxAgent,
1.4.0 – 2.0.18; the format did not change across them): ``Logger.LogWithPrefix`` takes
``time.localtime()`` once per message, renders it ``%04u/%02u/%02u %02u:%02u:%02u `` (no
fraction, no zone), appends a prefix — ``""`` for ``Log``/``LogIfVerbose``, ``WARNING:`` for
``Warn``, ``ERROR:`` for ``Error``/``ErrorWithPrefix`` (whose own prefix argument is dropped) —
and writes **every line** of the message behind that stamp and prefix, to ``/var/log/waagent.log``
and to ``/dev/console``.  So an empty message line is the stamp alone (``… 17:18:09 `` or
``… 17:18:09 ERROR:``), ``Error("Error " + traceback.format_exc())`` ends with such a line, and a
command's multi-line output (``CalledProcessError.  Command result was …``) is one prefixed
line per output line.  From 2.0.15 on characters outside ``string.printable`` are dropped, and
the text is ASCII-encoded with errors ignored.  Extensions built on this logger write
``[Name-Version]`` after the prefix (``… ERROR:[Name-Version] msg``; the Python 2 backup extension
glues its message to the bracket).  The agent's ``CommandExecution.log`` (``SimpleLog``) stamps
each non-empty line the same way and leaves empty lines bare.

The samples below were rendered for these tests from that logic (no line is copied).
"""
from __future__ import annotations

import io
import tempfile
from pathlib import Path

import metamorphic as mm
import pytest

import loganalyzer
from loganalyzer.kinds import Kind
from loganalyzer.model import FileCoverage
from loganalyzer.parsers.base import ParseContext
from loganalyzer.parsers.record_formats import parse_header_line
from loganalyzer.parsers.waagent_log import parse
from loganalyzer.sources.base import Member

LOG_2_0 = """\
2016/12/16 17:18:01 Azure Linux Agent Version: WALinuxAgent-2.0.18
2016/12/16 17:18:01 Linux Distribution Detected      : centos
2016/12/16 17:18:02 Command is /usr/sbin/waagent -verbose
2016/12/16 17:18:05 WARNING:Failed to mount resource disk. Retry mounting.
2016/12/16 17:18:09 ERROR:Error Traceback (most recent call last):
2016/12/16 17:18:09 ERROR:  File "/usr/sbin/waagent", line 5659, in AddExtensionEvent
2016/12/16 17:18:09 ERROR:    event.Save()
2016/12/16 17:18:09 ERROR:  File "/usr/sbin/waagent", line 5630, in Save
2016/12/16 17:18:09 ERROR:    raise Exception("WriteToFolder:Too many file under "+eventfolder+" exit")
2016/12/16 17:18:09 ERROR:Exception: WriteToFolder:Too many file under /var/lib/waagent/events exit
2016/12/16 17:18:09 ERROR:
2016/12/16 17:18:09 ERROR:CalledProcessError.  Error Code is 1
2016/12/16 17:18:09 ERROR:CalledProcessError.  Command string was mount /dev/sdb1 /mnt/resource
2016/12/16 17:18:09 ERROR:CalledProcessError.  Command result was mount: wrong fs type, bad option
2016/12/16 17:18:11 ERROR:[Microsoft.OSTCExtensions.VMAccessForLinux-1.4.7.1] Failed to reset the password
2016/12/16 17:18:12 [Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0]2016-12-16 17:18:12.739891  Info  \
proceeded for accepting signals
2016/12/16 17:18:13 Provisioning image started
2016/12/16 17:18:13 {blank}
2016/12/16 17:18:14 Finished processing ExtensionsConfig.xml
""".format(blank="")    # line 18 is the stamp and its space alone (an empty message line)

#: ``(line number, level, generation, source, message start)`` of every record of :data:`LOG_2_0`.
EXPECTED = [
    (1, "INFO", "1.x-2.0", None, "Azure Linux Agent Version: WALinuxAgent-2.0.18"),
    (2, "INFO", "1.x-2.0", None, "Linux Distribution Detected      : centos"),
    (3, "INFO", "1.x-2.0", None, "Command is /usr/sbin/waagent -verbose"),
    (4, "WARNING", "1.x-2.0", None, "Failed to mount resource disk. Retry mounting."),
    (5, "ERROR", "1.x-2.0", None, "Error Traceback (most recent call last):\n"),
    (12, "ERROR", "1.x-2.0", None, "CalledProcessError.  Error Code is 1"),
    (13, "ERROR", "1.x-2.0", None, "CalledProcessError.  Command string was mount"),
    (14, "ERROR", "1.x-2.0", None, "CalledProcessError.  Command result was mount: wrong fs type"),
    (15, "ERROR", "ext-2.0", "[Microsoft.OSTCExtensions.VMAccessForLinux-1.4.7.1]", "Failed to reset"),
    (16, "INFO", "ext-2.0", "[Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0]", "2016-12-16 17:18:12"),
    (17, "INFO", "1.x-2.0", None, "Provisioning image started"),
    (18, "INFO", "1.x-2.0", None, ""),
    (19, "INFO", "1.x-2.0", None, "Finished processing ExtensionsConfig.xml"),
]


def _read(data: str, kind: Kind = Kind.WAAGENT_LOG) -> tuple[list, FileCoverage]:
    raw = data.encode()
    ctx = ParseContext(FileCoverage("var/log/waagent.log", str(kind)))
    return list(parse(Member("var/log/waagent.log", kind, lambda: io.BytesIO(raw)), ctx)), ctx.coverage


def test_every_2_0_line_shape_reads_as_the_logger_wrote_it() -> None:
    events, coverage = _read(LOG_2_0)
    got = [(e.line_start, e.level, e.generation, e.source, e.message) for e in events]
    assert [g[:4] for g in got] == [x[:4] for x in EXPECTED]
    for (*_, message), (*_, start) in zip(got, EXPECTED, strict=True):
        assert message.startswith(start), (message, start)
    assert coverage.lines == 19 and coverage.unparsed_lines == 0 and coverage.records == len(EXPECTED)
    assert all(e.time_kind.value == "local" and e.timestamp is not None for e in events)


def test_a_2_0_traceback_is_one_record_with_its_exception_line_and_trailing_empty_line() -> None:
    events, _ = _read(LOG_2_0)
    [tb] = [e for e in events if e.message.startswith("Error Traceback")]
    assert (tb.line_start, tb.line_end) == (5, 11)
    assert tb.message.split("\n")[-1] == ("Exception: WriteToFolder:Too many file under "
                                          "/var/lib/waagent/events exit")
    assert tb.message.count("\n") == 5


def test_lines_of_one_stamp_that_are_no_traceback_stay_records_of_their_own() -> None:
    events, _ = _read(LOG_2_0)
    assert [e.line_start for e in events if e.message.startswith("CalledProcessError")] == [12, 13, 14]


@pytest.mark.parametrize("line, level, message", [
    ("2016/12/16 17:18:09 ERROR:", "ERROR", ""),
    ("2016/12/16 17:18:09 ", "INFO", ""),
    ("2016/12/16 17:18:09", "INFO", ""),              # the stamp's trailing space cut by a paste
    ("2016/12/16 17:18:09 WARNING:[Microsoft.OSTCExtensions.VMAccessForLinux-1.4.7.1] slow", "WARNING",
     "slow"),
    ("2016/12/16 17:18:09 ERROR: Unable to disable Microsoft.OSTCExtensions.LinuxDiagnostic", "ERROR",
     "Unable to disable Microsoft.OSTCExtensions.LinuxDiagnostic"),
])
def test_2_0_edge_lines_start_records_with_their_level(line: str, level: str, message: str) -> None:
    header = parse_header_line(line)
    assert header is not None and header.level == level and header.generation in ("1.x-2.0", "ext-2.0")
    [event], _ = _read(line + "\n")
    assert event.message == message


def test_2_0_command_execution_log_keeps_its_bare_empty_lines_in_the_record_before() -> None:
    data = ("2016/12/16 17:18:20 Downloading plugin manifest: Microsoft.OSTCExtensions.VMAccessForLinux from "
            "https://example.blob.core.windows.net/x\n\n"
            "2016/12/16 17:18:21 ERROR: Unable to disable Microsoft.OSTCExtensions.VMAccessForLinux\n")
    events, coverage = _read(data, Kind.COMMAND_EXECUTION_LOG)
    assert [(e.line_start, e.line_end, e.level) for e in events] == [(1, 2, "INFO"), (3, 3, "ERROR")]
    assert coverage.unparsed_lines == 0


def _records(text: str, name: str) -> list[tuple[str | None, str]]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_text(text)
        return [(e.level, e.message) for e in loganalyzer.open_bundle(path).iter_events()
                if e.generation in ("1.x-2.0", "ext-2.0", "no-timestamp")]


#: ``/dev/console`` gets the same lines; kernel lines come between messages.
CONSOLE_2_0 = "".join((f"[{4 + i / 4:12.6f}] hv_vmbus: probe {i}\n" if i in (0, 4, 11) else "") + line + "\n"
                      for i, line in enumerate(LOG_2_0.splitlines()[:12]))


@pytest.mark.parametrize("how", ["no_timestamps", "syslog", "journal_json_whole", "console_kernel_lines"])
def test_a_2_0_traceback_is_one_record_however_the_lines_arrive(how: str) -> None:
    head = "".join(line + "\n" for line in LOG_2_0.splitlines()[:12])
    text = {"no_timestamps": mm.strip_timestamps(head), "syslog": mm.syslog_rfc3164(head),
            "journal_json_whole": mm.journal_json(head, whole=True),
            "console_kernel_lines": CONSOLE_2_0}[how]
    tracebacks = [m for _, m in _records(text, "ticket-paste.txt") if m.startswith("Error Traceback")]
    assert len(tracebacks) == 1 and tracebacks[0].endswith("/var/lib/waagent/events exit")
    assert tracebacks[0].count("\n") == 5


def test_the_2_0_log_gives_the_legacy_agent_causes() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "waagent.log"
        path.write_text(LOG_2_0)
        result = loganalyzer.analyze(path)
    causes = {f.cause for f in result.findings if str(f.severity) in ("critical", "error", "warning")}
    assert "agent_crash_loop" in causes       # (2016: no minimum agent version was in force yet)
    # the traceback's frames are no longer errors of their own
    assert not [f for f in result.findings if f.cause == "unexplained_error" and "File " in f.summary]
