"""Portal and backup-job errors: named by the user (``--error-code``) or found in the bundle.

``restore_point_limit_or_lock`` cannot be seen from inside the guest: it is raised when the
portal error names it, with the documented fix.  A portal error code (or its English message,
``portal_errors.toml``) found in any file of the bundle — a ticket's text, a backup job's error
saved as JSON, an extension status message — counts the same as ``--error-code``: it raises
that finding (citing the line) and orders the verdicts by Microsoft's checklist for it
(:attr:`FinishContext.found_error_code`).  A code is recognised in any language around it.
"""
from __future__ import annotations

import re
from functools import cache

from ...model import Confidence, Event, Finding, Severity
from ..portal import portal_error, portal_errors
from .base import FinishContext, LogicRule, Seen, lits

#: Files whose every record is read for portal errors and their English messages (a ticket's text, a
#: JSON error, status files); in every other kind a code is found by its exact spelling.
_TEXT_KINDS = frozenset({"other_text", "handler_status", "status_blob"})


class PortalErrorCode(LogicRule):
    """A finding for causes the portal error (given or found) names and guest logs cannot show."""

    triggers = [(lits(*(e["code"] for e in portal_errors())), None), (None, _TEXT_KINDS)]

    def __init__(self, *args: object) -> None:
        super().__init__(*args)  # type: ignore[arg-type]
        self.found: dict[str, Seen] = {}
        self._codes = re.compile(r"\b(" + "|".join(re.escape(e["code"]) for e in portal_errors()) + r")\b",
                                 re.IGNORECASE)

    def observe(self, trigger: int, event: Event, text: str, order: int) -> None:
        if len(self.found) >= len(portal_errors()):
            return
        m = self._codes.search(text)
        entry = portal_error(m.group(1)) if m else _by_message(text)
        if entry is not None and entry["code"] not in self.found:
            self.found[entry["code"]] = Seen(event, order)

    def finish(self, ctx: FinishContext) -> list[Finding]:
        given = portal_error(ctx.options.error_code)
        if given is None and self.found:
            first = min(self.found.values(), key=lambda s: s.order)
            ctx.found_error_code = next(c for c, s in self.found.items() if s is first)
        out = []
        for code in self.params.get("codes", []):
            if given is not None and given["code"] == code:
                out.append(self.finding({"code": given["code"], "message": given["message"]}, []))
            elif code in self.found:
                entry = portal_error(code)
                assert entry is not None
                seen = self.found[code]
                where = f"{seen.event.path}:{seen.event.line_start}"
                out.append(self.finding(
                    {"code": code, "message": entry["message"]}, [seen.evidence()],
                    summary=f"The bundle names the portal error {code} ({entry['message']}) at {where}: the "
                            "backup service cannot delete old restore points — usually a lock on the "
                            "AzureBackupRG_<geo>_<n> resource group, or more than one backup a day. Guest "
                            "logs cannot show this cause."))
        for code, seen in sorted(self.found.items(), key=lambda item: item[1].order):
            entry = portal_error(code)
            assert entry is not None
            for cause in entry.get("means", []):
                if cause == self.rule.cause and code in self.params.get("codes", []):
                    continue  # raised above, with this rule's own wording
                out.append(self.finding(
                    {}, [seen.evidence()], cause=cause, severity=Severity.WARNING, confidence=Confidence.LOW,
                    title=f"The bundle names the portal error {code}",
                    summary=f"{seen.event.path}:{seen.event.line_start} names the portal error {code} "
                            f"({entry['message']}). Microsoft's troubleshooting page checks, in order: "
                            f"{', '.join(entry['causes'][:4])}.",
                    remediation=[f"Follow the checks for {code} on the troubleshooting page; the other "
                                 "findings show which of them the logs confirm."]))
        return out


def _by_message(text: str) -> dict | None:
    m = _messages().search(text)
    return _message_entry()[m.group(0).lower()] if m else None


@cache
def _messages() -> re.Pattern[str]:
    """One case-blind search for every English portal message phrase."""
    return re.compile("|".join(re.escape(m) for m in _message_entry()), re.IGNORECASE)


@cache
def _message_entry() -> dict[str, dict]:
    return {m: e for e in reversed(portal_errors()) for m in e["match"]}
