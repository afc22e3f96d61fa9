"""Timestamps at the edges of the calendar (year 0001, 9999) never raise: the record is kept.

A shift by ``--tz`` can move year 1 before ``datetime.min`` (OverflowError), and any year
outside 1677–2262 is out of pandas' nanosecond range (OutOfBoundsDatetime).
"""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from hostile_inputs import cli_path

from loganalyzer.api import open_bundle

OLD_FORMAT = (b"2024/05/01 10:00:00 Daemon Azure Linux Agent Version:2.2.45\n" * 3
              + b"0001/01/01 00:10:00 ERROR Event: year one\n9999/12/31 23:59:00 ERROR far future\n"
              + b"2024/05/01 10:00:01 some later line\n" * 5)
NEW_FORMAT = (b"0001-01-01T00:00:00.000000Z ERROR ExtHandler ExtHandler year one utc\n"
              b"9999-12-31T23:59:59.999999Z INFO ExtHandler ExtHandler far\n"
              b"2024-05-01T10:00:00.000000Z INFO ExtHandler ExtHandler ok\n")


@pytest.fixture()
def bundle(tmp_path: Path) -> Path:
    (tmp_path / "var" / "log").mkdir(parents=True)
    (tmp_path / "var" / "log" / "waagent.log").write_bytes(OLD_FORMAT)
    (tmp_path / "var" / "log" / "waagent.log.1").write_bytes(NEW_FORMAT)
    return tmp_path


@pytest.mark.parametrize("tz", ["UTC", "+02:00", "-05:00", "+14:00"])
def test_year_one_and_9999_keep_every_record_in_the_events_frame(bundle: Path, tz: str) -> None:
    opened = open_bundle(bundle, tz=tz)
    events = opened.events
    assert len(events) == 13
    assert events["timestamp"].notna().sum() >= 9          # the 2024 ones at least
    coverage = opened.coverage.set_index("path")
    assert coverage.loc["var/log/waagent.log", "lines"] == 10
    assert coverage.loc["var/log/waagent.log.1", "lines"] == 3


@pytest.mark.parametrize("fmt", ["text", "json", "jsonl", "markdown", "html", "sarif", "junit"])
def test_the_cli_with_a_zone_survives_year_one_in_every_format(bundle: Path, fmt: str) -> None:
    proc = subprocess.run([str(cli_path()), str(bundle), "--tz=+02:00", "--format", fmt], capture_output=True,
                          text=True, timeout=120, check=False)
    assert proc.returncode in (0, 1), proc.stderr
    assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr
    if fmt == "json":
        lines = sum(f["lines"] for f in json.loads(proc.stdout)["coverage"]["files"])
        assert lines == 13


def test_fleet_with_events_keeps_a_bundle_with_years_outside_the_nanosecond_range(tmp_path: Path) -> None:
    """One record of year 1 or 9999 used to fail the whole bundle in ``fleet --with-events``."""
    import pyarrow.parquet as pq

    from loganalyzer.fleet import cli as fleet_cli
    vm = tmp_path / "in" / "vm1" / "var" / "log"
    vm.mkdir(parents=True)
    (vm / "waagent.log").write_bytes(OLD_FORMAT)
    (vm / "waagent.log.1").write_bytes(NEW_FORMAT)
    out = tmp_path / "out"
    fleet_cli.main([str(tmp_path / "in"), "--out", str(out), "--jobs", "1", "--with-events", "--tz", "+02:00",
                    "--fail-on", "never"])
    rows = pq.read_table(out / "bundles.parquet").to_pandas()
    assert list(rows["status"]) == ["analyzed"], list(rows.get("error", []))
    events = pq.read_table(out / "events.parquet").to_pandas()
    assert len(events) == 13
    assert events["message"].str.contains("year one|far").sum() == 4     # both files: year 1 and 9999
