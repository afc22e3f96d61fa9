"""The fleet tables: rows → typed DataFrames → Parquet, and back.  The schema lives here only.

``bundles.parquet`` — one row per bundle:

=====================  =========================  ==================================================
column                 Parquet type               meaning
=====================  =========================  ==================================================
bundle_id              string                     SHA-256 of the bundle's bytes (folder: of its
                                                  relative paths + contents); ``location:<sha256>``
                                                  of the path when the bytes could not be read
path                   string                     where it was read (local path or URL, redacted)
status                 dictionary<string>         analyzed | failed | unreadable
bundle_type            dictionary<string>         collect_logs | sosreport | disk_inspection | adhoc
                                                  | single_file | live_system
hostname               string                     the VM's host name when the bundle says it
                                                  (etc/hostname, ovf-env, syslog, sosreport name),
                                                  else one derived from the bundle's name
hostname_source        dictionary<string>         logs | bundle_name (derived: the archive's top
                                                  folder, the folder's or archive's name); null
                                                  without a host name
os                     string                     operating system and version (etc/os-release,
                                                  etc/redhat-release or the agent's banner)
daemon_version         string                     WALinuxAgent daemon version seen last
goal_state_version     string                     goal-state (extension handler) agent version
top_cause              dictionary<string>         cause of the most likely finding
top_rule_id            string                     rule of the most likely finding
top_severity           dictionary<string>, ordered  worst severity of the bundle's findings
n_critical … n_info    int32                      findings per severity
files, lines           int32, int64               members read, physical lines read
seconds                float64                    wall-clock seconds spent on the bundle
last_record_time       timestamp[us, UTC]         newest record timestamp in the bundle
analyzed_at            timestamp[us, UTC]         when this row was made
tool_version           string                     loganalyzer version that made it
error                  string                     why it could not be read or analysed (else null)
=====================  =========================  ==================================================

``findings.parquet`` — one row per finding: ``bundle_id`` (string), ``rule_id`` (string),
``cause`` (dictionary), ``severity`` (ordered dictionary: info < warning < error < critical),
``confidence`` (ordered dictionary: low < medium < high), ``title`` (string), ``count``
(int32), ``first_seen`` / ``last_seen`` (timestamp[us, UTC]), ``extension`` (string),
``incident`` (int32: the bundle's incident 1, 2, … most likely first; 0 outside any incident,
as info findings are), ``role`` (dictionary: ``root`` — the cause of its incident,
``consequence`` — explained by that root; null outside any incident).

``events.parquet`` (``--with-events``) — ``bundle_id`` then the columns of
:func:`loganalyzer.parsers.frame.events_frame` (``timestamp`` timestamp[ns, UTC], ``time_kind``,
``level``, ``thread``, ``source``, ``extension``, ``kind``, ``path`` … as dictionaries,
``line_start``/``line_end`` int64, ``message``), with the structured ``fields`` stored as JSON text.

>>> frame = bundles_frame([])
>>> list(frame.columns[:4]), str(frame["seconds"].dtype)
(['bundle_id', 'path', 'status', 'bundle_type'], 'float64')
>>> str(findings_frame([])["severity"].dtype)
'category'
"""
from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..sources.base import BundleType

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

SEVERITY_ORDER = ("info", "warning", "error", "critical")
CONFIDENCE_ORDER = ("low", "medium", "high")
STATUSES = ("analyzed", "failed", "unreadable")
ROLES = ("root", "consequence")
HOSTNAME_SOURCES = ("logs", "bundle_name")
BUNDLE_TYPES = tuple(t.value for t in BundleType)

#: column → type: "string", "int32", "int64", "float64", "timestamp", or a category spec
#: ("category", fixed categories or None for an open set, ordered).
Column = str | tuple[str, tuple[str, ...] | None, bool]

BUNDLE_COLUMNS: dict[str, Column] = {
    "bundle_id": "string", "path": "string", "status": ("category", STATUSES, False),
    "bundle_type": ("category", BUNDLE_TYPES, False), "hostname": "string",
    "hostname_source": ("category", HOSTNAME_SOURCES, False), "os": "string",
    "daemon_version": "string", "goal_state_version": "string",
    "top_cause": ("category", None, False), "top_rule_id": "string",
    "top_severity": ("category", SEVERITY_ORDER, True),
    "n_critical": "int32", "n_error": "int32", "n_warning": "int32", "n_info": "int32",
    "files": "int32", "lines": "int64", "seconds": "float64",
    "last_record_time": "timestamp", "analyzed_at": "timestamp", "tool_version": "string", "error": "string",
}
FINDING_COLUMNS: dict[str, Column] = {
    "bundle_id": "string", "rule_id": "string", "cause": ("category", None, False),
    "severity": ("category", SEVERITY_ORDER, True), "confidence": ("category", CONFIDENCE_ORDER, True),
    "title": "string", "count": "int32", "first_seen": "timestamp", "last_seen": "timestamp",
    "extension": "string", "incident": "int32", "role": ("category", ROLES, False),
}
TABLE_FILES = {"bundles": "bundles.parquet", "findings": "findings.parquet", "events": "events.parquet"}


def bundles_frame(rows: Iterable[dict[str, Any]]) -> pd.DataFrame:
    """The typed ``bundles`` DataFrame of worker rows."""
    return typed(_frame(rows, BUNDLE_COLUMNS), BUNDLE_COLUMNS)


def findings_frame(rows: Iterable[dict[str, Any]]) -> pd.DataFrame:
    """The typed ``findings`` DataFrame of worker rows."""
    return typed(_frame(rows, FINDING_COLUMNS), FINDING_COLUMNS)


def events_table(frames: Iterable[pd.DataFrame]) -> pd.DataFrame | None:
    """All bundles' events in one DataFrame (None when there were none to join)."""
    import pandas as pd
    frames = [f for f in frames if f is not None]
    if not frames:
        return None
    categorical = {"bundle_id"} | {c for f in frames for c in f.columns
                                   if isinstance(f[c].dtype, pd.CategoricalDtype)}
    events = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    for name in categorical:
        events[name] = events[name].astype("category")
    for name in events.columns:
        if isinstance(events[name].dtype, pd.DatetimeTZDtype):
            events[name] = events[name].dt.tz_convert("UTC")
    return events


def _frame(rows: Iterable[dict[str, Any]], columns: dict[str, Column]) -> pd.DataFrame:
    import pandas as pd
    return pd.DataFrame(list(rows), columns=list(columns))


def typed(frame: pd.DataFrame, columns: dict[str, Column]) -> pd.DataFrame:
    """Give ``frame`` the table's dtypes (also after a merge, where categories differ)."""
    import pandas as pd
    out = pd.DataFrame(index=frame.index)
    for name, kind in columns.items():
        values = frame[name] if name in frame.columns else pd.Series([None] * len(frame), index=frame.index)
        if isinstance(kind, tuple):
            fixed, ordered = kind[1], kind[2]
            text = values.astype(object).where(values.notna(), None)
            categories = fixed or sorted({v for v in text if v is not None})
            out[name] = pd.Categorical(text, categories=list(categories), ordered=ordered)
        elif kind == "timestamp":
            out[name] = pd.to_datetime(values, utc=True).astype("datetime64[us, UTC]")
        elif kind == "string":
            out[name] = values.astype(object).where(values.notna(), None)
        else:
            out[name] = pd.to_numeric(values).fillna(0).astype(kind)
    return out.reset_index(drop=True)


def arrow_schema(columns: dict[str, Column]) -> pa.Schema:
    """The Parquet schema of a table described by ``columns``."""
    import pyarrow as pa
    types = {"string": pa.string(), "int32": pa.int32(), "int64": pa.int64(), "float64": pa.float64(),
             "timestamp": pa.timestamp("us", tz="UTC")}
    fields = []
    for name, kind in columns.items():
        if isinstance(kind, tuple):
            fields.append(pa.field(name, pa.dictionary(pa.int32(), pa.string(), ordered=kind[2])))
        else:
            fields.append(pa.field(name, types[kind]))
    return pa.schema(fields)


def write_table(frame: pd.DataFrame, path: str | os.PathLike[str], columns: dict[str, Column] | None) -> None:
    """Write one table; ``columns`` None means the events table (schema taken from the frame)."""
    import pyarrow as pa
    import pyarrow.parquet as pq
    if columns is None:
        table = pa.Table.from_pandas(_json_objects(frame), preserve_index=False)
    else:
        table = pa.Table.from_pandas(typed(frame, columns), schema=arrow_schema(columns),
                                     preserve_index=False)
    with atomic_path(Path(path)) as tmp:
        pq.write_table(table, tmp)


@contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """A unique temporary name next to ``path``, renamed onto it when the block ends without error
    (removed otherwise): a reader, a crash or a second run never sees a half-written file."""
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)


def write_text_atomic(path: Path, text: str) -> None:
    """``path.write_text`` through :func:`atomic_path`."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def _json_objects(frame: pd.DataFrame) -> pd.DataFrame:
    """Dict/list cells (event ``fields``) as JSON text: Parquet needs one type per column."""
    out = frame.copy()
    for name in out.columns:
        if out[name].dtype == object and out[name].map(lambda v: isinstance(v, (dict, list))).any():
            out[name] = out[name].map(lambda v: json.dumps(v, default=str, sort_keys=True)
                                      if isinstance(v, (dict, list)) else v)
    return out


def read_table(path: str | os.PathLike[str], columns: dict[str, Column] | None) -> pd.DataFrame | None:
    """A table written by :func:`write_table`, typed again; None when the file is not there."""
    import pandas as pd
    if not Path(path).is_file():
        return None
    frame = pd.read_parquet(path)
    return frame if columns is None else typed(frame, columns)


def merge(previous: pd.DataFrame | None, new: pd.DataFrame | None,
          columns: dict[str, Column] | None) -> pd.DataFrame | None:
    """Rows of a previous run followed by the new ones, typed like the table."""
    import pandas as pd
    frames = [f for f in (previous, new) if f is not None and len(f)]
    if not frames:
        return new if new is not None else previous
    categorical = {c for f in frames for c in f.columns if isinstance(f[c].dtype, pd.CategoricalDtype)}
    plain = [f.astype({c: object for c in categorical if c in f.columns}) for f in frames]
    joined = pd.concat(plain, ignore_index=True)
    if columns is not None:
        return typed(joined, columns)
    for name in categorical:
        joined[name] = joined[name].astype("category")
    return joined
