"""The field vocabulary (``loganalyzer/fields.py``) is what the parsers really write: every key any
sample bundle or dev-corpus case emits is declared for that kind, and every declared field (but the
ones marked ``in_corpus=False``) is emitted somewhere."""
from __future__ import annotations

from pathlib import Path

import pytest

from loganalyzer.api import open_bundle
from loganalyzer.fields import FIELDS, OPEN_PREFIXES, field_names_for, is_declared

SAMPLES = Path(__file__).resolve().parent.parent / "sample_logs"


def _bundles(dev_corpus: Path) -> list[Path]:
    own = [p for p in SAMPLES.iterdir() if p.suffix not in (".md", ".py")]
    return own + sorted(p for p in dev_corpus.iterdir() if p.is_dir())


@pytest.fixture(scope="module")
def emitted(dev_corpus: Path) -> dict[str, set[str]]:
    """field name -> kinds whose events carried it, over every bundle."""
    seen: dict[str, set[str]] = {}
    for path in _bundles(dev_corpus):
        for ev in open_bundle(path).iter_events():
            for key in ev.fields or {}:
                seen.setdefault(key, set()).add(str(ev.kind))
    return seen


def test_every_emitted_field_is_declared_for_its_kind(emitted: dict[str, set[str]]):
    undeclared = sorted((k, kind) for k, kinds in emitted.items() for kind in kinds
                        if not is_declared(k, kind))
    assert undeclared == [], "declare these in loganalyzer/fields.py"


def test_every_declared_field_is_emitted_or_marked_rare(emitted: dict[str, set[str]]):
    unseen = sorted(n for n, spec in FIELDS.items() if spec.in_corpus and n not in emitted)
    assert unseen == [], "no parser wrote these: remove them or mark in_corpus=False"


def test_vocabulary_lookups():
    assert "vms_event" in field_names_for("vmsnapshot_log")
    assert not is_declared("vms_evnt") and not is_declared("vms_event", "syslog")
    assert is_declared("handler_anything", "handler_logfmt") and "handler_" in OPEN_PREFIXES
