"""``--root DIR``: folder links on a mounted disk resolve inside DIR (as in a chroot), never on the host.

On a rescue VM the broken VM's disk is mounted (say at /rescue) and its absolute links
point at paths that, on the host, are the *rescue VM's own* files.  Every tree is made
from bytes in a temp dir; the files outside the root carry :data:`MARKER`.
"""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from hostile_inputs import MARKER, WAAGENT_LINES, cli_path

from loganalyzer.sources import open_source
from loganalyzer.sources.walker import READ_ERRORS

OUTSIDE_LOG = f"2024-05-01T10:00:00.000000Z ERROR ExtHandler ExtHandler {MARKER} host log\n".encode()


def read_all(root: Path) -> tuple[dict[str, bytes], dict[str, str | None]]:
    source = open_source(None, root=str(root))
    got: dict[str, bytes] = {}
    for member in source.members():
        try:
            with member.open() as stream:
                got[member.path] = stream.read()
        except READ_ERRORS:
            pass
    return got, {e.path: e.reason for e in source.entries}


@pytest.fixture()
def host(tmp_path: Path) -> Path:
    """A stand-in for the host's own files: var/log/waagent.log, var/lib/waagent, etc/waagent.conf."""
    outside = tmp_path / "host"
    (outside / "log").mkdir(parents=True)
    (outside / "log" / "waagent.log").write_bytes(OUTSIDE_LOG)
    (outside / "lib" / "waagent").mkdir(parents=True)
    (outside / "lib" / "waagent" / "waagent_status.json").write_text(json.dumps({"m": MARKER}))
    (outside / "etc").mkdir()
    (outside / "etc" / "waagent.conf").write_text(f"Provisioning.Agent={MARKER}\n")
    return outside


@pytest.mark.parametrize("linked", ["var", "var/log", "etc", "var/lib"])
def test_a_folder_link_to_the_host_is_listed_and_not_followed(tmp_path: Path, host: Path,
                                                              linked: str) -> None:
    root = tmp_path / "rescue"
    (root / "var" / "log").mkdir(parents=True)
    (root / "var" / "log" / "waagent.log").write_bytes(WAAGENT_LINES)
    (root / "etc").mkdir()
    (root / "etc" / "waagent.conf").write_text("Logs.Verbose=n\n")
    link = root / linked
    if link.is_dir():
        for child in sorted(link.rglob("*"), reverse=True):
            child.unlink() if child.is_file() else child.rmdir()
        link.rmdir()
    target = {"var": host, "var/log": host / "log", "etc": host / "etc", "var/lib": host / "lib"}[linked]
    link.symlink_to(target)          # absolute, as on a mounted disk
    got, entries = read_all(root)
    assert not [p for p, data in got.items() if MARKER.encode() in data]
    assert any(p.rstrip("/") == linked and str(target) in (r or "") for p, r in entries.items()), entries


def test_links_inside_the_root_resolve_inside_it_like_a_chroot(tmp_path: Path, host: Path) -> None:
    root = tmp_path / "rescue"
    (root / "data" / "log").mkdir(parents=True)
    (root / "data" / "log" / "waagent.log").write_bytes(WAAGENT_LINES)
    (root / "var").mkdir()
    (root / "var" / "log").symlink_to("/data/log")        # absolute: the disk's /data, not the host's
    (root / "etc").symlink_to("../../../../../..")         # climbs: stays at the root
    got, entries = read_all(root)
    assert got["var/log/waagent.log"] == WAAGENT_LINES
    assert "/data/log" in (entries.get("var/log/") or "")
    assert not [p for p, data in got.items() if MARKER.encode() in data]


def test_a_link_loop_under_the_root_is_listed(tmp_path: Path) -> None:
    root = tmp_path / "rescue"
    (root / "var" / "log").mkdir(parents=True)
    (root / "var" / "log" / "waagent.log").write_bytes(WAAGENT_LINES)
    (root / "etc").symlink_to("/etc2")
    (root / "etc2").symlink_to("/etc")
    got, entries = read_all(root)
    assert "var/log/waagent.log" in got
    assert "not followed" in (entries.get("etc/") or "")


def test_the_cli_with_root_shows_nothing_from_outside(tmp_path: Path, host: Path) -> None:
    root = tmp_path / "rescue"
    (root / "var").mkdir(parents=True)
    (root / "var" / "log").symlink_to(host / "log")
    (root / "etc").symlink_to(host / "etc")
    (root / "var" / "lib").symlink_to(host / "lib")
    for fmt in ("text", "json", "html"):
        proc = subprocess.run([str(cli_path()), "--root", str(root), "--format", fmt], capture_output=True,
                              text=True, timeout=120, check=False)
        assert MARKER not in proc.stdout and MARKER not in proc.stderr, fmt
        assert proc.returncode == 2 and "no guest-agent files" in proc.stderr
