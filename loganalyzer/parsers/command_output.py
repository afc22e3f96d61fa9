"""An extension command's captured output pasted without the agent line that carried it.

The agent reports what an extension's command printed as ``[stdout]`` / ``[stderr]``
sections (``format_stdout_stderr``: ``"[stdout]\\n{out}\\n\\n[stderr]\\n{err}"``) inside an
``Event: … message=…, duration=N`` record, a ``Command: …`` line, an
``[ExtensionOperationError] Non-zero exit code: …`` message or a handler's status message.
Users often paste only those sections: no agent header, no timestamp.  Such a paste is read
as **one record** holding exactly the text the full record holds after its header (generation
``command-output``), so the failure lines inside — a traceback, ``Unsupported operating
system``, ``No space left on device`` — reach the rules as they do inside the full record.

The record runs from the first section line to the end of the output: a line ending in
``, duration=N`` (the end of an ``Event:``; that suffix is not part of the output and is
dropped from the text), or, once ``[stderr]`` has begun, a line that starts a timestamped agent
record with a level (the log went on after the paste's output).  Timestamped lines inside
``[stdout]`` — an extension's own ``2021/11/15 16:32:00 [Name-1.0] …`` lines, the agent's cgroup
lines — are part of the output, as in the full record.  The extension is the one a
``/var/lib/waagent/<Name>-<Version>`` path or a ``[Name-Version]`` prefix inside names (the
first one); the level stays unknown (``None``): the sections say what the command printed, not
whether it failed.

>>> starts_with_output(["", "  [stdout]", "hello"]), starts_with_output(["[ExtensionError] x", "[stdout]"])
(True, False)
>>> extension_named("[stderr]\\n  File \\"/var/lib/waagent/Microsoft.Azure.Foo.Bar-1.2.3/main/x.py\\"")
('Microsoft.Azure.Foo.Bar', '1.2.3')
>>> strip_duration("Install,failed,51,Unsupported\\n, duration=0")
'Install,failed,51,Unsupported'
"""
from __future__ import annotations

import re

GENERATION = "command-output"
#: A section line of the agent's output format (maybe indented or followed by blanks).
SECTION = re.compile(r"[\x20\t]*\[(?:stdout|stderr)\][\x20\t]*\Z")
_STDERR = re.compile(r"[\x20\t]*\[stderr\][\x20\t]*\Z")
#: ``, duration=N`` that ends an ``Event:`` record (on the output's last line, or alone on one).
_DURATION = re.compile(r",\x20duration=\d+[\x20\t]*\Z")
#: The extension a path or a ``[Name-Version]`` prefix in the output names.
_EXTENSION = re.compile(r"/var/lib/waagent/(?P<pname>[A-Za-z][\w.]*?)-(?P<pver>\d+(?:\.\d+)+)(?=[/_\s'\"]|\Z)"
                        r"|\[(?P<bname>[A-Za-z][\w.]*?)-(?P<bver>\d+(?:\.\d+)+)\]")
#: A timestamped agent record with a level (2.1+): after ``[stderr]`` it means the log went on.
_AGENT_RECORD = re.compile(
    r"[\x20\t]*(?:\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z|\d{4}/\d\d/\d\d\x20\d\d:\d\d:\d\d\.\d+)\x20"
    r"(?:VERBOSE|INFO|WARNING|ERROR)\x20")


def is_section(line: str) -> bool:
    """``[stdout]`` or ``[stderr]`` alone on its line."""
    return SECTION.match(line) is not None


def starts_with_output(lines: list[str]) -> bool:
    """Whether the first non-blank line of ``lines`` is an output section line."""
    for line in lines:
        if line.strip():
            return is_section(line)
    return False


class OutputReader:
    """Follows a headerless output record line by line: :meth:`takes` says whether a line
    belongs to it (the first line must be a section line).

    >>> r = OutputReader()
    >>> [r.takes(x) for x in ("[stdout]", "2021/11/15 16:32:00.100000 INFO ExtHandler up", "[stderr]",
    ...                       "oops", "2021/11/15 16:32:01.100000 INFO ExtHandler next")]
    [True, True, True, True, False]
    >>> r = OutputReader()
    >>> [r.takes(x) for x in ("[stderr]", "oops, duration=12", "more")]
    [True, True, False]
    """

    __slots__ = ("ended", "in_stderr")

    def __init__(self) -> None:
        self.in_stderr = False
        self.ended = False

    def takes(self, line: str) -> bool:
        if self.ended:
            return False
        if _STDERR.match(line):
            self.in_stderr = True
            return True
        if self.in_stderr and _AGENT_RECORD.match(line):
            self.ended = True
            return False
        if _DURATION.search(line):
            self.ended = True
        return True


def strip_duration(message: str) -> str:
    """The output text without the ``, duration=N`` that closed its ``Event:`` (and blank tail)."""
    cut = _DURATION.sub("", message) if _DURATION.search(message) else message
    return cut.rstrip()


def extension_named(text: str) -> tuple[str | None, str | None]:
    """``(name, version)`` of the first extension a path or prefix in ``text`` names."""
    m = _EXTENSION.search(text[:20000])
    if m is None:
        return None, None
    return (m.group("pname"), m.group("pver")) if m.group("pname") else (m.group("bname"), m.group("bver"))
