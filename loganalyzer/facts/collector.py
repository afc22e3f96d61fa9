"""Merge a bundle's events, state documents and member paths into one :class:`~loganalyzer.facts.model.Facts`.

The pipeline calls :meth:`FactsCollector.note_member` for every member,
:meth:`~FactsCollector.observe` for every event (cheap for the millions of plain
log lines: a few dict updates and one ``startswith``), and
:meth:`~FactsCollector.add_document` for every state document, then
:meth:`~FactsCollector.finish` once.

What comes from where:

* ``agent_versions`` — event fields ``agent_version``/``agent_role``/``version_how``
  (banners, heartbeats, "Determined/Installed Agent"), the status blob
  (``how="status_blob"``; the 2.4–2.7 blob also names the daemon), and
  ``WALinuxAgent-<ver>/`` folders in member paths or in the ``results.txt`` listing
  (``how="folder"``, no time).
* ``restarts`` — each daemon / goal-state banner is a start; its ``reason`` is the
  nearest preceding (or, for "did not terminate cleanly", following) cause in the
  same file: child exit codes, SIGTERM forwarding, self-update exits, daemon crashes.
* ``goal_states`` — log field ``incarnation`` (one fact per change per file; past
  ``LOG_GOAL_STATES_HEAD + LOG_GOAL_STATES_TAIL`` the middle ones are dropped and counted in
  ``state["goal_states_omitted"]``), history
  folders of both naming eras, GoalState / ExtensionsConfig / vmSettings documents
  (merged per history folder).
* ``extensions`` — one :class:`~loganalyzer.facts.model.ExtensionFact` per handler from
  ExtensionsConfig / vmSettings (newest request), handler directories (versions on
  disk), HandlerState, HandlerStatus, status files and the status blob (newest status),
  settings (seqNo), ``mrseq`` and log folders.
* ``config`` — every triage key of ``waagent.conf`` (defaults marked) when one was present.
* ``state`` — ``wireserver_endpoint``, ``wireserver_endpoint_default``, ``wireserver_endpoint_path``,
  ``provisioned``,
  ``provision_guest_agent``, ``hostname``, ``incarnation``, ``status_blob_time``,
  ``status_blob_era``, ``agent_status``, ``agent_status_message``, ``agent_update_status``,
  ``agent_update_message``, ``goal_state_status``, ``goal_state_message``,
  ``agent_errors`` (list of dicts), ``dhcp_option_245`` (bool), ``dhcp_endpoint``, ``dhcp_lease_paths``,
  ``vm_settings_source``, ``host_ga_plugin_version``, ``extensions_config_problems``,
  ``collector`` (results.txt summary dict), ``waagent_lib_listing`` (names).
* ``backups`` — :class:`loganalyzer.facts.backups.BackupTracker` when that module exists.

>>> from loganalyzer.model import Event, TimeKind
>>> c = FactsCollector()
>>> c.note_member("var/lib/waagent/WALinuxAgent-2.9.1.1/HandlerManifest.json", "handler_manifest")
>>> c.observe(Event(None, TimeKind.NONE, "INFO", "Azure Linux Agent Version: 2.2.45", "var/log/waagent.log",
...                 1, 1, "waagent_log", fields={"agent_version": "2.2.45", "agent_role": "daemon",
...                                              "version_how": "banner"}))
>>> f = c.finish()
>>> f.latest_version("daemon"), f.latest_version("goal_state"), f.restarts[0].role
('2.2.45', '2.9.1.1', 'daemon')
"""
from __future__ import annotations

import re
from collections import deque
from datetime import datetime
from functools import cache
from typing import TYPE_CHECKING, Any

from ..filekinds.identity import AGENT, identify
from ..limits import LimitExceeded
from ..model import Event, TimeKind
from ..parsers.base import Document
from ..parsers.goal_state import history_info
from .feeds import document_feeds, record_feeds
from .host import HostIdentity
from .model import AgentRestart, AgentVersionSighting, ConfigValue, ExtensionFact, Facts, GoalStateFact, Ref
from .restart_causes import CAUSES, FROM_PLACEHOLDER

if TYPE_CHECKING:
    from ..catalog import Entry

_LOCAL = TimeKind.LOCAL

#: Goal states kept from the logs: the first ones, then a rolling window of the newest.
LOG_GOAL_STATES_HEAD = 2_000
LOG_GOAL_STATES_TAIL = 8_000
_RESTART_STARTS = ("Agent ", "Daemon ended", "ExtHandler process", "Current Agent", "WALinuxAgent-")


@cache
def _cause_table() -> tuple[tuple[Entry, str, int], ...]:
    """(catalog entry, cause name, rank) for every WALinuxAgent statement that names a restart
    cause (``restart_cause``), most specific cause first (the order of
    :data:`~loganalyzer.facts.restart_causes.CAUSES`), a longer anchor first within one."""
    from ..catalog import load_catalog
    rank = {name: i for i, name in enumerate(CAUSES)}
    rows = [(e, e.restart_cause, rank[e.restart_cause]) for e in load_catalog().entries if e.restart_cause]
    return tuple(sorted(rows, key=lambda r: (r[2], -len(r[0].compiled.anchor), r[0].id)))


def _cause_of(msg: str) -> tuple[str, int, Entry] | None:
    """The cause a message names: the first entry whose anchor it holds and whose template it matches."""
    for entry, name, rank in _cause_table():
        if entry.compiled.anchor in msg and (values := entry.compiled.match(msg)) is not None:
            for derived, (base, placeholder, value) in FROM_PLACEHOLDER.items():
                if name == base and values.get(placeholder) == value:
                    return derived, list(CAUSES).index(derived), entry
            return name, rank, entry
    return None


def _version_key(version: str | None) -> tuple[int, ...]:
    try:
        return tuple(int(p) for p in (version or "").split("."))
    except ValueError:
        return ()


class FactsCollector:
    """Collects facts while the pipeline streams a bundle; :meth:`finish` returns them.

    What each file kind adds is said by its unit (:mod:`loganalyzer.filekinds`) and done by
    :mod:`loganalyzer.facts.feeds`; the collector holds the merged state and the merge helpers
    those functions share.
    """

    #: message starts of lines that may explain the next agent start (see :meth:`restart_cause`)
    RESTART_STARTS = _RESTART_STARTS
    version_key = staticmethod(_version_key)

    def __init__(self) -> None:
        self.facts = Facts()
        self._first = self.facts.first_seen
        self._last = self.facts.last_seen
        #: (path, role) → (reason, rank, the event that said it); consumed by the next start
        self._pending_cause: dict[tuple[str, str], tuple[str, int, Event]] = {}
        #: goal states seen in the logs: the first ones and a rolling window of the newest, so a
        #: VM that gets a new incarnation every few minutes does not grow memory with log size.
        self._log_goal_head = 0
        self._log_goal_tail: deque[GoalStateFact] = deque(maxlen=LOG_GOAL_STATES_TAIL)
        self._log_goal_omitted = 0
        #: (role, how, path) → (version, index of the run's last sighting or -1): a run of the same
        #: version keeps its first and last sighting only, so heartbeats do not grow memory.
        self._version_run: dict[tuple[str, str, str], tuple[str, int]] = {}
        self._last_start: dict[str, AgentRestart] = {}                     # path → last goal_state start
        self._last_incarnation: dict[str, str] = {}                        # path → incarnation
        self._goal_by_key: dict[tuple[str, str], GoalStateFact] = {}
        self._request_rank: dict[str, tuple[Any, ...]] = {}
        self._status_rank: dict[str, tuple[Any, ...]] = {}
        self.state_version: dict[str, tuple[int, ...]] = {}
        self._folders_seen: set[str] = set()
        self.blob_handlers: set[str] = set()
        self._local_time_records: dict[str, int] = {}   # path → records timed by the VM's local clock
        self.conf: tuple[str, Any] | None = None
        self.doc_order = 0
        self._backups = _backup_tracker()
        self.host = HostIdentity()
        #: kind → its records' feed (one call per record; several feeds of one kind are chained)
        self._record_feed = {kind: _chained(feeds) for kind, feeds in record_feeds().items()}
        self._document_feeds = document_feeds()
        #: the run's budget (set by the pipeline's scan): feeds over big documents look at its clock
        self.budget: Any = None

    # ------------------------------------------------------------------ members

    def note_member(self, path: str, kind: str) -> None:
        """Kinds present, handler directories, agent folders, log folders, history folders.

        The handler a path names comes from :func:`~loganalyzer.filekinds.identity.identify`,
        as the member's own ``extension`` does:

        >>> c = FactsCollector()
        >>> c.note_member("case-1/Microsoft.Azure.Extensions.CustomScript-2.1.10/status/3.status",
        ...               "handler_status")
        >>> c.facts.extensions["Microsoft.Azure.Extensions.CustomScript"].versions_on_disk
        ['2.1.10']
        """
        self.facts.kinds_present.add(kind)
        self.host.note_member(path)
        if "waagent/" in path and "/history/" in path:
            self._history_goal_state(path)
        identity = identify(path)
        if identity is None:
            return
        if identity.place == "package" and "/history/" not in path:
            self.package_folder(identity.name, identity.version, path)
        elif identity.place == "log" and identity.is_handler_name:
            ext = self.extension(identity.name)
            ext.log_folder = ext.log_folder or identity.folder

    def package_folder(self, name: str, version: str | None, path: str) -> None:
        """A ``<Name>-<Version>`` folder on disk: an agent version, or an extension version."""
        if version is None:
            return
        if name == AGENT:
            self._agent_folder(version, path)
            return
        ext = self.extension(name)
        if version not in ext.versions_on_disk:
            ext.versions_on_disk.append(version)

    def _agent_folder(self, version: str, path: str) -> None:
        if version in self._folders_seen:
            return
        self._folders_seen.add(version)
        self.facts.agent_versions.append(
            AgentVersionSighting("goal_state", version, "folder", None, Ref(path)))

    def _history_goal_state(self, path: str) -> GoalStateFact | None:
        hist = history_info(path)
        if hist is None:
            return None
        key = ("history", hist.folder.removesuffix(".zip"))
        fact = self._goal_by_key.get(key)
        if fact is None:
            fact = GoalStateFact(incarnation=hist.incarnation or "", timestamp=hist.timestamp,
                                 source="history", ref=Ref(path))
            if hist.etag:
                fact.details["etag"] = hist.etag
            self._goal_by_key[key] = fact
            self.facts.goal_states.append(fact)
        return fact

    # ------------------------------------------------------------------ events

    def observe(self, event: Event) -> None:
        """Record first/last times per kind and feed backups; then the record feeds of the event's
        kind (agent lines: versions, restarts, incarnations, host)."""
        ts = event.timestamp
        kind = event.kind
        if ts is not None:
            if event.time_kind is _LOCAL:
                local = self._local_time_records
                local[event.path] = local.get(event.path, 0) + 1
            first = self._first.get(kind)
            if first is None or ts < first:
                self._first[kind] = ts
            last = self._last.get(kind)
            if last is None or ts > last:
                self._last[kind] = ts
        if self._backups is not None:
            self._backups.observe(event)
        feed = self._record_feed.get(kind)
        if feed is not None:
            feed(self, event)

    def _ref(self, event: Event) -> Ref:
        return Ref(event.path, event.line_start, event.line_end)

    def _add_sighting(self, sighting: AgentVersionSighting, path: str) -> None:
        sightings = self.facts.agent_versions
        key = (sighting.role, sighting.how, path)
        run = self._version_run.get(key)
        if run is not None and run[0] == sighting.version and sighting.how != "banner":
            if run[1] >= 0:
                sightings[run[1]] = sighting          # move the run's end forward
            else:
                self._version_run[key] = (sighting.version, len(sightings))
                sightings.append(sighting)
            return
        self._version_run[key] = (sighting.version, -1)
        sightings.append(sighting)

    def version_event(self, event: Event, fields: dict[str, Any]) -> None:
        role = str(fields.get("agent_role") or "goal_state")
        version = str(fields["agent_version"])
        how = str(fields["version_how"])
        self._add_sighting(AgentVersionSighting(role, version, how, event.timestamp, self._ref(event)),
                           event.path)
        if how != "banner":
            return
        held = self._pending_cause.pop((event.path, role), None)
        reason = held[0] if held else None
        start = AgentRestart(role, event.timestamp, version, reason, self._ref(event))
        self.facts.restarts.append(start)
        if role == "goal_state":
            self._last_start[event.path] = start

    def restart_cause(self, event: Event) -> None:
        msg = event.message
        if "did not terminate cleanly" in msg:
            # 2.2.20+: "Agent did not terminate cleanly: <version>"; 2.2.x: "WALinuxAgent-<v> did not …"
            detail = msg.split(":", 1)[1] if msg.startswith("Agent did not") else msg.split(" ", 1)[0]
            reason = f"previous agent did not terminate cleanly: {detail.strip()[:120]}"
            start = self._last_start.get(event.path)      # logged by the agent that just started
            if start is None:
                self._pending_cause[(event.path, "goal_state")] = (reason, -1, event)
            else:
                start.reason = reason if start.reason is None else f"{start.reason}; {reason}"
            return
        found = _cause_of(msg)
        if found is None:
            return
        name, rank, _ = found
        role, reason = CAUSES[name]
        roles = (role, "goal_state") if name in FROM_PLACEHOLDER else (role,)
        for r in roles:
            held = self._pending_cause.get((event.path, r))
            if held is None or held[1] < 0 or rank <= held[1]:   # keep the more specific cause
                self._pending_cause[(event.path, r)] = (reason, rank, event)

    def incarnation_event(self, event: Event, incarnation: str) -> None:
        if self._last_incarnation.get(event.path) == incarnation:
            return
        self._last_incarnation[event.path] = incarnation
        fact = GoalStateFact(incarnation, event.timestamp, "log", self._ref(event))
        if self._log_goal_head < LOG_GOAL_STATES_HEAD:
            self._log_goal_head += 1
            self.facts.goal_states.append(fact)
        else:
            if len(self._log_goal_tail) == self._log_goal_tail.maxlen:
                self._log_goal_omitted += 1
            self._log_goal_tail.append(fact)

    # ------------------------------------------------------------------ documents

    def add_document(self, doc: Document) -> None:
        """Join one state document into the facts: the feed its unit declares for the document's type."""
        self.doc_order += 1
        if self._backups is not None:
            self._backups.add_document(doc)
        feed = self._document_feeds.get(type(doc.data))
        if feed is not None:
            feed(self, doc)

    def extension(self, name: str) -> ExtensionFact:
        ext = self.facts.extensions.get(name)
        if ext is None:
            ext = self.facts.extensions[name] = ExtensionFact(name=name)
        return ext

    def ref_doc(self, ext: ExtensionFact, doc: Document) -> None:
        if not any(r.path == doc.path for r in ext.refs):
            ext.refs.append(Ref(doc.path))

    def goal_fact(self, doc: Document, incarnation: str | None, hist: Any) -> GoalStateFact:
        if hist is not None:
            fact = self._history_goal_state(doc.path)
            if fact is not None:
                if incarnation and not fact.incarnation:
                    fact.incarnation = incarnation
                return fact
        key = ("file", incarnation or doc.path)
        fact = self._goal_by_key.get(key)
        if fact is None:
            fact = GoalStateFact(incarnation or "", None, "file", Ref(doc.path))
            self._goal_by_key[key] = fact
            self.facts.goal_states.append(fact)
        return fact

    def requests(self, reqs: list[Any], rank: tuple[Any, ...], doc: Document) -> None:
        """Every extension request of one document; at the time limit the rest are counted, not
        taken (:class:`~loganalyzer.limits.LimitExceeded` names how many)."""
        budget = self.budget
        for done, req in enumerate(reqs):
            if budget is not None and budget.every():
                raise LimitExceeded(
                    f"{doc.path}: time limit ({budget.limits.max_seconds:g} s) reached while its extension "
                    f"requests were taken: {len(reqs) - done:,} of {len(reqs):,} not examined")
            self.request(req.name, req, rank, doc)

    def request(self, name: str, req: Any, rank: tuple[Any, ...], doc: Document) -> None:
        ext = self.extension(name)
        self.ref_doc(ext, doc)
        if rank < self._request_rank.get(name, ()):
            return
        self._request_rank[name] = rank
        ext.requested_version = req.version
        ext.requested_state = req.state
        ext.auto_upgrade = req.auto_upgrade
        if req.seq_no is not None and (ext.seq_no is None or req.seq_no > ext.seq_no):
            ext.seq_no = req.seq_no

    def rank(self, hist: Any, incarnation: str | None) -> tuple[Any, ...]:
        ts = hist.timestamp.timestamp() if hist is not None and hist.timestamp else 0.0
        inc = int(incarnation) if incarnation and incarnation.isdigit() else -1
        return (ts, inc, self.doc_order)

    def set_status(self, name: str, rank: tuple[Any, ...], status: str | None, code: str | None,
                    message: str | None, operation: str | None, when: datetime | None, path: str) -> None:
        ext = self.extension(name)
        if rank < self._status_rank.get(name, ()):
            return
        self._status_rank[name] = rank
        ext.status, ext.status_code, ext.status_message = status, code, message
        ext.operation, ext.status_time, ext.status_ref = operation, when, Ref(path)

    def _unseen_starts(self) -> None:
        """A child exit or daemon crash whose following start line is not in the bundle still restarted it."""
        for (_, role), (reason, _, event) in self._pending_cause.items():
            if reason in _RELAUNCHED:
                m = _AGENT_NAME.search(event.message)
                self.facts.restarts.append(AgentRestart(
                    role, event.timestamp, m.group(1) if m else None,
                    f"{reason} (start line not in the bundle)", self._ref(event)))
        self._pending_cause.clear()

    # ------------------------------------------------------------------ finish

    def finish(self) -> Facts:
        """Close the facts: config with defaults, ordered timelines, backup runs."""
        facts = self.facts
        if self.conf is not None:
            facts.config = _config_values(*self.conf)
        self._unseen_starts()
        facts.goal_states.extend(self._log_goal_tail)
        if self._log_goal_omitted:
            facts.state["goal_states_omitted"] = self._log_goal_omitted
        if self._local_time_records:
            facts.state["local_time_records"] = dict(sorted(self._local_time_records.items()))
        facts.goal_states.sort(key=_time_order)
        facts.restarts.sort(key=_time_order)
        for ext in facts.extensions.values():
            ext.versions_on_disk.sort(key=_version_key)
        if self._backups is not None:
            facts.backups = list(self._backups.finish())
        facts.state.update(self.host.result())
        return facts


_RELAUNCHED = (frozenset(reason for role, reason in CAUSES.values() if role == "goal_state")
               | {"daemon crashed"})
_AGENT_NAME = re.compile(r"WALinuxAgent-(\d+(?:\.\d+)+)")


def _chained(feeds: tuple[Any, ...]) -> Any:
    if len(feeds) == 1:
        return feeds[0]

    def chain(collector: FactsCollector, event: Event) -> None:
        for feed in feeds:
            feed(collector, event)
    return chain


def _time_order(item: Any) -> tuple[bool, datetime | None]:
    ts = item.timestamp
    return (ts is None, ts if ts is not None else datetime.min)


def _config_values(path: str, conf: Any) -> dict[str, ConfigValue]:
    from ..parsers.conf import DEFAULTS
    values: dict[str, ConfigValue] = {}
    for key in sorted(set(DEFAULTS) | set(conf.entries)):
        value, is_default, line = conf.effective(key)
        values[key] = ConfigValue(key, value, is_default, None if is_default else Ref(path, line, line))
    return values


def _backup_tracker() -> Any:
    """The backup-run tracker of :mod:`loganalyzer.facts.backups`, when that module is installed."""
    try:
        from .backups import BackupTracker
    except ImportError:
        return None
    return BackupTracker()

