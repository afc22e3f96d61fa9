"""One local-time conversion: the same wall time reads as the same UTC in every parser."""
from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

import loganalyzer
from loganalyzer.parsers.localtime import local_to_utc

#: (wall time in the log, expected UTC) in Europe/Berlin: the autumn overlap reads as its first
#: occurrence (CEST), the spring gap with the offset before the jump (CET).
CASES = {
    "overlap": ("2024/10/27 02:30:00", "Oct 27 02:30:00", "2024-10-27 02:30:00",
                datetime(2024, 10, 27, 0, 30, tzinfo=UTC), "2024-10-27T00:10:00+00:00"),
    "gap": ("2024/03/31 02:30:00", "Mar 31 02:30:00", "2024-03-31 02:30:00",
            datetime(2024, 3, 31, 1, 30, tzinfo=UTC), "2024-03-31T00:10:00+00:00"),
}


def _bundle(root: Path, case: str) -> Path:
    slash, bsd, iso, _, anchor = CASES[case]
    (root / "var/log").mkdir(parents=True)
    (root / "var/log/waagent.log").write_text(f"{slash}.000000 INFO ExtHandler {case} in waagent.log\n")
    # BSD syslog has no year: an ISO-stamped line before it gives one
    (root / "var/log/messages").write_text(f"{anchor} vm systemd[1]: anchor\n"
                                           f"{bsd} vm myprog[12]: {case} in syslog\n")
    (root / "notes.txt").write_text(f"{iso} {case} in plain text\n")
    return root


@pytest.mark.parametrize("case", sorted(CASES))
def test_same_wall_time_is_same_utc_in_every_parser(tmp_path: Path, case: str) -> None:
    events = loganalyzer.open_bundle(_bundle(tmp_path, case), tz="Europe/Berlin").events
    mine = events[events["message"].str.startswith(case)]
    assert sorted(mine["kind"].astype(str)) == ["other_text", "syslog", "waagent_log"]
    assert set(mine["timestamp"]) == {CASES[case][3]}
    assert set(mine["time_kind"].astype(str)) == {"local"}


def test_dst_edges_are_deterministic() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    assert local_to_utc(datetime(2024, 10, 27, 2, 30), berlin) == CASES["overlap"][3]
    assert local_to_utc(datetime(2024, 10, 27, 2, 30, fold=1), berlin) == CASES["overlap"][3]
    assert local_to_utc(datetime(2024, 3, 31, 2, 30), berlin) == CASES["gap"][3]


def test_utc_is_the_wall_time_and_out_of_range_is_none() -> None:
    assert local_to_utc(datetime(2024, 1, 1, 12), UTC) == datetime(2024, 1, 1, 12, tzinfo=UTC)
    assert local_to_utc(datetime(9999, 12, 31, 23), ZoneInfo("Asia/Tokyo")) is not None
    assert local_to_utc(datetime(1, 1, 1, 0, 30), ZoneInfo("Asia/Tokyo")) is None
