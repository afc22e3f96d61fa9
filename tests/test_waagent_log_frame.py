"""The events DataFrame: typed columns built from parsed waagent.log records."""
from __future__ import annotations

import io

import pandas as pd

from loganalyzer.kinds import Kind
from loganalyzer.model import FileCoverage
from loganalyzer.parsers.base import ParseContext
from loganalyzer.parsers.frame import events_frame
from loganalyzer.parsers.waagent_log import parse
from loganalyzer.sources.base import Member

MIXED = (b"2021/03/30 19:35:35.971742 INFO Daemon Azure Linux Agent Version:2.2.45\n"
         b"2021-03-30T19:45:33.793213Z INFO ExtHandler [Microsoft.Azure.Security.Monitoring."
         b"AzureSecurityLinuxAgent-2.14.64] Target handler state: enabled [incarnation 3]\n"
         b"2023-01-18T02:58:25.589492Z ERROR SendTelemetryHandler ExtHandler Event: name=WALinuxAgent, "
         b"op=ReportEventErrors, message=DroppedEventsCount: 1\nReasons (first 5 errors): x, duration=0\n"
         b"2017/05/24 00:3:52.313748 INFO odd stamp\n"
         b"2017/13/45 00:00:00.000000 INFO impossible date\n")


def frame():
    member = Member("var/log/waagent.log", Kind.WAAGENT_LOG, lambda: io.BytesIO(MIXED))
    return events_frame(parse(member, ParseContext(FileCoverage(member.path, "waagent_log"))))


def test_columns_and_types():
    df = frame()
    assert list(df.columns) == ["timestamp", "time_kind", "local_time", "level", "thread", "source",
                                "extension", "extension_version", "generation", "kind", "path", "line_start",
                                "line_end", "message", "fields"]
    assert str(df["timestamp"].dtype) == "datetime64[ns, UTC]"
    for name in ("time_kind", "level", "thread", "source", "extension", "generation", "kind", "path"):
        assert isinstance(df[name].dtype, pd.CategoricalDtype), name
    assert df["line_start"].dtype == "int64" and df["local_time"].dtype == bool
    assert df["message"].dtype == object


def test_values_follow_the_records():
    df = frame()
    assert df["line_start"].tolist() == [1, 2, 3, 5, 6] and df["line_end"].tolist() == [1, 2, 4, 5, 6]
    assert df["local_time"].tolist() == [True, False, False, True, False]
    assert df["generation"].tolist() == ["2.2.31-2.2.45", "2.2.47+", "2.2.47+", "2.1-2.2.30", "2.1-2.2.30"]
    assert df["extension"].iloc[1] == "Microsoft.Azure.Security.Monitoring.AzureSecurityLinuxAgent"
    assert pd.isna(df["extension"].iloc[0]) and pd.isna(df["thread"].iloc[0])
    assert pd.isna(df["timestamp"].iloc[4]) and df["time_kind"].iloc[4] == "none"
    assert df["timestamp"].iloc[2] == pd.Timestamp("2023-01-18T02:58:25.589492Z")
    assert df["fields"].iloc[2]["event_op"] == "ReportEventErrors"


def test_no_events_give_an_empty_frame_with_the_same_columns():
    df = events_frame([])
    assert len(df) == 0 and "timestamp" in df.columns and str(df["timestamp"].dtype) == "datetime64[ns, UTC]"
