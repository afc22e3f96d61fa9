"""What the VMSnapshot parser's derived fields, the agent restarts and the findings are on every input.

``python tests/vms_fields_identity.py`` writes ``tests/fixtures/vms_fields_identity.json`` from the
code as it is; ``test_vmsnapshot_catalog.py`` compares the code as it is with that file (issue 12:
the parser's needle table is derived from the catalog and must give the results the hand-written
table gave).  See :mod:`field_identity`.
"""
from __future__ import annotations

from field_identity import FieldIdentity, restarts
from known_inputs import GENERATOR, REPO
from known_inputs import identity_bundle as generate
from known_inputs import real_inputs as inputs


def _fields(message: str) -> dict:
    from loganalyzer.parsers.vmsnapshot import message_fields
    return message_fields(message)


VMS = IDENT = FieldIdentity(
    fixture=REPO / "tests" / "fixtures" / "vms_fields_identity.json",
    fields=("vms_event", "vms_phase", "vms_status_code"), parse=_fields, program="vmbackup",
    keeps=lambda ev: "vmsnapshot" in str(ev.kind).lower(), facts_rows={"restarts": restarts},
    records_name="vms records")
FIXTURE, triple, catalog_messages, observe = VMS.fixture, VMS.triple, VMS.catalog_messages, VMS.observe
__all__ = ["FIXTURE", "GENERATOR", "catalog_messages", "generate", "inputs", "observe", "triple"]

if __name__ == "__main__":
    VMS.write_fixture()
