"""What each file kind contributes to the facts: one small function per input, named by its unit.

A file-kind unit (:mod:`loganalyzer.filekinds`) declares its contributions with
:func:`loganalyzer.filekinds.feeds`: what it reads (one of its parser's document types, or its
log records), which parts of :class:`~loganalyzer.facts.model.Facts` it writes, and the function
here that does it.  :class:`~loganalyzer.facts.collector.FactsCollector` derives its dispatch from
those declarations (:func:`document_feeds`, :func:`record_feeds`); nothing here or there lists
the kinds again.

Each function takes the collector (its state and merge helpers) and one input: a
:class:`~loganalyzer.parsers.base.Document` or an :class:`~loganalyzer.model.Event`.

>>> from loganalyzer.kinds import Kind
>>> document_feeds()[_parser_type("agent_files:Incarnation")].__name__
'incarnation'
>>> [f.__name__ for f in record_feeds()[Kind.WAAGENT_LOG]]
['agent_records']
"""
from __future__ import annotations

import importlib
from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING

from ..filekinds.identity import identify_dirs
from ..model import Event
from ..parsers.base import Document
from .model import AgentVersionSighting, Ref

if TYPE_CHECKING:
    from .collector import FactsCollector

DocumentFeed = Callable[["FactsCollector", Document], None]
RecordFeed = Callable[["FactsCollector", Event], None]


# ---------------------------------------------------------------------------- declarations → dispatch

def _parser_type(spec: str) -> type:
    module, name = spec.split(":")
    return getattr(importlib.import_module(f"loganalyzer.parsers.{module}"), name)


def _function(spec: str) -> Callable[..., None]:
    module, name = spec.split(":")
    return getattr(importlib.import_module(f"loganalyzer.facts.{module}"), name)


@cache
def document_feeds() -> dict[type, DocumentFeed]:
    """Document type → the function that joins it into the facts, from every unit's declarations."""
    from ..filekinds import RECORDS, units
    out: dict[type, DocumentFeed] = {}
    for unit in units():
        for feed in unit.facts:
            if feed.reads == RECORDS:
                continue
            cls = _parser_type(feed.reads)
            if cls in out:
                raise ValueError(f"{unit.kind.value}: document type {feed.reads} is fed twice")
            out[cls] = _function(feed.contribute)
    return out


@cache
def record_feeds() -> dict[str, tuple[RecordFeed, ...]]:
    """Kind → the functions its records go through, from every unit's declarations."""
    from ..filekinds import RECORDS, units
    out: dict[str, tuple[RecordFeed, ...]] = {}
    for unit in units():
        found = tuple(_function(f.contribute) for f in unit.facts if f.reads == RECORDS)
        if found:
            out[unit.kind.value] = found     # str keys: event.kind is a str (the fast comparison)
    return out


# ---------------------------------------------------------------------------- records

def agent_records(c: FactsCollector, event: Event) -> None:
    """Agent log lines (wherever they were written): versions, incarnations, restarts, host."""
    fields = event.fields
    c.host.observe_log(event.message, fields)
    if fields is not None:
        if "agent_version" in fields and "version_how" in fields:
            c.version_event(event, fields)
        inc = fields.get("incarnation")
        if inc is not None:
            c.incarnation_event(event, str(inc))
    if event.message.startswith(c.RESTART_STARTS):
        c.restart_cause(event)


def text_records(c: FactsCollector, event: Event) -> None:
    """Lines of unknown text files: only what they say of the host (``etc/os-release`` …)."""
    c.host.observe_text(event.path, event.message)


# ---------------------------------------------------------------------------- goal state

def goal_state(c: FactsCollector, doc: Document) -> None:
    gs = doc.data
    if gs.placeholder:
        c.facts.state["goal_state_placeholder"] = doc.path
        return
    fact = c.goal_fact(doc, gs.incarnation, gs.history)
    fact.details.update({k: v for k, v in (("container_id", gs.container_id),
                                            ("expected_state", gs.expected_state),
                                            ("role_state", gs.role_state)) if v})


def extensions_config(c: FactsCollector, doc: Document) -> None:
    ec = doc.data
    fact = c.goal_fact(doc, ec.incarnation, ec.history)
    fact.details["extensions"] = [r.name for r in ec.extensions]
    if ec.in_svd_seq_no:
        fact.details["in_svd_seq_no"] = ec.in_svd_seq_no
    if ec.problems:
        c.facts.state.setdefault("extensions_config_problems", []).extend(ec.problems)
    c.requests(ec.extensions, c.rank(ec.history, ec.incarnation), doc)


def vm_settings(c: FactsCollector, doc: Document) -> None:
    vs = doc.data
    if vs.history is not None:
        fact = c.goal_fact(doc, vs.history.incarnation, vs.history)
        fact.details["vm_settings_source"] = vs.source
    c.facts.state["vm_settings_source"] = vs.source
    c.facts.state["host_ga_plugin_version"] = vs.host_ga_plugin_version
    c.requests(vs.extensions, c.rank(vs.history, vs.history.incarnation if vs.history else None), doc)


# ---------------------------------------------------------------------------- handler files

def handler_state(c: FactsCollector, doc: Document) -> None:
    hs = doc.data
    if hs.extension is None:
        return
    ext = c.extension(hs.extension)
    c.ref_doc(ext, doc)
    key = c.version_key(hs.extension_version)
    if key >= c.state_version.get(hs.extension, ()):
        c.state_version[hs.extension] = key
        ext.handler_state = hs.state


def handler_status(c: FactsCollector, doc: Document) -> None:
    st = doc.data
    if st.extension is None:
        return
    ext = c.extension(st.extension)
    c.ref_doc(ext, doc)
    if st.extension not in c.blob_handlers:     # the status blob is what was reported
        ext.handler_status = st.status


def extension_status(c: FactsCollector, doc: Document) -> None:
    st = doc.data
    if st.extension is None:
        return
    c.ref_doc(c.extension(st.extension), doc)
    ts = st.timestamp.timestamp() if st.timestamp else 0.0
    c.set_status(st.extension, (ts, st.seq_no or -1, c.doc_order), st.status, st.code,
                 st.message, st.operation, st.timestamp, doc.path)


def settings(c: FactsCollector, doc: Document) -> None:
    s = doc.data
    if s.extension is None:
        return
    ext = c.extension(s.extension)
    c.ref_doc(ext, doc)
    if s.seq_no is not None and (ext.seq_no is None or s.seq_no > ext.seq_no):
        ext.seq_no = s.seq_no


def mrseq(c: FactsCollector, doc: Document) -> None:
    m = doc.data
    if m.extension is None or m.value is None:
        return
    ext = c.extension(m.extension)
    c.ref_doc(ext, doc)
    ext.mrseq = m.value if ext.mrseq is None else max(ext.mrseq, m.value)


def handler_environment(c: FactsCollector, doc: Document) -> None:
    env = doc.data
    if env.name and env.log_folder:
        ext = c.extension(env.name)
        ext.log_folder = ext.log_folder or env.log_folder


# ---------------------------------------------------------------------------- agent files

def status_blob(c: FactsCollector, doc: Document) -> None:
    blob = doc.data
    state = c.facts.state
    previous = state.get("status_blob_time")
    if previous is None or (blob.timestamp is not None and blob.timestamp >= previous):
        state.update(status_blob_time=blob.timestamp, status_blob_era=blob.era,
                     agent_status=blob.agent_status, agent_status_message=blob.agent_message,
                     agent_update_status=blob.update_status, agent_update_message=blob.update_message,
                     goal_state_status=blob.goal_state_status, goal_state_message=blob.goal_state_message)
    if blob.agent_version:
        c.facts.agent_versions.append(AgentVersionSighting(
            "goal_state", blob.agent_version, "status_blob", blob.timestamp, Ref(doc.path)))
    if blob.daemon_version:
        c.facts.agent_versions.append(AgentVersionSighting(
            "daemon", blob.daemon_version, "status_blob", blob.timestamp, Ref(doc.path)))
    for h in blob.handlers:
        if not h.name:
            continue
        ext = c.extension(h.name)
        c.ref_doc(ext, doc)
        ext.handler_status = h.handler_status
        c.blob_handlers.add(h.name)
        if h.status is not None:
            ts = h.timestamp.timestamp() if h.timestamp else 0.0
            c.set_status(h.name, (ts, h.seq_no or -1, c.doc_order), h.status, h.code,
                         h.message, h.operation, h.timestamp, doc.path)
        if h.seq_no is not None and (ext.seq_no is None or h.seq_no > ext.seq_no):
            ext.seq_no = h.seq_no


def agent_error(c: FactsCollector, doc: Document) -> None:
    err = doc.data
    c.facts.state.setdefault("agent_errors", []).append({
        "agent_version": err.agent_version, "failure_count": err.failure_count,
        "was_fatal": err.was_fatal, "blacklisted": err.blacklisted, "reason": err.reason,
        "last_failure": err.last_failure, "path": doc.path})


def incarnation(c: FactsCollector, doc: Document) -> None:
    value = doc.data.value
    c.facts.state["incarnation"] = value
    if value:
        c.goal_fact(doc, value, None)


def wireserver_endpoint(c: FactsCollector, doc: Document) -> None:
    c.facts.state["wireserver_endpoint"] = doc.data.address
    c.facts.state["wireserver_endpoint_default"] = doc.data.is_default
    c.facts.state["wireserver_endpoint_path"] = doc.path


def provisioned(c: FactsCollector, doc: Document) -> None:
    c.facts.state["provisioned"] = True


def ovf_env(c: FactsCollector, doc: Document) -> None:
    data, state = doc.data, c.facts.state
    state["provision_guest_agent"] = data.provision_guest_agent
    if data.hostname:
        state["hostname"] = data.hostname
        c.host.provisioned_hostname(data.hostname)


def dhcp_lease(c: FactsCollector, doc: Document) -> None:
    data, state = doc.data, c.facts.state
    state["dhcp_option_245"] = state.get("dhcp_option_245", False) or data.option_245_seen
    state.setdefault("dhcp_lease_paths", []).append(doc.path)
    if data.endpoint:
        state["dhcp_endpoint"] = data.endpoint


def waagent_conf(c: FactsCollector, doc: Document) -> None:
    """Keep one configuration (``etc/waagent.conf`` first); the collector turns it into ``config``."""
    preferred = doc.path.endswith("etc/waagent.conf")
    if c.conf is None or (preferred and not c.conf[0].endswith("etc/waagent.conf")):
        c.conf = (doc.path, doc.data)


def collector_results(c: FactsCollector, doc: Document) -> None:
    r = doc.data
    c.facts.state["collector"] = {
        "mode": r.mode, "started": r.started, "finished": r.finished, "added": len(r.added),
        "truncated": [p for p, _ in r.truncated], "discarded": r.discarded, "missing": r.missing,
        "failed": r.failed, "archive_full": r.archive_full, "not_collected": r.not_collected,
        "uncompressed_size": r.uncompressed_size, "elapsed_ms": r.elapsed_ms, "errors": r.errors}
    listing = r.listings.get("/var/lib/waagent") or r.listings.get("/var/lib/waagent/")
    if listing is None:
        return
    c.facts.state["waagent_lib_listing"] = listing
    for entry in listing:
        identity = identify_dirs([entry[:-1]]) if entry.endswith("/") else None
        if identity is not None and identity.place == "package":
            c.package_folder(identity.name, identity.version, doc.path)
