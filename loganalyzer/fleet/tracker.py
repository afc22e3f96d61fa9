"""The multiprocessing resource tracker, restarted quietly when something killed it.

Both engines start worker processes whose semaphores the tracker (one helper process per
run) records.  When that process dies — killed by hand, by the OOM killer — the next
semaphore registered or released makes :mod:`multiprocessing` start a new one, which knows
none of the names it is then asked to release and prints one ``KeyError`` traceback for
each (51 lines for a Dask run, reproduced by ``kill -9`` of the tracker mid-run).
:func:`quiet_restarts` starts that replacement with its stderr on ``/dev/null`` and says so
in one line instead (a warning of this module's logger); the run itself goes on unharmed
(no bundle row is lost).

>>> with quiet_restarts(print):
...     pass
"""
from __future__ import annotations

import contextlib
import os
import warnings
from collections.abc import Callable, Iterator
from multiprocessing import resource_tracker

NOTE = ("the multiprocessing resource tracker (pid {pid}) died during the run and was restarted; "
        "semaphores it held may stay until the machine restarts")


@contextlib.contextmanager
def quiet_restarts(say: Callable[[str], None]) -> Iterator[None]:
    """While inside, a restarted resource tracker prints nothing; ``say`` gets one line per restart."""
    tracker = resource_tracker._resource_tracker
    original = tracker.ensure_running

    def ensure_running() -> None:
        pid = getattr(tracker, "_pid", None)
        if getattr(tracker, "_fd", None) is None or tracker._check_alive():
            original()
            return
        say(NOTE.format(pid=pid))
        with _stderr_to_devnull(), warnings.catch_warnings():
            warnings.simplefilter("ignore")     # "process died unexpectedly, relaunching": said above
            original()

    tracker.ensure_running = ensure_running  # type: ignore[method-assign]
    try:
        yield
    finally:
        tracker.ensure_running = original  # type: ignore[method-assign]


@contextlib.contextmanager
def _stderr_to_devnull() -> Iterator[None]:
    """File descriptor 2 on ``/dev/null`` while the new tracker is started (it inherits fd 2;
    this process's own writes to stderr in that moment are lost with it)."""
    saved = os.dup(2)
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(null)
