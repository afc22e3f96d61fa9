"""Errors that reach the user as one clear line (exit status 2), never as a traceback."""
from __future__ import annotations


class InputError(Exception):
    """The input path cannot be read at all (missing, unreadable, not a bundle)."""


class UsageError(Exception):
    """The command line or API call is wrong (bad option value, conflicting flags)."""
