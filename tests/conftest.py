"""Shared fixtures.  Tests that read ../shared skip with a reason when it is absent."""
from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """``../shared`` next to the repository; skips the test when it is not there."""
    if not SHARED.is_dir():
        pytest.skip("../shared is not next to the repository (reference data and dev corpus absent)")
    return SHARED


@pytest.fixture(scope="session")
def reference_data(shared_dir: Path) -> Path:
    return shared_dir / "reference-data"


@pytest.fixture(scope="session")
def dev_corpus(shared_dir: Path) -> Path:
    return shared_dir / "dev-corpus"


@pytest.fixture(scope="session")
def samples_dir() -> Path:
    return REPO / "sample_logs"
