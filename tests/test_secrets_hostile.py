"""Secrets in every shape they take in real logs: none may reach any output, frame or fleet table.

Every bundle is written from bytes in the test; the secret values carry :data:`SECRET`
so a leak is found by one substring search, whatever the output format.
"""
from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq

from loganalyzer.fleet import cli as fleet_cli

#: Every planted secret value contains this; it must never come out.
SECRET = "PLANTEDSECRETx9q"

PLAIN_SHAPES = (
    f"GET https://a.blob.core.windows.net/c/x.status?sv=2018-03-28&sr=b&sig={SECRET}&se=1 -- IOError",
    f'Settings: {{"protectedSettings": "{SECRET}", "publicSettings": {{}}}}',
    f"DefaultEndpointsProtocol=https;AccountName=a;AccountKey={SECRET};EndpointSuffix=core.windows.net",
    f"<UserPassword>{SECRET}</UserPassword>",
)


def waagent_log(messages: list[str]) -> bytes:
    return b"".join(f"2024-05-01T10:00:{i % 60:02d}.000000Z ERROR ExtHandler ExtHandler {m}\n".encode()
                    for i, m in enumerate(messages))


def folder_bundle(root: Path, log: bytes) -> Path:
    (root / "var" / "log").mkdir(parents=True)
    (root / "var" / "log" / "waagent.log").write_bytes(log)
    return root


def test_fleet_with_events_writes_no_secret_to_any_table(tmp_path: Path) -> None:
    bundles = tmp_path / "in"
    folder_bundle(bundles / "vm1", waagent_log(list(PLAIN_SHAPES)))
    out = tmp_path / "out"
    fleet_cli.main([str(bundles), "--out", str(out), "--jobs", "1", "--with-events", "--fail-on", "never"])
    events = pq.read_table(out / "events.parquet").to_pandas()
    assert len(events) == len(PLAIN_SHAPES)
    for name in ("events.parquet", "bundles.parquet", "findings.parquet", "fleet-report.md",
                 "fleet-report.html"):
        assert SECRET.encode() not in (out / name).read_bytes(), name
