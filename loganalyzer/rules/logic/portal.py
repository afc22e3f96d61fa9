"""``restore_point_limit_or_lock`` cannot be seen from inside the guest: it is raised only when
the user names the portal error (``--error-code``), with the documented fix."""
from __future__ import annotations

from ...model import Finding
from ..portal import portal_error
from .base import FinishContext, LogicRule


class PortalErrorCode(LogicRule):
    """A finding for causes the user's portal error names and guest logs cannot show."""

    def finish(self, ctx: FinishContext) -> list[Finding]:
        entry = portal_error(ctx.options.error_code)
        if entry is None or entry["code"] not in self.params.get("codes", []):
            return []
        return [self.finding({"code": entry["code"], "message": entry["message"]}, [])]
