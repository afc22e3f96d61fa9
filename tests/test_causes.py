"""Causes are owned by ``rules/causes.toml``: TAXONOMY, the report labels and the portal codes that
name a cause derive from it, and a cause added to that file appears everywhere."""
from __future__ import annotations

import tomllib
from importlib.resources import files
from pathlib import Path

from loganalyzer.report.wording import CAUSE_LABELS, cause_label
from loganalyzer.rules.causes import CAUSES, TAXONOMY, causes_named_by, label, read_causes_file
from loganalyzer.rules.model import TAXONOMY as MODEL_TAXONOMY
from loganalyzer.rules.portal import order_for_error, portal_errors

DATA = (files("loganalyzer.rules") / "causes.toml").read_text(encoding="utf-8")
NEW = '''
[vm_deallocated]
order = 22
label = "the VM was deallocated during the backup"
title = "The VM was stopped (deallocated) while the backup ran"
needs = []
collect = "Check the VM's activity log for a deallocation during the backup job."
portal_codes = ["UserErrorVmDeallocated"]
remediation = "start the VM and retry the backup."
'''


def test_taxonomy_labels_and_portal_codes_derive_from_the_data():
    raw = tomllib.loads(DATA)
    assert TAXONOMY == MODEL_TAXONOMY == tuple(sorted(raw, key=lambda c: raw[c]["order"]))
    assert {c: raw[c]["label"] for c in raw} == CAUSE_LABELS
    assert all(cause_label(c) == raw[c]["label"] for c in raw)
    for entry in portal_errors():
        assert entry["means"] == [c for c in TAXONOMY if entry["code"] in raw[c].get("portal_codes", [])]
    assert order_for_error(None) == list(TAXONOMY)


def test_every_cause_has_what_it_needs_and_orders_are_distinct():
    assert len({c.order for c in CAUSES.values()}) == len(CAUSES)
    assert all(c.label and c.title and c.collect for c in CAUSES.values())
    assert all(c.remediation for c in CAUSES.values() if c.outside_guest)  # a portal code alone decides it


def test_a_cause_added_to_the_data_appears_everywhere(tmp_path: Path):
    p = tmp_path / "causes.toml"
    p.write_text(DATA + NEW)
    causes = read_causes_file(p)
    taxonomy = tuple(causes)
    assert taxonomy == (*TAXONOMY, "vm_deallocated")
    assert label("vm_deallocated", causes) == "the VM was deallocated during the backup"
    assert causes_named_by("UserErrorVmDeallocated", causes) == ["vm_deallocated"]
    assert causes["vm_deallocated"].outside_guest


def test_two_causes_with_one_order_are_refused(tmp_path: Path):
    import pytest
    p = tmp_path / "causes.toml"
    p.write_text(DATA + NEW.replace("order = 22", "order = 16"))
    with pytest.raises(ValueError, match=r"vm_deallocated.*order 16.*guest_shutdown"):
        read_causes_file(p)


def test_a_cause_decided_by_its_portal_code_is_detected_with_its_remediation():
    from loganalyzer.model import Verdict
    from loganalyzer.rules.verdicts import _decided_by_portal
    rp = CAUSES["restore_point_limit_or_lock"]
    entry = next(e for e in portal_errors() if e["code"] == "UserErrorRpCollectionLimitReached")
    v = _decided_by_portal(rp, entry)
    assert v.verdict == Verdict.DETECTED
    assert v.reason.endswith(f"Guest logs cannot show it. Fix: {rp.remediation}")
    assert _decided_by_portal(rp, None).verdict == Verdict.NOT_EVALUABLE
