"""Ways the lines of a ``waagent.log`` reach users, as text transformations (for the metamorphic tests).

Each transformation takes the text of an agent log and returns the text a user could hand
us instead: cut timestamps, indentation, double spacing, abbreviated times, syslog (RFC 3164
and 5424), journal exports, serial-console captures, ``systemctl status`` output, or one
flattened line.  They are written from what those programs print (``man journalctl``,
RFC 3164/5424, systemd's ``systemctl status`` layout, an Azure serial console), not from the
parsers: a test built on them checks the parsers, it does not repeat them.

>>> strip_timestamps("2023-03-13T15:44:04.906673Z INFO ExtHandler ExtHandler up\\n  more\\n")
'INFO ExtHandler ExtHandler up\\n  more\\n'
>>> abbreviate_times("2017/06/14 22:46:43.331214 WARNING x\\n")
'22:46:43.33 WARNING x\\n'
>>> syslog_rfc3164("2023-03-13T15:44:04.906673Z INFO Daemon Daemon up\\n").split(": ", 1)[0]
'Mar 13 15:44:04 vm-test waagent[812]'
"""
from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

#: The timestamp that starts an agent record, in every generation (formats.md §2.2), with the stray
#: letter a post may glue to it (``q2017/08/02 …``).
RECORD_TIME = re.compile(
    r"^[A-Za-z]?(?P<stamp>(?P<date>\d{4}-\d{1,2}-\d{1,2}T|\d{4}/\d{1,2}/\d{1,2}\x20)"
    r"(?P<time>\d{1,2}:\d{1,2}:\d{1,2})(?:\.(?P<frac>\d+))?Z?)\x20")
HOST = "vm-test"
PID = 812
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
#: A time for lines before the first timestamped one (an excerpt may start mid-traceback).
DEFAULT_TIME = datetime(2024, 5, 14, 21, 0, 0, tzinfo=UTC)


def _lines(text: str) -> tuple[list[str], str]:
    """The lines of ``text`` and its line ending (``\\n``; the last line may lack one)."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
        return lines, "\n"
    return lines, ""


def _join(lines: list[str], tail: str) -> str:
    return "\n".join(lines) + tail


def _when(match: re.Match[str]) -> datetime | None:
    """The datetime a record-start timestamp names (``None`` for odd stamps such as ``00:3:52``)."""
    parts = [int(p) for p in re.split(r"[-/T: ]", match["date"] + match["time"]) if p]
    frac = int((match["frac"] or "0")[:6].ljust(6, "0"))
    try:
        return datetime(*parts[:6], frac, tzinfo=UTC)
    except ValueError:
        return None


def timed_lines(text: str) -> Iterator[tuple[datetime, re.Match[str] | None, str]]:
    """``(time, record-start match or None, line)`` for every line; a continuation line gets the
    time of the record above it."""
    lines, _ = _lines(text)
    now = DEFAULT_TIME
    for line in lines:
        m = RECORD_TIME.match(line)
        if m is not None:
            now = _when(m) or now
        yield now, m, line


def _map_lines(text: str, fn: Callable[[datetime, re.Match[str] | None, str], str]) -> str:
    lines, tail = _lines(text)
    return _join([fn(when, m, line) for when, m, line in timed_lines(text)], tail if lines else "")


# ------------------------------------------------------------------ edits of the lines themselves

def strip_timestamps(text: str) -> str:
    """Every record's timestamp cut off (the whole file, as a poster trimming columns does)."""
    return _map_lines(text, lambda when, m, line: line[m.end():] if m else line)


def strip_some_timestamps(text: str, every: int = 2) -> str:
    """The timestamp cut from every ``every``-th record only (a poster trimming some lines), so
    timestamp-less records follow timestamped ones all through the file."""
    count = 0

    def edit(when: datetime, m: re.Match[str] | None, line: str) -> str:
        nonlocal count
        if m is None:
            return line
        count += 1
        return line[m.end():] if count % every == 0 else line
    return _map_lines(text, edit)


def indent(text: str, prefix: str = " ") -> str:
    """Every line indented (a Markdown quote or a mail client's indentation)."""
    return _map_lines(text, lambda when, m, line: prefix + line)


#: what command-line tools put before each line they print
TOOL_PREFIXES = {
    "grep -n": lambda n: f"{n}:",
    "grep -H": lambda n: "/var/log/waagent.log:",
    "grep -rn": lambda n: f"/var/log/waagent.log.1:{n}:",
    "cat -n": lambda n: f"{n:6d}\t",
}


def tool_prefixed(text: str, tool: str) -> str:
    """Every line as ``tool`` prints it (``grep -n``, ``grep -H``, ``grep -rn``, ``cat -n``)."""
    lines, tail = _lines(text)
    prefix = TOOL_PREFIXES[tool]
    return "\n".join(prefix(n) + line for n, line in enumerate(lines, 1)) + ("\n" if tail else "")


def double_space(text: str) -> str:
    """A blank line after every line (a paste through a tool that doubles line ends)."""
    lines, tail = _lines(text)
    return "\n\n".join(lines) + ("\n" if tail else "")


def abbreviate_times(text: str) -> str:
    """``hh:mm:ss.ff`` instead of the full timestamp (a tool that shows times of one day)."""
    def edit(when: datetime, m: re.Match[str] | None, line: str) -> str:
        if m is None:
            return line
        frac = (m["frac"] or "00")[:2].ljust(2, "0")
        hh, mm, ss = (int(p) for p in m["time"].split(":"))
        return f"{hh:02d}:{mm:02d}:{ss:02d}.{frac} {line[m.end():]}"
    return _map_lines(text, edit)


def flatten(text: str) -> str:
    """Every line joined with a space into one line (how records get pasted into a ticket field)."""
    lines, _ = _lines(text)
    return " ".join(line.strip() for line in lines if line.strip()) + "\n"


# ------------------------------------------------------------------ wrappers around each line

def _bsd(when: datetime, precise: bool = False) -> str:
    stamp = f"{MONTHS[when.month - 1]} {when.day:2d} {when:%H:%M:%S}"
    return stamp + (f".{when.microsecond:06d}" if precise else "")


def syslog_rfc3164(text: str, program: str = "waagent") -> str:
    """``Mon DD HH:MM:SS host program[pid]: <line>`` (rsyslog's traditional format; every line of a
    multi-line record gets the header, as syslog does)."""
    return _map_lines(text, lambda when, m, line: f"{_bsd(when)} {HOST} {program}[{PID}]: {line}")


def syslog_rfc5424(text: str, app: str = "waagent", structured: str = "-") -> str:
    """``<PRI>1 TIMESTAMP HOST APP PROCID MSGID SD MSG`` (RFC 5424 §6)."""
    def edit(when: datetime, m: re.Match[str] | None, line: str) -> str:
        return f"<30>1 {when:%Y-%m-%dT%H:%M:%S.%f}+00:00 {HOST} {app} {PID} - {structured} {line}"
    return _map_lines(text, edit)


def journal_short(text: str) -> str:
    """``journalctl -o short``: the agent's stdout under the interpreter's name."""
    return syslog_rfc3164(text, "python3")


def journal_short_iso(text: str) -> str:
    """``journalctl -o short-iso``: ``2024-05-14T21:00:01+0000 host python3[812]: <line>``."""
    return _map_lines(text, lambda when, m, line:
                      f"{when:%Y-%m-%dT%H:%M:%S}+0000 {HOST} python3[{PID}]: {line}")


def journal_short_precise(text: str) -> str:
    """``journalctl -o short-precise``: BSD time with microseconds."""
    return _map_lines(text, lambda when, m, line: f"{_bsd(when, True)} {HOST} python3[{PID}]: {line}")


def journal_cat(text: str) -> str:
    """``journalctl -o cat``: the messages alone (the agent's own lines, unchanged)."""
    return text


def _priority(line: str) -> str:
    return "3" if " ERROR " in line[:40] or "ERROR:" in line[:40] else \
        "4" if " WARNING " in line[:40] or "WARNING:" in line[:40] else "6"


def _entries(text: str, whole: bool) -> Iterator[tuple[datetime, str]]:
    """``(time, message)`` of each journal entry: one per line (the agent's stdout, as journald
    stores it), or with ``whole`` one per record, its traceback lines inside the message (a
    record logged as one message)."""
    entry: tuple[datetime, list[str]] | None = None
    for when, m, line in timed_lines(text):
        if not whole:
            yield when, line
        elif entry is None or m is not None:
            if entry is not None:
                yield entry[0], "\n".join(entry[1])
            entry = (when, [line])
        else:
            entry[1].append(line)
    if entry is not None:
        yield entry[0], "\n".join(entry[1])


def journal_verbose(text: str, whole: bool = False) -> str:
    """``journalctl -o verbose``: a dated cursor line, then indented ``KEY=value`` fields; the lines
    of a multi-line value indented past its ``KEY=`` (systemd's ``output_verbose``)."""
    out = []
    for i, (when, message) in enumerate(_entries(text, whole)):
        out.append(f"{when:%a %Y-%m-%d %H:%M:%S}.{when.microsecond:06d} UTC "
                   f"[s=6b1c0e1f2a3b4c5d;i={i + 1:x};b=0f1e2d3c;m={i:x};t=5e8f;x=9a8b]")
        value = message.replace("\n", "\n" + " " * len("    MESSAGE="))
        out += ["    _TRANSPORT=stdout", f"    PRIORITY={_priority(message)}", "    SYSLOG_FACILITY=3",
                "    SYSLOG_IDENTIFIER=python3", f"    _PID={PID}", "    _COMM=python3",
                f"    _HOSTNAME={HOST}", "    _SYSTEMD_UNIT=walinuxagent.service", f"    MESSAGE={value}"]
    return "\n".join(out) + "\n"


def journal_json(text: str, whole: bool = False) -> str:
    """``journalctl -o json``: one JSON object per entry (values are strings, ``\\n`` escaped)."""
    out = []
    for i, (when, line) in enumerate(_entries(text, whole)):
        out.append(json.dumps({
            "__CURSOR": f"s=6b1c;i={i + 1:x}", "__REALTIME_TIMESTAMP": str(int(when.timestamp() * 1_000_000)),
            "__MONOTONIC_TIMESTAMP": str(1_000_000 + i), "_BOOT_ID": "0f1e2d3c", "PRIORITY": _priority(line),
            "SYSLOG_FACILITY": "3", "SYSLOG_IDENTIFIER": "python3", "_PID": str(PID), "_COMM": "python3",
            "_HOSTNAME": HOST, "_TRANSPORT": "stdout", "_SYSTEMD_UNIT": "walinuxagent.service",
            "MESSAGE": line}))
    return "\n".join(out) + "\n"


#: Console lines of the boot around the agent's (kernel, systemd, cloud-init): all benign.
CONSOLE_NOISE = (
    "Linux version 5.15.0-1057-azure (buildd@lcy02-amd64-033) (gcc (Ubuntu 11.4.0) 11.4.0) #65-Ubuntu SMP",
    "hv_vmbus: registering driver hv_netvsc",
    "EXT4-fs (sda1): mounted filesystem with ordered data mode. Opts: (null). Quota mode: none.",
    "cloud-init[612]: Cloud-init v. 23.4.4-0ubuntu0~22.04.1 running 'init' at Tue, 14 May 2024 21:00:00",
    "cloud-init[612]: ci-info: ++++++++++++++++++++++++Net device info+++++++++++++++++++++++++",
    "ci-info: | eth0 | True | 10.0.0.4 | 255.255.255.0 | global | 00:0d:3a:12:34:56 |",
    "[  OK  ] Started Network Time Synchronization.",
)


def serial_console(text: str, kernel_stamps: bool = True, prefix: str = "Waagent - ", every: int = 3) -> str:
    """An Azure serial-console capture: each agent line behind ``prefix`` (``Waagent - `` or a
    ``python3[812]: `` program tag), with or without kernel ``[   12.345678]`` uptime stamps, and
    kernel / systemd / cloud-init lines interleaved before every ``every``-th record (between
    records: a console line inside a traceback would cut it in two on the console too)."""
    out = []
    uptime = 4.0
    records = 0
    for _, m, line in timed_lines(text):
        if m is not None:
            records += 1
            if records % every == 1 or every == 1:
                noise = CONSOLE_NOISE[records // every % len(CONSOLE_NOISE)]
                stamp = f"[{uptime:12.6f}] " if kernel_stamps and not noise.startswith("[  OK") else ""
                out.append(stamp + noise)
        uptime += 0.013579
        out.append((f"[{uptime:12.6f}] " if kernel_stamps else "") + prefix + line)
    return "\n".join(out) + "\n"


SYSTEMCTL_HEADER = """\
● walinuxagent.service - Azure Linux Agent
     Loaded: loaded (/lib/systemd/system/walinuxagent.service; enabled; vendor preset: enabled)
    Drop-In: /usr/lib/systemd/system/walinuxagent.service.d
             └─10-Slice.conf, 11-CPUAccounting.conf, 12-CPUQuota.conf, 13-MemoryAccounting.conf
     Active: active (running) since Tue 2024-05-14 08:01:12 UTC; 13h ago
   Main PID: 812 (python3)
      Tasks: 7 (limit: 9513)
     Memory: 42.1M
        CPU: 1min 3.201s
     CGroup: /azure.slice/walinuxagent.service
             ├─ 812 /usr/bin/python3 -u /usr/sbin/waagent -daemon
             └─1024 python3 -u bin/WALinuxAgent-2.11.1.4-py3.8.egg -run-exthandlers

"""


def systemctl_status(text: str, program: str = "python3") -> str:
    """``systemctl status -l --lines=N walinuxagent``: the unit header, then its journal lines."""
    return SYSTEMCTL_HEADER + syslog_rfc3164(text, program)


def flatten_with(text: str, separator: str = " ") -> str:
    """:func:`flatten` with another separator between the lines."""
    lines, _ = _lines(text)
    return separator.join(line.strip() for line in lines if line.strip()) + "\n"


#: A syslog / journal / console header in front of a line (BSD or ISO stamp, host, ``prog[pid]:``;
#: a kernel ``[   12.345678]`` stamp), for :func:`agent_lines`.
WRAPPER = re.compile(
    r"^(?:(?:[A-Z][a-z]{2}\x20{1,2}\d{1,2}\x20\d{1,2}:\d{1,2}:\d{1,2}(?:\.\d+)?"
    r"|\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d))\x20(?:\S+\x20)??"
    r"[\w./@()-]+(?:\[\d+\])?:\x20?)?(?:\[\s*\d+\.\d+\]\x20?)?")
AGENT_START = re.compile(r"^[A-Za-z]?\d{4}[-/]\d{1,2}[-/]\d{1,2}[T\x20]\d{1,2}:\d{1,2}:\d{1,2}")


def agent_lines(text: str) -> str:
    """The agent's own lines out of a syslog / journal / console file: each line's wrapper cut off,
    lines of other programs dropped (a line with no agent timestamp stays when it continues an
    agent record: a traceback line under the same header, or a header-less line).

    >>> agent_lines("May 17 07:01:19 vm python3[1]: 2023-05-17T07:01:19.018010Z INFO Daemon Daemon up\\n"
    ...             "May 17 07:01:19 vm systemd[1]: Started x.\\n")
    '2023-05-17T07:01:19.018010Z INFO Daemon Daemon up\\n'
    """
    out = []
    agent_header: str | None = None
    for line in _lines(text)[0]:
        if not line.strip():
            continue
        m = WRAPPER.match(line)
        header, rest = (m.group(0), line[m.end():]) if m else ("", line)
        program = re.sub(r"^.*?(\S+?)(?:\[\d+\])?:\x20?$", r"\1", header) if header else ""
        if AGENT_START.match(rest):
            agent_header = program
            out.append(rest)
        elif agent_header is not None and (not header or program == agent_header):
            out.append(rest)
        else:
            agent_header = None
    return "\n".join(out) + ("\n" if out else "")


#: name → transformation, in the order of issue 14.
TRANSFORMS: dict[str, Callable[[str], str]] = {
    "no_timestamps": strip_timestamps,
    "leading_space": indent,
    "leading_tab": lambda text: indent(text, "\t"),
    "double_spaced": double_space,
    "abbreviated_times": abbreviate_times,
    "syslog_rfc3164_waagent": syslog_rfc3164,
    "syslog_rfc3164_python3": lambda text: syslog_rfc3164(text, "python3"),
    "syslog_rfc5424": syslog_rfc5424,
    "journal_short": journal_short,
    "journal_short_iso": journal_short_iso,
    "journal_short_precise": journal_short_precise,
    "journal_cat": journal_cat,
    "journal_verbose": journal_verbose,
    "journal_verbose_whole_records": lambda text: journal_verbose(text, whole=True),
    "journal_json": journal_json,
    "journal_json_whole_records": lambda text: journal_json(text, whole=True),
    "serial_kernel_waagent": lambda text: serial_console(text, True, "Waagent - "),
    "serial_plain_waagent": lambda text: serial_console(text, False, "Waagent - "),
    "serial_kernel_program": lambda text: serial_console(text, True, f"python3[{PID}]: "),
    "serial_plain_bare": lambda text: serial_console(text, False, ""),
    "systemctl_status": systemctl_status,
    "flattened": flatten,
}
