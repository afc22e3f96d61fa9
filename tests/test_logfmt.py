"""Go extension handlers' handler.log in go-kit logfmt (CustomScript v2, Run Command)."""
from __future__ import annotations

from datetime import UTC, datetime

from extlog_support import FIXTURES, assert_lines_accounted, run
from hypothesis import given, settings
from hypothesis import strategies as st

from loganalyzer.kinds import Kind
from loganalyzer.model import TimeKind
from loganalyzer.parsers.logfmt import pairs, parse, record_fields

# Lines of Microsoft's CustomScript documentation (formats.md §5.3).
DOC_START = "time=2018-04-26T17:47:23Z version=v2.0.6/git@1008306-clean operation=enable seq=0 event=start"


def read(data: bytes):
    return run(parse, data, Kind.HANDLER_LOGFMT, "var/log/azure/custom-script/handler.log",
               extension="Microsoft.Azure.Extensions.CustomScript")


def test_documented_start_line() -> None:
    [e], _ = read(DOC_START.encode())
    assert e.timestamp == datetime(2018, 4, 26, 17, 47, 23, tzinfo=UTC)
    assert (e.time_kind, e.level, e.message) == (TimeKind.UTC, None, DOC_START)
    assert e.fields == {"handler_version": "v2.0.6/git@1008306-clean", "handler_operation": "enable",
                        "handler_seq": 0, "handler_event": "start"}
    assert e.extension == "Microsoft.Azure.Extensions.CustomScript"


def test_fixture_quoted_values_escapes_and_continuations() -> None:
    data = (FIXTURES / "custom_script_handler.log").read_bytes()
    events, ctx = read(data)
    assert_lines_accounted(events, ctx, data)
    failed = events[2]
    assert failed.fields["handler_event"] == "failed to handle"
    assert failed.fields["handler_error"] == (
        'failed to execute command: command terminated with exit status=127\n'
        'stderr: "/bin/sh: 1: ./install.sh: not found"')
    assert (failed.line_start, failed.line_end) == (3, 4)          # the panic line continues it
    assert failed.message.endswith("panic: runtime error: index out of range")
    assert events[3].fields["handler_message"] == "done"            # the misspelt 'messsage' key


def test_pairs_resolve_go_escapes_and_unterminated_quotes() -> None:
    assert pairs(r'a="x\"y\\z\tw\u00e9" b=2') == {"a": 'x"y\\z\tw\u00e9', "b": "2"}
    assert pairs('error="never closed') == {"error": "never closed"}
    assert pairs("k= v=1") == {"k": "", "v": "1"}


def test_level_key_and_non_numeric_seq() -> None:
    [e], _ = read(b"time=2023-01-02T03:04:05.5+01:00 level=error seq=abc msg=boom")
    assert e.level == "ERROR" and e.timestamp == datetime(2023, 1, 2, 2, 4, 5, 500000, tzinfo=UTC)
    assert record_fields({"seq": "abc", "msg": "boom"}) == {"handler_seq": "abc", "handler_message": "boom"}


def test_leading_text_is_unparsed() -> None:
    events, ctx = read(b"not logfmt\n" + DOC_START.encode())
    assert ctx.coverage.unparsed_samples == [(1, "not logfmt")] and len(events) == 1


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000))
def test_arbitrary_bytes_never_raise_and_lines_are_accounted(data: bytes) -> None:
    events, ctx = read(data)
    assert_lines_accounted(events, ctx, data)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_pairs_never_raise(text: str) -> None:
    pairs(text)
