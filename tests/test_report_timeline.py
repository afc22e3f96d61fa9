"""Timeline rows for the HTML drawing and ``bundle.timeline()``."""
from __future__ import annotations

from datetime import timedelta

import pytest
from report_fixtures import at, failing_backup_result, healthy_result

from loganalyzer.report import render
from loganalyzer.report.svg_timeline import LEFT, RIGHT, WIDTH, timeline_svg
from loganalyzer.report.time_scale import broken_scale
from loganalyzer.report.timeline import CATEGORIES, timeline_rows


def test_rows_cover_every_category_in_time_order():
    rows = timeline_rows(failing_backup_result())
    assert {r["category"] for r in rows} == set(CATEGORIES)
    times = [r["time"] for r in rows]
    assert times == sorted(times) and all(t.tzinfo is not None for t in times)
    assert all(set(r) == {"time", "category", "label", "path", "line"} for r in rows)


def test_rows_say_what_happened_and_where():
    rows = timeline_rows(failing_backup_result())
    restart = next(r for r in rows if r["category"] == "restart" and r["line"] == 8)
    assert restart["label"] == "goal_state agent 2.11.1.4 started (did not terminate cleanly)"
    backup_end = next(r for r in rows if r["label"].startswith("backup task-0a1b ended"))
    assert backup_end["label"] == "backup task-0a1b ended: success" and backup_end["line"] == 200
    errors = [r for r in rows if r["category"] == "error"]
    assert [(r["path"], r["line"]) for r in errors] == [
        ("var/log/azure/Microsoft.Azure.RecoveryServices.VMSnapshotLinux/extension.log", 2310),
        ("var/log/waagent.log", 810), ("var/log/waagent.log", 812)]


def test_facts_without_time_are_left_out():
    result = healthy_result()
    result.facts.backups[1].end = None
    result.facts.goal_states[0].timestamp = None
    labels = [r["label"] for r in timeline_rows(result)]
    assert "goal state 1 (log)" not in labels
    assert not any(label.startswith("backup task-9f8e ended") for label in labels)


def test_a_single_moment_is_drawn_in_the_middle():
    rows = timeline_rows(failing_backup_result())[:1]
    svg = timeline_svg(rows)
    assert svg.count("<circle") == 1 and f'cx="{(LEFT + WIDTH - RIGHT) / 2:.1f}"' in svg


def test_a_burst_next_to_an_old_line_keeps_its_width():
    old = {"time": at("2017-03-27T14:00:45"), "category": "restart", "label": "old", "path": None,
           "line": None}
    burst = [{"time": at("2024-05-30T13:00:00") + timedelta(minutes=n), "category": "error", "label": "x",
              "path": None, "line": None} for n in range(60)]
    scale = broken_scale([r["time"] for r in [old, *burst]], LEFT, WIDTH - RIGHT)
    spread = scale.x(burst[-1]["time"]) - scale.x(burst[0]["time"])
    assert len(scale.breaks) == 1 and spread > 0.9 * (WIDTH - LEFT - RIGHT - 2 * 16)
    svg = timeline_svg([old, *burst])
    assert "7.2 years without events" in svg and svg.count('class="mark error"') > 50


def test_unknown_format_is_refused_with_the_known_ones():
    with pytest.raises(ValueError, match="text, json, markdown, html, sarif, junit"):
        render(failing_backup_result(), "pdf")


def test_a_mark_within_one_second_names_its_time_once():
    rows = [{"time": at("2024-05-30T13:00:00") + timedelta(microseconds=n), "category": "error",
             "label": "x", "path": None, "line": None} for n in (0, 500, 3_600_000_000)]
    svg = timeline_svg(rows)
    assert "2 events, 2024-05-30T13:00:00Z\n" in svg and "13:00:00Z – 2024-05-30T13:00:00Z" not in svg
