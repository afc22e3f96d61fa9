"""What the agent-version fields of every record, the facts' version sightings and restarts and
the findings are on every input.

``python tests/banner_fields_identity.py`` writes ``tests/fixtures/banner_fields_identity.json``
from the code as it is; ``test_banner_catalog.py`` compares the code as it is with that file
(issue 12: the parser's banner table is derived from the catalog entries that name a version and
must give the results the hand-written table gave).  See :mod:`field_identity`.
"""
from __future__ import annotations

from typing import Any

from field_identity import FieldIdentity, restarts
from known_inputs import GENERATOR, REPO
from known_inputs import identity_bundle as generate
from known_inputs import real_inputs as inputs


def _fields(message: str) -> dict:
    from loganalyzer.parsers.payloads import extract_fields
    return extract_fields(message) or {}


def _sightings(facts: Any) -> list[str]:
    return sorted(f"{s.role}|{s.version}|{s.how}|{s.ref.path}:{s.ref.line_start}"
                  for s in facts.agent_versions)


BANNERS = IDENT = FieldIdentity(
    fixture=REPO / "tests" / "fixtures" / "banner_fields_identity.json",
    fields=("agent_version", "agent_role", "version_how"), parse=_fields, program="walinuxagent",
    keeps=lambda ev: "Agent" in ev.message or "HEARTBEAT" in ev.message,
    facts_rows={"sightings": _sightings, "restarts": restarts}, records_name="version records")
FIXTURE, triple, catalog_messages = BANNERS.fixture, BANNERS.triple, BANNERS.catalog_messages
observe = BANNERS.observe
__all__ = ["FIXTURE", "GENERATOR", "catalog_messages", "generate", "inputs", "observe", "triple"]

if __name__ == "__main__":
    BANNERS.write_fixture()
