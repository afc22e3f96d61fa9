"""Every field of :class:`~loganalyzer.limits.Limits` is one budget that, when hit, is reported.

The table below has one tiny input per limit, opened through the API with that limit set low:
the coverage must name what was not read.  A new limit without a row fails the first test, so
no format can add a budget that is silently lost.
"""
from __future__ import annotations

import gzip
import io
import json
import lzma
import re
import tarfile
import zipfile
from collections.abc import Callable
from dataclasses import fields
from pathlib import Path

import pytest
from hostile_inputs import GOAL_STATE_XML, WAAGENT_LINES, folder_bundle

import loganalyzer
from loganalyzer.limits import Limits

EVENTS = "var/log/azure/Microsoft.Foo.Bar/events"


def _zip(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buf.getvalue()


def _tar_long_name(root: Path) -> Path:
    root.mkdir(parents=True)
    path = root / "bundle.tar"
    with tarfile.open(path, "w", format=tarfile.GNU_FORMAT) as tar:
        info = tarfile.TarInfo("var/log/" + "x" * 300 + "/waagent.log")
        info.size = len(WAAGENT_LINES)
        tar.addfile(info, io.BytesIO(WAAGENT_LINES))
    return path


def _log(root: Path, data: bytes = WAAGENT_LINES, name: str = "var/log/waagent.log") -> Path:
    return folder_bundle(root, {name: data})


def _events(root: Path, records: int, nested: bool = False) -> Path:
    body = [{"Message": "m", "x": [[1]]} if nested else {"Message": "m"} for _ in range(records)]
    return folder_bundle(root, {f"{EVENTS}/1.json": json.dumps(body).encode(),
                                "var/log/waagent.log": WAAGENT_LINES})


#: limit → (its value [, other NAME=VALUE it needs], input builder, pattern a coverage reason must match)
CASES: dict[str, tuple[str, Callable[[Path], Path], str]] = {
    "max_members": ("2", lambda r: folder_bundle(r, {f"var/log/waagent.log.{i}": WAAGENT_LINES
                                                     for i in range(4)}), r"member limit reached"),
    "max_total_bytes": ("200", lambda r: _log(r, WAAGENT_LINES * 3), r"bundle byte limit \(200 bytes\)"),
    "max_member_bytes": ("100", _log, r"member byte limit \(100 bytes\)"),
    "max_ratio": ("10,ratio_grace_bytes=64KiB",
                  lambda r: _log(r, gzip.compress(bytes(1 << 20)), "var/log/waagent.log.1.gz"),
                  r"compression ratio above 10:1"),
    "ratio_grace_bytes": ("64KiB",
                          lambda r: _log(r, gzip.compress(bytes(1 << 20)), "var/log/waagent.log.1.gz"),
                          r"compression ratio above 100:1 after 64 KiB"),
    "max_depth": ("1", lambda r: _log(r, _zip({"inner.zip": _zip({"GoalState.xml": GOAL_STATE_XML})}),
                                      "var/lib/waagent/history/2024-05-01T10-00-00__3.zip"),
                  r"over the depth limit \(1\)"),
    "max_nested_archive_bytes": ("100", lambda r: _log(r, _zip({"GoalState.xml": GOAL_STATE_XML * 4}),
                                                      "var/lib/waagent/history/2024-05-01T10-00-00__3.zip"),
                                 r"nested archive .*(limit|larger)"),
    "max_line_bytes": ("64", _log, r"lines longer than 64 bytes were cut"),
    "max_xml_bytes": ("100", lambda r: _log(r, GOAL_STATE_XML, "var/lib/waagent/GoalState.3.xml"),
                      r"larger than the 100-byte limit"),
    "max_json_bytes": ("100", lambda r: _events(r, 20), r"larger than the 100-byte limit"),
    "max_xml_elements": ("3", lambda r: _log(r, GOAL_STATE_XML, "var/lib/waagent/GoalState.3.xml"),
                         r"XML element limit \(3 elements, max_xml_elements\)"),
    "max_json_depth": ("2", lambda r: _events(r, 2, nested=True), r"JSON nested deeper than 2 levels"),
    "max_extended_header_bytes": ("100", _tar_long_name,
                                  r"over the 100 bytes limit \(max_extended_header_bytes\)"),
    "max_xz_memory": ("1MiB", lambda r: _log(r, lzma.compress(WAAGENT_LINES), "var/log/waagent.log.1.xz"),
                      r"needs more than 1 MiB of memory to decode .*max_xz_memory"),
    "max_conf_keys": ("1", lambda r: folder_bundle(r, {"etc/waagent.conf": b"A=1\nB=2\nLogs.Verbose=y\n"}),
                      r"setting limit \(1 keys .*max_conf_keys\) reached at line 2: 1 settings not kept"),
    "max_extension_events": ("1", lambda r: _events(r, 3), r"extension event limit \(1 events .*\) reached"),
    "max_seconds": ("0.000001", _log, r"time limit"),
}


def test_every_limit_has_a_case() -> None:
    assert sorted(CASES) == sorted(f.name for f in fields(Limits))


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_limit_that_is_hit_is_reported_in_the_coverage(name: str, tmp_path: Path) -> None:
    value, build, pattern = CASES[name]
    path = build(tmp_path / "in")
    limits = Limits().with_overrides(f"{name}={value}".split(","))
    result = loganalyzer.analyze(path, limits=limits)
    said = [c.reason or "" for c in result.coverage] + list(result.input.notes)
    assert any(re.search(pattern, text) for text in said), said
    assert not any(re.search(pattern, text)
                   for text in [c.reason or "" for c in loganalyzer.analyze(path).coverage]), \
        "the default limits already cut this input"
