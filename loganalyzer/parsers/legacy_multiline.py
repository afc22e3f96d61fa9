"""The 1.x/2.0 agent's multi-line messages, one record again.

The single-file agent (``waagent`` 1.4 – 2.0.18, ``Logger.LogWithPrefix``) writes *every* line
of a message behind the same ``YYYY/MM/DD HH:MM:SS `` stamp (taken once per message) and the
same ``WARNING:``/``ERROR:`` prefix; an extension built on its logger library adds its
``[Name-Version]`` after that prefix.  So ``Error("Error " + traceback.format_exc())`` becomes::

    2016/12/16 17:18:09 ERROR:Error Traceback (most recent call last):
    2016/12/16 17:18:09 ERROR:  File "/usr/sbin/waagent", line 5659, in AddExtensionEvent
    2016/12/16 17:18:09 ERROR:    event.Save()
    2016/12/16 17:18:09 ERROR:Exception: WriteToFolder:Too many file under /var/lib/waagent/events exit
    2016/12/16 17:18:09 ERROR:

(``format_exc`` ends with a line end: the last line is the prefix alone).  Read line by line,
that is five ERROR records for one failure.  :func:`join_tracebacks` gives the traceback back to
the record that started it, as in later agents whose traceback lines carry no header: a
record of generation ``1.x-2.0`` or ``ext-2.0`` (or a glued ``ERROR:`` line whose stamp was cut,
``no-timestamp``) whose text ends with ``Traceback (most recent call last):`` takes the next
records of the same file, stamp, level and prefix while they are indented (frames and code
lines), the first unindented one (the exception line) and an empty one right after it.  Other
lines that share a stamp stay records of their own (each was its own call in most cases).

>>> from loganalyzer.model import Event, TimeKind
>>> ev = lambda n, msg: Event(None, TimeKind.NONE, "ERROR", msg, "w.log", n, n, "waagent_log", "1.x-2.0")
>>> lines = ["Error Traceback (most recent call last):", '  File "/usr/sbin/waagent", line 1, in Save',
...          "    event.Save()", "Exception: too many files", "", "Exception: No JSON object"]
>>> joined = join_tracebacks(ev(n, m) for n, m in enumerate(lines, 1))
>>> [(e.line_start, e.line_end, e.message.count("\\n")) for e in joined]
[(1, 5, 3), (6, 6, 0)]
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator

from ..model import Event, FileCoverage
from .payloads import extract_fields

#: Generations whose lines each carry the stamp and prefix of their message.
LEGACY = frozenset({"1.x-2.0", "ext-2.0", "no-timestamp"})
OPENER = "Traceback (most recent call last):"
#: Lines a joined traceback may hold (a runaway is cut into records again).
MAX_LINES = 500


def _same_call(a: Event, b: Event) -> bool:
    """``b`` can be a later line of ``a``'s message: next in the file, same stamp, level, prefix."""
    return (b.generation in LEGACY and b.line_start <= a.line_end + 1 and b.timestamp == a.timestamp
            and b.level == a.level and b.source == a.source and b.thread is None and a.thread is None
            and b.path == a.path)


def _legacy_opener(event: Event) -> bool:
    return event.generation in LEGACY and event.thread is None and event.message.endswith(OPENER)


def join_tracebacks(events: Iterable[Event], coverage: FileCoverage | None = None) -> Iterator[Event]:
    """``events`` with each 1.x/2.0 traceback joined to the record that opened it (see the module
    docstring); ``coverage.records`` counts the records that remain."""
    held: Event | None = None      # a traceback being collected
    parts: list[str] = []
    after_exception = False        # the exception line was taken: one empty line may follow
    for event in events:
        if held is None and event.generation not in LEGACY:   # nearly every record: no call
            yield event
            continue
        if held is not None:
            text = event.message
            if _same_call(held, event) and len(parts) < MAX_LINES and "\n" not in text and (
                    (not after_exception and text != "") or (after_exception and text == "")):
                parts.append(text)
                held.line_end = event.line_end
                if coverage is not None:
                    coverage.records -= 1
                if after_exception:
                    yield _joined(held, parts)
                    held = None
                elif text[:1] not in (" ", "\t"):
                    after_exception = True
                continue
            yield _joined(held, parts)
            held = None
        if _legacy_opener(event):
            held, parts, after_exception = event, [event.message], False
            continue
        yield event
    if held is not None:
        yield _joined(held, parts)


def _joined(event: Event, parts: list[str]) -> Event:
    if len(parts) > 1:
        event.message = "\n".join(parts).rstrip("\n")
        event.fields = extract_fields(event.message)
    return event
