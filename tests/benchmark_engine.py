"""Where the rule engine's per-record time goes: ``python tests/benchmark.py engine BUNDLE``.

Every record the engine observes takes one of four paths (``loganalyzer.rules.engine``):

* ``exact``: its text was decided before (the decision cache), the actions are replayed;
* ``shape``: a record of its shape was decided and the decision holds for the whole shape;
* ``redo``: the shape's decision is shared but some conditions are asked again for this record
  (their answer or captures depend on its numbers: heartbeat counters, incarnations);
* ``decided``: decided from scratch (a new text, or a shape whose records may decide differently).

For each: records, CPU seconds of ``observe`` (actions included) and µs per record, then the rule
sets whose conditions are asked again most (the records that cost most).  The timers read a CPU
clock twice per record, which adds about 1 µs to each; compare paths with each other, not with
an untimed run.  The bundle is read once untimed first (rule loading, imports).
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

PATHS = ("exact", "shape", "redo", "decided")


def engine_paths(bundle: Path, top: int = 5) -> dict[str, Any]:
    """Records, CPU seconds and µs per record of each decision path, and the ``top`` rule sets
    the engine asks again (``redo``) by CPU seconds, for one in-process analysis of ``bundle``."""
    from loganalyzer import analysis
    from loganalyzer.rules import engine as engine_mod

    cls = engine_mod.RuleEngine
    clock = time.process_time
    records: Counter[str] = Counter()
    seconds: Counter[str] = Counter()
    redo_seconds: Counter[str] = Counter()
    redo_records: Counter[str] = Counter()
    took: dict[str, Any] = {}
    originals = {name: getattr(cls, name) for name in ("observe", "_actions_for", "_redo", "_decide")}

    def actions_for(self: Any, *args: Any, **kwargs: Any) -> Any:
        took.setdefault("path", "shape")
        return originals["_actions_for"](self, *args, **kwargs)

    def redo(self: Any, event: Any, text: str, shared: Any, again: Any, recheck: Any) -> Any:
        took["path"] = "redo"
        watchers = self._watchers
        took["rules"] = ", ".join(sorted({watchers[shared[k][0]].rule.id for k in again}
                                         | {watchers[i].rule.id for i in recheck}))
        return originals["_redo"](self, event, text, shared, again, recheck)

    def decide(self: Any, *args: Any, **kwargs: Any) -> Any:
        took["path"] = "decided"
        return originals["_decide"](self, *args, **kwargs)

    def observe(self: Any, event: Any) -> None:
        took.clear()
        t = clock()
        originals["observe"](self, event)
        spent = clock() - t
        path = took.get("path", "exact")
        records[path] += 1
        seconds[path] += spent
        if path == "redo":
            redo_seconds[took["rules"]] += spent
            redo_records[took["rules"]] += 1

    analysis.analyze(str(bundle))      # warm-up: rule loading and imports are start-up
    for name, wrapper in (("observe", observe), ("_actions_for", actions_for), ("_redo", redo),
                          ("_decide", decide)):
        setattr(cls, name, wrapper)
    try:
        analysis.analyze(str(bundle))
    finally:
        for name, original in originals.items():
            setattr(cls, name, original)
    return {
        "paths": {p: {"records": records[p], "seconds": round(seconds[p], 3),
                      "us_per_record": round(seconds[p] / records[p] * 1e6, 1) if records[p] else 0.0}
                  for p in PATHS},
        "asked_again": [{"rules": rules, "records": redo_records[rules], "seconds": round(s, 3)}
                        for rules, s in redo_seconds.most_common(top)],
    }


def print_engine_paths(bundle: Path) -> None:
    """Run :func:`engine_paths` in a fresh process (its own imports and caches) and print it."""
    out = subprocess.run([sys.executable, str(Path(__file__).with_name("benchmark.py")), "_engine",
                          str(bundle)], check=True, capture_output=True, text=True).stdout
    data = json.loads(out.strip().splitlines()[-1])
    total = sum(p["seconds"] for p in data["paths"].values()) or 1.0
    print("rule engine per record (CPU, in-process with timers):")
    for name, p in data["paths"].items():
        print(f"  {name:<8}{p['records']:>10,} records {p['seconds']:>7.2f} s "
              f"({p['seconds'] / total:>4.0%}) {p['us_per_record']:>7.1f} µs/record")
    for row in data["asked_again"]:
        print(f"  asked again: {row['records']:>8,} records {row['seconds']:>6.2f} s  {row['rules']}")


def cmd_engine(args: argparse.Namespace) -> int:
    print_engine_paths(Path(args.bundle))
    return 0


def cmd_engine_case(args: argparse.Namespace) -> int:
    print(json.dumps(engine_paths(Path(args.bundle))))
    return 0


def add_engine_commands(sub: argparse._SubParsersAction) -> None:
    e = sub.add_parser("engine", help="the rule engine's CPU per decision path (exact text, shared "
                       "shape, conditions asked again, decided anew) and the rules asked again most")
    e.add_argument("bundle")
    e.set_defaults(func=cmd_engine)
    c = sub.add_parser("_engine")    # internal: the measured run in a fresh process
    c.add_argument("bundle")
    c.set_defaults(func=cmd_engine_case)
