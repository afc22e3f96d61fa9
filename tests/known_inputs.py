"""The inputs the identity tests run on, in one place: every sample bundle, every dev-corpus case,
and bundles made by the shared bench generator with causes planted.

>>> all(p.exists() for p in real_inputs())
True
>>> "agent_crash_loop" in CAUSES
True
"""
from __future__ import annotations

import random
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "sample_logs"
SHARED = REPO.parent / "shared"
CORPUS = SHARED / "dev-corpus"
GENERATOR = SHARED / "bench" / "make_bench_bundle.py"
#: the causes the generator can plant (its ``--inject`` names)
CAUSES = ("agent_crash_loop", "no_network", "wireserver_unreachable", "extension_enable_failed",
          "extension_install_failed", "extension_download_failed", "snapshot_failed", "agent_outdated",
          "cgroup_limits", "certificates", "disk_full", "dhcp_or_endpoint", "provisioning_failed")


def real_inputs() -> list[Path]:
    """The sample bundles (not their README or build scripts), then the dev-corpus cases."""
    out = [p for p in sorted(SAMPLES.iterdir())
           if not p.name.startswith(("README", "build_", "__pycache__", "."))]
    if CORPUS.is_dir():
        out += [p for p in sorted(CORPUS.iterdir()) if p.is_dir()]
    return out


def make_bundle(out: Path, seed: int, lines: int, causes: list[str] | tuple[str, ...] = (),
                rotated_lines: int | None = None) -> Path:
    """One generated bundle at ``out`` (compression level 1: the tests read, not ship, it)."""
    cmd = [sys.executable, str(GENERATOR), "--lines", str(lines), "--seed", str(seed), "--out", str(out),
           "--quiet", "--compresslevel", "1"]
    if rotated_lines is not None:
        cmd += ["--rotated-lines", str(rotated_lines)]
    for cause in causes:
        cmd += ["--inject", cause]
    subprocess.run(cmd, check=True)
    return out


def identity_bundle(folder: Path, seed: int) -> Path:
    """Generated bundle ``seed`` (0..19) of the identity fixtures: other seeds, sizes and 0 to 3
    planted causes each, chosen by ``random.Random(1000 + seed)``."""
    rnd = random.Random(1000 + seed)
    lines = rnd.choice((600, 1500, 3000))
    return make_bundle(folder / f"gen-{seed}.tar.gz", seed, lines, rnd.sample(CAUSES, rnd.randint(0, 3)),
                       rotated_lines=200)
