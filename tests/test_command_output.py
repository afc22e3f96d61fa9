"""Headerless ``[stdout]``/``[stderr]`` pastes (issue 14): an extension command's output copied
without the agent line (``Event: … message=…``, ``Command: …``, ``[ExtensionOperationError] …``)
or the status message that carried it reaches the rules with the same text.

Metamorphic property, for every record with output sections in the sample bundles, the dev corpus
and the table below (records written for these tests in the agent's formats): cut the record's
header off — keep the lines from its first section line on — then transform what is left the ways
users hand lines over (saved under any name, its inner timestamps cut, indented, double-spaced,
inside syslog, journal exports, a serial console).  The causes (warning and above) the output
itself gives — those of the full record that its header alone does not give — must all be found,
and nothing the full record does not give may appear.  What only the header says (the operation,
the exit code, the extension's name in ``Event: name=``) cannot survive the cut, by nature.
"""
from __future__ import annotations

import re
import tempfile
from functools import cache
from pathlib import Path

import metamorphic as mm
import pytest
from test_metamorphic import CASES, DEV_CORPUS, SAMPLES

import loganalyzer
from loganalyzer.model import Event
from loganalyzer.parsers import command_output

REPORTED = {"critical", "error", "warning"}
NEUTRAL_NAME = "ticket-paste.txt"
_DURATION_TAIL = re.compile(r",\x20duration=\d+[\x20\t]*\Z")

#: Full records with output sections, written for these tests in the formats of the agent
#: (formats.md §2.2–2.3) and of the extensions' status messages: ``(file name, text)``.
WRITTEN: dict[str, tuple[str, str]] = {
    "vmsnapshot-py312-import": ("waagent.log", """\
2024-06-11T04:12:09.118204Z ERROR ExtHandler ExtHandler Event: \
name=Microsoft.Azure.RecoveryServices.VMSnapshotLinux, \
op=Enable, message=[ExtensionOperationError] Non-zero exit code: 1, \
/var/lib/waagent/Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0.9218.0/main/handle.sh enable
[stdout]
python3 found at /usr/bin/python3

[stderr]
Traceback (most recent call last):
  File "/var/lib/waagent/Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0.9218.0/main/handle.py", \
line 30, in <module>
    import imp
ModuleNotFoundError: No module named 'imp'
, duration=0
"""),
    "oms-env-python-status": ("extension_error.txt", """\
[ExtensionOperationError] Non-zero exit code: 127, \
/var/lib/waagent/Microsoft.EnterpriseCloud.Monitoring.OmsAgentForLinux-1.12.13/omsagent.py -install
[stdout]

[stderr]
/usr/bin/env: 'python': No such file or directory
"""),
    "vmaccess-ext20-lines-and-traceback": ("waagent.log", """\
2023-02-01T10:00:05.100000Z ERROR ExtHandler ExtHandler Event: \
name=Microsoft.OSTCExtensions.VMAccessForLinux, \
op=Enable, message=[ExtensionOperationError] Non-zero exit code: 1, \
/var/lib/waagent/Microsoft.OSTCExtensions.VMAccessForLinux-1.5.14/vmaccess.py -enable
[stdout]
2023/02/01 10:00:04 [Microsoft.OSTCExtensions.VMAccessForLinux-1.5.14] cwd is \
/var/lib/waagent/Microsoft.OSTCExtensions.VMAccessForLinux-1.5.14
2023/02/01 10:00:04 [Microsoft.OSTCExtensions.VMAccessForLinux-1.5.14] Change log file to \
/var/log/azure/Microsoft.OSTCExtensions.VMAccessForLinux/extension.log

[stderr]
Traceback (most recent call last):
  File "/var/lib/waagent/Microsoft.OSTCExtensions.VMAccessForLinux-1.5.14/vmaccess.py", line 28, in <module>
    import crypt
ModuleNotFoundError: No module named 'crypt'
, duration=0
"""),
    "go-handler-python-not-found": ("status-message.txt", """\
Enable failed: failed to execute command: command terminated with exit status=127
[stdout]

[stderr]
/bin/sh: 1: python: not found
"""),
    "oms-unsupported-os": ("waagent.log", """\
2022-08-03T09:14:44.551204Z ERROR ExtHandler ExtHandler Event: \
name=Microsoft.EnterpriseCloud.Monitoring.OmsAgentForLinux, op=Install, message=[ExtensionOperationError] \
Non-zero exit code: 51, \
/var/lib/waagent/Microsoft.EnterpriseCloud.Monitoring.OmsAgentForLinux-1.14.19/omsagent_shim.sh -install
[stdout]
2022/08/03 09:14:40 [Microsoft.EnterpriseCloud.Monitoring.OmsAgentForLinux-1.14.19] cwd is \
/var/lib/waagent/Microsoft.EnterpriseCloud.Monitoring.OmsAgentForLinux-1.14.19
Install,failed,51,Unsupported operating system: debian 11.4

[stderr]
, duration=0
"""),
    "customscript-disk-full-2.2.45": ("waagent.log", """\
2020/02/20 03:00:11.004512 ERROR ExtHandler Event: name=Microsoft.Azure.Extensions.CustomScript, op=Enable, \
message=[ExtensionOperationError] Non-zero exit code: 1, \
/var/lib/waagent/Microsoft.Azure.Extensions.CustomScript-2.1.3/bin/custom-script-shim enable
[stdout]
+ /var/lib/waagent/Microsoft.Azure.Extensions.CustomScript-2.1.3/bin/custom-script-extension enable

[stderr]
mkdir: cannot create directory '/var/lib/waagent/custom-script/download/3': No space left on device
, duration=0
"""),
    "ama-curl-dns-status": ("extension_error.txt", """\
[ExtensionOperationError] Non-zero exit code: 1, \
/var/lib/waagent/Microsoft.Azure.Monitor.AzureMonitorLinuxAgent-1.28.5/./shim.sh -install
[stdout]
2023/09/26 04:07:33 [Microsoft.Azure.Monitor.AzureMonitorLinuxAgent-1.28.5] Installing ...
2023/09/26 04:07:40 ERROR:[Microsoft.Azure.Monitor.AzureMonitorLinuxAgent-1.28.5] curl: (6) Could not \
resolve host: packages.microsoft.com

[stderr]
"""),
    "customscript-success-benign-stderr": ("waagent.log", """\
2024-10-08T09:58:05.042527Z INFO ExtHandler [Microsoft.Azure.Extensions.CustomScript-2.1.10] Command: \
bin/custom-script-shim enable
[stdout]
+ nohup /var/lib/waagent/Microsoft.Azure.Extensions.CustomScript-2.1.10/bin/custom-script-extension enable

[stderr]
Running scope as unit: enable_1728381483.scope
"""),
}


# ------------------------------------------------------------------------------------ the inputs

def _records_with_output(data: bytes, name: str) -> list[str]:
    """The physical lines of every record of ``data`` (read as ``name``) that holds a section line."""
    lines = data.decode("utf-8", "surrogateescape").split("\n")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_bytes(data)
        events = list(loganalyzer.open_bundle(path).iter_events())
    out = []
    for e in events:
        if any(command_output.is_section(line) for line in e.message.split("\n")):
            out.append("\n".join(lines[e.line_start - 1:e.line_end]) + "\n")
    return out


def _harvest() -> dict[str, tuple[str, str]]:
    """``id`` → ``(file name, full record text)``, one per distinct output text."""
    found: dict[str, tuple[str, str]] = {}
    seen: set[str] = set()

    def add(key: str, name: str, text: str) -> None:
        output = _headerless(text)
        if output not in seen:
            seen.add(output)
            found[f"{key}#{len(found)}"] = (name, text)

    for key, data in SAMPLES.items():
        for text in _records_with_output(data, "waagent.log"):
            add(key, "waagent.log", text)
    for case in CASES:
        for f in sorted((DEV_CORPUS / case).iterdir()):
            if f.name != "case.json" and f.is_file():
                for text in _records_with_output(f.read_bytes(), f.name):
                    add(f"corpus:{case}:{f.name}", f.name, text)
    return found


def _headerless(text: str) -> str:
    """The record from its first section line on, without the ``, duration=N`` that ended it."""
    lines = text.rstrip("\n").split("\n")
    first = next(i for i, line in enumerate(lines) if command_output.is_section(line))
    body = "\n".join(lines[first:])
    return _DURATION_TAIL.sub("", body).rstrip() + "\n"


def _header(text: str) -> str:
    """The record without its output sections: its header line(s) and the closing ``, duration=N``."""
    lines = text.rstrip("\n").split("\n")
    first = next(i for i, line in enumerate(lines) if command_output.is_section(line))
    tail = _DURATION_TAIL.search(lines[-1])
    return "\n".join(lines[:first]) + (tail.group(0) if tail else "") + "\n"


RECORDS = {**{f"written:{k}": v for k, v in WRITTEN.items()}, **_harvest()}


# ------------------------------------------------------------------------------------ analysis

@cache
def causes_of(text: str, name: str) -> frozenset[str]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_bytes(text.encode("utf-8", "surrogateescape"))
        result = loganalyzer.analyze(path)
    return frozenset(f.cause for f in result.findings if str(f.severity) in REPORTED)


#: How a headerless paste reaches us: ``(file name, transformation)``.
TRANSFORMS = {
    "as_pasted": (NEUTRAL_NAME, lambda t: t),
    "with_duration_tail": (NEUTRAL_NAME, None),      # the paste kept the Event's ", duration=N"
    "saved_as_waagent_log": ("waagent.log", lambda t: t),
    "inner_timestamps_cut": (NEUTRAL_NAME, mm.strip_timestamps),
    "indented": (NEUTRAL_NAME, lambda t: mm.indent(t, "    ")),
    "double_spaced": (NEUTRAL_NAME, mm.double_space),
    "syslog_rfc3164": (NEUTRAL_NAME, mm.syslog_rfc3164),
    "journal_short_iso": (NEUTRAL_NAME, mm.journal_short_iso),
    "journal_verbose": (NEUTRAL_NAME, mm.journal_verbose),
    "journal_json_whole": (NEUTRAL_NAME, lambda t: mm.journal_json(t, whole=True)),
    "serial_console": (NEUTRAL_NAME, lambda t: mm.serial_console(t, True, "Waagent - ", 1)),
}


def _paste(text: str, transform: str) -> tuple[str, str]:
    name, fn = TRANSFORMS[transform]
    if fn is None:
        lines = text.rstrip("\n").split("\n")
        first = next(i for i, line in enumerate(lines) if command_output.is_section(line))
        return name, "\n".join(lines[first:]) + "\n"
    return name, fn(_headerless(text))


@pytest.mark.parametrize("transform", list(TRANSFORMS))
@pytest.mark.parametrize("key", list(RECORDS))
def test_headerless_output_gives_the_causes_its_lines_give_in_the_full_record(key: str,
                                                                              transform: str) -> None:
    name, text = RECORDS[key]
    full = causes_of(text, name)
    from_output = full - causes_of(_header(text), name)
    got = causes_of(*reversed(_paste(text, transform)))
    assert from_output <= got, f"{key} {transform}: lost {sorted(from_output - got)} (full: {sorted(full)})"
    assert got <= full, f"{key} {transform}: gained {sorted(got - full)} the full record does not give"


def test_the_written_records_exercise_causes_that_come_from_the_output() -> None:
    # the property above is not empty: some outputs carry causes of their own
    gained = {key for key, (name, text) in WRITTEN.items()
              if causes_of(text, name) - causes_of(_header(text), name)}
    assert {"vmsnapshot-py312-import", "vmaccess-ext20-lines-and-traceback",
            "customscript-disk-full-2.2.45"} <= gained


# ------------------------------------------------------------------- one record, the same text

def _events(text: str, name: str) -> list[Event]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_bytes(text.encode("utf-8", "surrogateescape"))
        return list(loganalyzer.open_bundle(path).iter_events())


@pytest.mark.parametrize("key", list(RECORDS))
def test_a_headerless_paste_is_one_record_with_the_full_records_text_after_its_header(key: str) -> None:
    name, text = RECORDS[key]
    [full] = [e for e in _events(text, name)
              if any(command_output.is_section(x) for x in e.message.split("\n"))]
    lines = full.message.split("\n")
    first = next(i for i, line in enumerate(lines) if command_output.is_section(line))
    expected = command_output.strip_duration("\n".join(lines[first:]))
    pasted = _headerless(text)
    events = _events(pasted, NEUTRAL_NAME)
    assert [e.generation for e in events] == [command_output.GENERATION]
    [event] = events
    assert event.message == expected
    assert (event.line_start, event.line_end) == (1, pasted.count("\n"))
    assert event.level is None


def test_the_extension_is_read_from_a_path_or_prefix_inside_the_output() -> None:
    [event] = _events(_headerless(WRITTEN["vmsnapshot-py312-import"][1]), NEUTRAL_NAME)
    assert (event.extension, event.extension_version) == ("Microsoft.Azure.RecoveryServices.VMSnapshotLinux",
                                                          "1.0.9218.0")
    [event] = _events("[stdout]\n\n[stderr]\nsh: 1: foo: not found\n", NEUTRAL_NAME)
    assert event.extension is None and event.message == "[stdout]\n\n[stderr]\nsh: 1: foo: not found"


def test_at_the_head_of_a_waagent_log_the_output_is_a_record_not_unparsed_lines() -> None:
    text = ("[stdout]\n2021/11/15 16:32:00 [Microsoft.OSTCExtensions.VMAccessForLinux-1.5.14] cwd is /x\n\n"
            "[stderr]\nTraceback (most recent call last):\n  File \"/var/lib/waagent/"
            "Microsoft.OSTCExtensions.VMAccessForLinux-1.5.14/vmaccess.py\", line 2, in <module>\n"
            "ModuleNotFoundError: No module named 'crypt'\n, duration=0\n"
            "2021-11-15T16:32:01.000000Z INFO ExtHandler ExtHandler next\n")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "waagent.log"
        path.write_text(text)
        bundle = loganalyzer.open_bundle(path)
        events = list(bundle.iter_events())
        unparsed = int(bundle.coverage["unparsed_lines"].sum())
    assert [(e.generation, e.line_start, e.line_end) for e in events] == [
        (command_output.GENERATION, 1, 8), ("2.2.47+", 9, 9)]
    assert events[0].message.endswith("No module named 'crypt'") and unparsed == 0
    assert events[0].extension == "Microsoft.OSTCExtensions.VMAccessForLinux"


def test_an_output_line_after_an_agent_record_still_belongs_to_that_record() -> None:
    # the full form inside syslog: the section lines continue the Event of the same program[pid]
    full = WRITTEN["customscript-disk-full-2.2.45"][1]
    events = _events(mm.syslog_rfc3164(full), NEUTRAL_NAME)
    assert [e.generation for e in events] == ["2.2.31-2.2.45"]
    assert "No space left on device" in events[0].message


@pytest.mark.parametrize("key", ["oms-env-python-status", "go-handler-python-not-found"])
def test_a_missing_interpreter_in_stderr_alone_names_its_cause(key: str) -> None:
    text = WRITTEN[key][1]
    assert "extension_update_or_load_failed" in causes_of(_headerless(text), NEUTRAL_NAME)
