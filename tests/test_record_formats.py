"""The line-format table: every generation's sample lines read back as documented."""
from __future__ import annotations

from datetime import UTC, timedelta, timezone

import pytest

from loganalyzer.model import TimeKind
from loganalyzer.parsers.record_formats import (
    GENERATIONS,
    NO_TIMESTAMP_START,
    RECORD_FORMATS,
    FormatState,
    Header,
    decode_no_timestamp,
    parse_header_line,
)

SAMPLES = [(fmt.generation, sample) for fmt in RECORD_FORMATS for sample in fmt.samples]


def _read_table_in_order() -> list[tuple[str, object, Header | None]]:
    """The table read top to bottom as one file that upgrades through the generations."""
    state = FormatState()
    out = []
    for generation, sample in SAMPLES:
        if generation == "no-timestamp":
            m = NO_TIMESTAMP_START.match(sample.line)
            header = Header(*decode_no_timestamp(m, state)) if m else None
            out.append((generation, sample, header, sample.line[m.end():] if m else None))
        else:
            header = parse_header_line(sample.line, state=state)
            out.append((generation, sample, header, header and _message(sample.line)))
    return out


def _message(line: str) -> str:
    from loganalyzer.parsers.record_formats import RECORD_START_AT_LINE
    return RECORD_START_AT_LINE.match(line).group("msg")


@pytest.mark.parametrize("generation, sample, header, message", _read_table_in_order(),
                         ids=[f"{g}-{i}" for i, (g, _) in enumerate(SAMPLES)])
def test_every_sample_line_reads_as_its_generation(generation, sample, header, message):
    assert header is not None, sample.line
    assert header.generation == generation
    assert header.level == sample.level
    assert header.thread == sample.thread
    assert header.source == sample.source
    assert header.extension == sample.extension
    assert message == sample.message


def test_generation_names_are_unique_and_every_format_has_samples():
    assert len(set(GENERATIONS)) == len(GENERATIONS)
    assert set(GENERATIONS) >= {"1.x-2.0", "ext-2.0", "2.1-2.2.30", "2.2.31-2.2.45", "2.2.46", "2.2.47+",
                                "2.8+-noprefix", "no-timestamp"}
    assert all(fmt.samples for fmt in RECORD_FORMATS)


def test_utc_stamps_are_utc_and_slash_stamps_are_local_time_shifted_by_the_users_zone():
    utc = parse_header_line("2021-05-28T01:17:40.683072Z INFO ExtHandler Wire server endpoint:168.63.129.16")
    assert utc.time_kind is TimeKind.UTC and utc.timestamp.tzinfo is not None
    plus_two = timezone(timedelta(hours=2))
    local = parse_header_line("2019/06/06 22:24:35.982462 INFO ExtHandler Primary interface is [eth0]",
                              tz=plus_two)
    assert local.time_kind is TimeKind.LOCAL
    assert local.timestamp.isoformat() == "2019-06-06T20:24:35.982462+00:00"
    assert local.timestamp.tzinfo == UTC


def test_stamps_without_fraction_are_second_resolution():
    h = parse_header_line("2021/03/30 19:45:31 Azure Monitoring Agent for Linux started to handle.")
    assert h.timestamp.microsecond == 0 and h.generation == "1.x-2.0"


def test_odd_posted_time_still_starts_a_record_with_a_best_effort_time():
    # dev-corpus 012: "00:3:52" in a serial-console paste
    h = parse_header_line("2017/05/24 00:3:52.313748 INFO Protocol endpoint not found: MetadataProtocol")
    assert h.timestamp.isoformat() == "2017-05-24T00:03:52.313748+00:00"


def test_impossible_date_starts_a_record_without_a_timestamp():
    h = parse_header_line("2017/13/45 10:00:00.000000 INFO something")
    assert h is not None and h.timestamp is None and h.time_kind is TimeKind.NONE


def test_a_stray_letter_glued_before_the_timestamp_is_tolerated():
    # dev-corpus 007: "q2017/08/02 15:09:57.713136 INFO Event: ..."
    h = parse_header_line("q2017/08/02 15:09:57.713136 INFO Event: name=WALinuxAgent, op=ProcessGoalState, "
                          "message=")
    assert h is not None and h.generation == "2.1-2.2.30" and h.level == "INFO"


@pytest.mark.parametrize("line", [
    "2017/11/02 03:00:29.408051 INFO [HTTP Retry] Attempt 2 of 3: [HTTP Failed] HTTP PUT IOError timed out",
    "2021-03-29T23:33:15.603530Z INFO ExtHandler [CGW] Disabling resource usage monitoring.",
    "2022-09-30T02:48:33.134649Z WARNING ExtHandler [PERIODIC] Attempts to retrieve VM size information",
])
def test_brackets_that_are_not_extension_prefixes_stay_in_the_message(line):
    h = parse_header_line(line)
    assert h.extension is None
    assert not (h.source or "").startswith("[")


def test_multi_config_extension_prefix_names_the_handler_and_extension():
    h = parse_header_line("2023-04-14T14:49:44.625061Z INFO ExtHandler "
                          "[Microsoft.CPlat.Core.RunCommandHandlerLinux.myRun-1.3.2] Target handler "
                          "state: enabled")
    assert h.extension == "Microsoft.CPlat.Core.RunCommandHandlerLinux.myRun"
    assert h.extension_version == "1.3.2"


def test_one_token_utc_line_is_2_2_46_until_a_five_field_line_was_seen():
    state = FormatState()
    line = "2023-07-30T02:15:50.694099Z INFO ExtHandler Fetched a new incarnation [incarnation 2]"
    assert parse_header_line(line, state=state).generation == "2.2.46"
    parse_header_line("2023-07-30T02:15:49.000000Z INFO ExtHandler ExtHandler Fetch goal state", state=state)
    after = parse_header_line(line, state=state)
    assert (after.generation, after.thread) == ("2.8+-noprefix", "ExtHandler")


def test_one_token_utc_line_dated_before_agent_2_8_stays_2_2_46():
    state = FormatState(seen_five_field=True)
    h = parse_header_line("2021-05-28T01:17:40.683072Z INFO ExtHandler Wire server endpoint:168.63.129.16",
                          state=state)
    assert h.generation == "2.2.46"


@pytest.mark.parametrize("line", [
    "  File \"/usr/lib/python3/dist-packages/azurelinuxagent/ga/update.py\", line 280, in run",
    "[stdout]",
    "Traceback (most recent call last):",
    "2017/08/02",
    "",
    "ERROR ExtHandler Command: [iptables -w]",   # timestamp-less: not a start inside a timestamped file
])
def test_continuation_lines_start_no_record(line):
    assert parse_header_line(line) is None
