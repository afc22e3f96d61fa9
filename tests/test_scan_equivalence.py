"""The fast paths of the scan and of the events frame give what the reference paths give.

* waagent.log scan: :data:`loganalyzer.parsers.waagent_log.FAST_PATH` (a first regex branch for
  the current line shape) against the general record-start pattern alone — every event field and
  every coverage entry, on every sample bundle, every dev-corpus case, 20 small generated bundles
  (different seeds and planted causes) and random mixes of near-miss lines;
* ``bundle.events``: the columns redacted at once (:func:`loganalyzer.redact.redact_many`) against
  :func:`~loganalyzer.redact.redact` text by text;
* gzip: the inflate module in use (python-isal or zlib-ng when installed) against stdlib zlib.
"""
from __future__ import annotations

import gzip
import io
import subprocess
import sys
import zlib
from datetime import UTC
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from known_inputs import CAUSES, GENERATOR

from loganalyzer import redact as redact_mod
from loganalyzer.model import FileCoverage
from loganalyzer.parsers import frame as frame_mod
from loganalyzer.parsers import waagent_log
from loganalyzer.pipeline import Pipeline
from loganalyzer.redact import SHAPES, redact, redact_many, redact_obj, redact_obj_many
from loganalyzer.result import AnalysisOptions
from loganalyzer.sources import open_source, sniff

INJECTS = CAUSES


def _read(path: Path, fast: bool, monkeypatch: pytest.MonkeyPatch, tz=UTC) -> tuple[list, list]:
    monkeypatch.setattr(waagent_log, "FAST_PATH", fast)
    pipeline = Pipeline(open_source(str(path)), AnalysisOptions(tz=tz))
    events = pipeline.read()
    return events, list(pipeline.scan.coverage)


def _same_scan(path: Path, monkeypatch: pytest.MonkeyPatch, tz=UTC) -> int:
    fast_events, fast_coverage = _read(path, True, monkeypatch, tz)
    ref_events, ref_coverage = _read(path, False, monkeypatch, tz)
    assert len(fast_events) == len(ref_events), path
    for fast, ref in zip(fast_events, ref_events, strict=True):
        assert fast == ref, (path, fast, ref)          # every field, fields dict included
    assert fast_coverage == ref_coverage, path
    return len(fast_events)


def _inputs(root: Path) -> list[Path]:
    return sorted(p for p in root.iterdir() if not p.name.startswith(".") and p.suffix not in (".py", ".md"))


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """20 small generated bundles: seeds 1-20, one or two planted causes each, 300-1,250 lines."""
    if not GENERATOR.exists():
        pytest.skip(f"{GENERATOR} is missing")
    out = tmp_path_factory.mktemp("generated")
    paths = []
    procs = []
    for seed in range(1, 21):
        injects = [INJECTS[seed % len(INJECTS)]] + ([INJECTS[(seed * 7) % len(INJECTS)]] if seed % 2 else [])
        path = out / f"bench-{seed}.tar.gz"
        cmd = [sys.executable, str(GENERATOR), "--lines", str(300 + 50 * seed), "--seed", str(seed),
               "--out", str(path), "--quiet"]
        for name in injects:
            cmd += ["--inject", name]
        procs.append(subprocess.Popen(cmd))
        paths.append(path)
    for proc in procs:
        assert proc.wait() == 0
    return paths


def test_scan_same_on_samples(samples_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    inputs = _inputs(samples_dir)
    assert len(inputs) >= 5
    assert sum(_same_scan(p, monkeypatch) for p in inputs) > 0


def test_scan_same_on_samples_in_local_time(samples_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for path in _inputs(samples_dir):
        _same_scan(path, monkeypatch, tz=ZoneInfo("Europe/Berlin"))


def test_scan_same_on_dev_corpus(dev_corpus: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cases = [p for p in sorted(dev_corpus.iterdir()) if p.is_dir()]
    if not cases:
        pytest.skip("no dev corpus")
    for case in cases:
        _same_scan(case, monkeypatch)


def test_scan_same_on_generated_bundles(generated: list[Path], monkeypatch: pytest.MonkeyPatch) -> None:
    counts = [_same_scan(path, monkeypatch) for path in generated]
    assert len(counts) == 20 and min(counts) > 100


# ------------------------------------------------------------------ near-miss lines, randomly mixed

_LINES = st.sampled_from([
    "2024-05-01T00:00:31.013681Z INFO ExtHandler ExtHandler Agent up",
    "2024-05-01T00:00:31.013681Z INFO ExtHandler ExtHandler",                 # no message: general
    "2024-05-01T00:00:31.013681Z INFO ExtHandler ExtHandler  two spaces",
    "2024-05-01T00:00:31.01368Z INFO ExtHandler ExtHandler five digits",
    "2024-05-01T00:00:31Z INFO ExtHandler ExtHandler no fraction",
    "2024-13-01T00:00:31.013681Z INFO ExtHandler ExtHandler month 13",
    "2024-02-30T00:00:31.013681Z ERROR ExtHandler ExtHandler no such day",
    " 2024-05-01T00:00:31.013681Z INFO ExtHandler ExtHandler indented",
    "q2024-05-01T00:00:31.013681Z INFO ExtHandler ExtHandler glued letter",
    "2024-05-01T00:00:31.013681Z WARNING EnvHandler ExtHandler Dhcp client is not running.",
    "2024-05-01T00:00:31.013681Z INFO ExtHandler [Microsoft.CPlat.Core.RunCommandLinux-1.0.5] Target",
    "2024-05-01T00:00:31.013681Z INFO ExtHandler [Not-A-Version] bracket",
    "2024-05-01T00:00:31.013681Z INFO ExtHandler ExtHandlerX glued prefix",
    "2024-05-01T00:00:31.013681Z INFO ExtHandler\tExtHandler tab",
    "2024-05-01T00:00:31.013681Z VERBOSE ExtHandler ExtHandler verbose",
    "2024-05-01T00:00:31.013681Z DEBUG ExtHandler ExtHandler not a level",
    "2021-05-28T01:17:40.683072Z INFO ExtHandler Wire server endpoint:168.63.129.16",
    "2025-07-30T02:15:50.694099Z ERROR ExtHandler Error fetching the goal state certificates",
    "2019/06/06 22:24:35.982462 INFO ExtHandler local time",
    "2017/06/14 22:46:43.331214 WARNING threadless",
    "2016/12/16 17:18:09 ERROR:Error Traceback (most recent call last):",
    '2016/12/16 17:18:09 ERROR:  File "/usr/sbin/waagent", line 5659, in AddExtensionEvent',
    "2016/12/16 17:18:09 ERROR:Exception: too many files",
    "2016/12/16 17:18:09 ERROR:",
    "2021/11/15 16:32:00 [Microsoft.Azure.Extensions.CustomScript-2.1.6] own line",
    "2024-05-01T00:00:31.013681Z INFO ExtHandler ExtHandler Event: name=Microsoft.Azure.Extensions."
    "CustomScript, op=Enable, message=[ExtensionOperationError] Non-zero exit code: 1",
    "[stdout]", "[stderr]", "out, duration=12",
    "ERROR ExtHandler ExtHandler timestamp cut", "INFO Daemon up", "ERROR:glued no stamp",
    "Traceback (most recent call last):", '  File "x.py", line 1, in f', "ValueError: boom",
    "", "   ", "incarnation 3 [HttpError] HTTP Failed GET http://168.63.129.16/ -- IOError timed out",
    "2024-05-01T00:00:31.013681Z INFO ExtHandler ExtHandler caf\u00e9 \ufffd",
])


@settings(max_examples=300, deadline=None)
@given(st.lists(_LINES, max_size=40), st.integers(1, 6), st.booleans())
def test_fast_branch_same_on_line_mixes(lines: list[str], pieces: int, final_newline: bool) -> None:
    text = "\n".join(lines) + ("\n" if final_newline and lines else "")
    # cut into chunks at line ends, as iter_text_chunks hands them out
    cuts = sorted({i + 1 for i, c in enumerate(text) if c == "\n"})[::pieces] if text else []
    chunks, start = [], 0
    for cut in cuts:
        chunks.append(text[start:cut])
        start = cut
    if start < len(text) or not chunks:
        chunks.append(text[start:])
    results = []
    for fast in (True, False):
        coverage = FileCoverage("w", "waagent_log")
        events = list(waagent_log.parse_chunks(chunks, "w", "waagent_log", UTC, coverage, fast=fast))
        results.append((events, coverage))
    assert results[0] == results[1]


# ------------------------------------------------------------------ the events frame

def test_redact_many_same_as_redact(monkeypatch: pytest.MonkeyPatch) -> None:
    samples = [s for shape in SHAPES for s in shape.positives + shape.negatives]
    variants = [v for s in samples for v in (s, s.upper(), s.replace("s", "\u017f"), "caf\u00e9 " + s,
                                             s.replace("a", "\u0130"), "plain text " * 3)]
    texts = (variants * (300 // len(variants) + 2))[:max(600, len(variants))]
    assert len(texts) >= 256           # the column path, not the one-by-one fallback
    assert redact_many(texts) == [redact(t) for t in texts]
    assert redact_many(texts[:10]) == [redact(t) for t in texts[:10]]
    monkeypatch.setattr(redact_mod, "_SLICE", 300)      # slices, the last one short of the threshold
    assert redact_many(texts) == [redact(t) for t in texts]
    objs = [None, {"password": "x", "m": texts[0], "n": [1, texts[1]], "d": {"token": "abc", "k": texts[2]}},
            {"sasUri": "", "x": 3}, {"apikey": 5}] * 100
    assert redact_obj_many(objs) == [redact_obj(o) for o in objs]


def test_events_frame_same_as_one_by_one(generated: list[Path], samples_dir: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    for path in [*generated[:4], *_inputs(samples_dir)]:
        events, _ = _read(path, True, monkeypatch)
        fast = frame_mod.events_frame(events)
        with monkeypatch.context() as m:
            m.setattr(frame_mod, "redact_many", lambda texts: [redact(t) for t in texts])
            m.setattr(frame_mod, "redact_obj_many", lambda objs: [redact_obj(o) for o in objs])
            reference = frame_mod.events_frame(events)
        assert fast.equals(reference), path
        assert list(fast["fields"]) == list(reference["fields"]), path


# ------------------------------------------------------------------ inflate

@pytest.mark.skipif(sniff.INFLATE is zlib, reason="no faster inflate module installed")
def test_inflate_module_same_bytes_and_damage(generated: list[Path], monkeypatch: pytest.MonkeyPatch) -> None:
    def read_all(data: bytes, module) -> tuple[bytes, str | None]:
        monkeypatch.setattr(sniff, "INFLATE", module)
        stream = sniff.GzipStream(io.BytesIO(data))
        out = []
        try:
            while block := stream.read(1 << 16):
                out.append(block)
        except (OSError, EOFError) as error:
            return b"".join(out), type(error).__name__
        return b"".join(out), None

    fast_module = sniff.INFLATE
    for path in generated[:5]:
        data = path.read_bytes()
        flipped = bytearray(data)
        flipped[len(data) // 3] ^= 0x55
        cuts = [data[:n] for n in (20, 200, len(data) // 7, len(data) // 2, len(data) - 9, len(data) - 1)]
        for variant in (data, *cuts, bytes(flipped), data + b"junk", data + gzip.compress(b"more\n")):
            assert read_all(variant, fast_module) == read_all(variant, zlib), path
