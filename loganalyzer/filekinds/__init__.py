"""File kinds as self-describing units: each :class:`FileKind` is one :class:`~loganalyzer.kinds.Kind`.

A unit says everything the tool knows about one kind of file: which paths it claims (and, when
the name leaves doubt, what its first bytes say), its parser, whether its records are a
time-ordered log and whether identical records decide alike (cacheable), the log folders under
``/var/log/azure`` it names, what it contributes to the facts (:func:`feeds`), which evidence
group it belongs to, and sample files its tests parse.  Units live in the modules of this
package, one family per module; :func:`define` registers a unit under its kind's value, and
every module here is imported the first time :func:`units` or :func:`declared_kinds` is asked.
:class:`~loganalyzer.kinds.Kind` is built from :func:`declared_kinds`, so adding a file kind is
adding a unit (in a module of its family or a new one): nothing else lists the kinds.

Classification tries units by :class:`Priority`, then in the order they were defined; within
one priority no two units may claim the same path (the tests check every unit's sample paths).

>>> from loganalyzer.kinds import Kind
>>> unit_for(Kind.WAAGENT_LOG).log, unit_for(Kind.GOAL_STATE).log
(True, False)
>>> kind_of(MemberPath(("var", "log"), "waagent.log.1"))
<Kind.WAAGENT_LOG: 'waagent_log'>
"""
from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from enum import IntEnum
from functools import cached_property
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from ..kinds import Kind

#: The value of the kind a member whose path no unit claims is read as.
UNCLAIMED_VALUE = "other_text"
_ARCHIVE_SUFFIXES = (".zip", ".tar", ".tgz", ".txz", ".tbz2")


class Priority(IntEnum):
    """When a unit's claim is tried: containers first, then claims that need a folder or an
    extension, then plain file names, then catch-alls."""

    CONTAINER = 0
    SPECIFIC = 1
    NAME = 2
    GENERIC = 3


@dataclass(frozen=True, slots=True)
class MemberPath:
    """A member's path as the claims see it: folders, file name (compression suffix removed),
    and the extension handler the folders name."""

    dirs: tuple[str, ...]
    basename: str
    extension: str | None = None

    @property
    def lower(self) -> str:
        return self.basename.lower()

    @property
    def is_archive(self) -> bool:
        return self.lower.endswith(_ARCHIVE_SUFFIXES)

    @property
    def parent(self) -> str:
        return self.dirs[-1] if self.dirs else ""

    @property
    def under_azure_logs(self) -> bool:
        """Somewhere below ``…/var/log/azure/<folder>/``."""
        d = self.dirs
        return any(d[i] == "log" and d[i + 1] == "azure" for i in range(len(d) - 2))


class Sniffed(NamedTuple):
    """What a unit's content sniff learnt: the member is another kind, or names an extension."""

    kind: Kind | None = None
    extension: str | None = None


@dataclass(frozen=True, slots=True)
class Sample:
    """A small file a unit's tests classify by ``path`` and parse (``text`` ``None``: path only)."""

    path: str
    text: str | None = None


#: The evidence a diagnosis leans on, in the order "missing evidence" lists it: group → label.
#: A unit joins a group with ``evidence=`` (:data:`loganalyzer.kinds.EVIDENCE_KINDS` is built
#: from those declarations); a group none of whose kinds was read is reported missing.
EVIDENCE_GROUPS: dict[str, str] = {
    "agent_log": "agent log (/var/log/waagent.log)",
    "goal_state": "goal state and extensions config (/var/lib/waagent/*.xml or history/)",
    "extension_status": "extension status files (/var/lib/waagent/<Handler>/status/)",
    "backup_log": "backup extension log (/var/log/azure/…VMSnapshotLinux/extension.log)",
    "agent_conf": "agent configuration (/etc/waagent.conf)",
    "system_log": "system log (/var/log/syslog or messages)",
}

class Field(NamedTuple):
    """One key only this unit's parser writes into ``Event.fields`` (``type``: str, int, bool,
    list…); keys several kinds' parsers share are declared in :mod:`loganalyzer.fields`."""

    name: str
    type: str
    meaning: str
    #: False: written only by rarer formats of the kind, which no sample bundle or corpus case holds
    in_corpus: bool = True


#: What a record feed reads (instead of a document type): the unit's log records.
RECORDS = "records"


class Feeds(NamedTuple):
    """One contribution of a unit to the facts (:mod:`loganalyzer.facts.feeds` holds the functions).

    ``reads``: one document type of the unit's parser (``"module:Class"`` inside
    :mod:`loganalyzer.parsers`) or :data:`RECORDS`; ``contribute``: the function
    (``"module:function"`` inside :mod:`loganalyzer.facts`); ``writes``: the parts of
    :class:`~loganalyzer.facts.model.Facts` it fills (``"extensions"``, ``"state.incarnation"``…).
    """

    reads: str
    contribute: str
    writes: tuple[str, ...]


def feeds(reads: str, contribute: str, *writes: str) -> Feeds:
    """A :class:`Feeds` declaration; ``contribute`` without a module means :mod:`loganalyzer.facts.feeds`.

    >>> feeds("agent_files:Provisioned", "provisioned", "state.provisioned")
    Feeds(reads='agent_files:Provisioned', contribute='feeds:provisioned', writes=('state.provisioned',))
    """
    if not writes:
        raise ValueError(f"{contribute}: a feed must name the facts it writes")
    return Feeds(reads, contribute if ":" in contribute else f"feeds:{contribute}", writes)


Claim = Callable[[MemberPath], bool]
Sniff = Callable[[bytes, MemberPath], Sniffed | None]


@dataclass(frozen=True)
class FileKind:
    """One file kind.  ``parser`` is ``"module:function"`` inside :mod:`loganalyzer.parsers`
    (imported only when a member of this kind is read) or the parse function itself; ``facts``
    are what its documents and records contribute to the facts (:func:`feeds`)."""

    kind: Kind        # given by value to :func:`define`; the Kind once :func:`units` returns it
    summary: str
    claim: Claim | None = None
    priority: Priority = Priority.NAME
    parser: str | Callable[..., Any] | None = None
    log: bool = False
    cacheable: bool = False
    sniff: Sniff | None = None
    log_folders: Mapping[str, str] = field(default_factory=dict)
    facts: tuple[Feeds, ...] = ()
    evidence: str | None = None       # the EVIDENCE_GROUPS group its files are evidence of
    fields: tuple[Field, ...] = ()    # the Event.fields keys only this kind's parser writes
    field_prefixes: tuple[str, ...] = ()   # open families: every ``<prefix><key>`` it writes
    samples: tuple[Sample, ...] = ()

    @cached_property
    def parse(self) -> Callable[..., Any] | None:
        """The parse function (imported on first use)."""
        if self.parser is None or callable(self.parser):
            return self.parser
        module, func = self.parser.split(":")
        return getattr(importlib.import_module(f"loganalyzer.parsers.{module}"), func)


_DEFINED: list[FileKind] = []
_ORDERED: list[FileKind] = []
_BY_KIND: dict[Kind, FileKind] = {}


_KIND_VALUE = re.compile(r"^[a-z][a-z0-9_]*$")
_loaded = False
_loading = False


def define(kind: str, summary: str, **options: Any) -> None:
    """Define (and so register) the unit of the kind whose value is ``kind`` (``"waagent_log"``;
    its :class:`~loganalyzer.kinds.Kind` member is ``WAAGENT_LOG``); see :class:`FileKind` for the
    options."""
    value = str(kind)
    if not _KIND_VALUE.match(value):
        raise ValueError(f"file kind {value!r}: a kind is named in lower_snake_case")
    if any(u.kind == value for u in _DEFINED):
        raise ValueError(f"file kind {value!r} is defined twice")
    evidence = options.get("evidence")
    if evidence is not None and evidence not in EVIDENCE_GROUPS:
        raise ValueError(f"file kind {value!r}: no evidence group {evidence!r} (see EVIDENCE_GROUPS)")
    _DEFINED.append(FileKind(value, summary, **options))  # type: ignore[arg-type]


def _load() -> None:
    """Import every unit module of this package once."""
    global _loaded, _loading
    if _loaded:
        return
    if _loading:
        raise RuntimeError("a file-kind unit module needs loganalyzer.kinds.Kind while the units load: "
                           "import it inside a function")
    _loading = True
    try:
        for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
            importlib.import_module(f"{__name__}.{info.name}")
        _loaded = True
    finally:
        _loading = False


def declared_kinds() -> list[str]:
    """The value of every defined kind, in definition order (what :class:`~loganalyzer.kinds.Kind`
    is built from).

    >>> declared_kinds()[:2]
    ['waagent_log', 'syslog']
    """
    _load()
    return [str(u.kind) for u in _DEFINED]


def names(*patterns: str, when: Claim | None = None) -> Claim:
    """A claim on the file name: any of ``patterns`` (regex, searched), and ``when`` if given.

    >>> names(r"^mrseq$")(MemberPath((), "mrseq"))
    True
    """
    search = re.compile("|".join(f"(?:{p})" for p in patterns)).search   # one scan per name

    if when is None:
        def claim(path: MemberPath) -> bool:
            return search(path.basename) is not None
    else:
        def claim(path: MemberPath) -> bool:
            return search(path.basename) is not None and when(path)
    return claim


def units() -> list[FileKind]:
    """Every unit, in the order classification tries them (loads this package's modules once)."""
    if not _ORDERED:
        _load()
        from ..kinds import Kind
        typed = [replace(u, kind=Kind(u.kind)) for u in _DEFINED]
        _ORDERED.extend(sorted(typed, key=lambda u: u.priority))   # stable: definition order
        _BY_KIND.update((u.kind, u) for u in _ORDERED)
    return _ORDERED


def unit_for(kind: Kind) -> FileKind:
    """The unit of ``kind`` (``KeyError`` for a kind without one)."""
    if not _BY_KIND:
        units()
    return _BY_KIND[kind]


def kind_of(path: MemberPath) -> Kind:
    """The kind of the first unit that claims ``path``."""
    for unit in units():
        if unit.claim is not None and unit.claim(path):
            return unit.kind
    return _BY_KIND[UNCLAIMED_VALUE].kind


def refine(path: MemberPath, kind: Kind, head: bytes) -> tuple[Kind, str | None]:
    """Kind and extension once the first bytes are known (``kind`` came from the path alone).

    >>> from loganalyzer.kinds import Kind
    >>> refine(MemberPath(("case",), "extension.log"), Kind.EXTENSION_LOG,
    ...        b"2024/05/01 10:00:00 [Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0.9] start")
    (<Kind.VMSNAPSHOT_LOG: 'vmsnapshot_log'>, 'Microsoft.Azure.RecoveryServices.VMSnapshotLinux')
    """
    unit = _BY_KIND.get(kind) or unit_for(kind)
    sniffed = unit.sniff(head, path) if unit.sniff is not None else None
    if sniffed is None:
        return kind, path.extension
    if sniffed.kind is not None:
        return sniffed.kind, path.extension
    return kind_of(replace(path, extension=sniffed.extension)), sniffed.extension


def kinds_where(test: Callable[[FileKind], bool]) -> frozenset[Kind]:
    """The kinds whose unit passes ``test``, e.g. ``kinds_where(lambda u: u.log)``."""
    return frozenset(u.kind for u in units() if test(u))


def evidence_kinds() -> dict[str, tuple[Kind, ...]]:
    """Each evidence group's label → the kinds whose units joined it (in :data:`EVIDENCE_GROUPS` order).

    >>> evidence_kinds()["agent configuration (/etc/waagent.conf)"]
    (<Kind.WAAGENT_CONF: 'waagent_conf'>,)
    """
    from ..kinds import Kind
    found = {group: tuple(k for k in Kind if unit_for(k).evidence == group) for group in EVIDENCE_GROUPS}
    empty = [group for group, kinds in found.items() if not kinds]
    if empty:
        raise ValueError(f"evidence group(s) no unit joins: {', '.join(empty)}")
    return {EVIDENCE_GROUPS[group]: kinds for group, kinds in found.items()}


def iter_samples() -> Iterator[tuple[FileKind, Sample]]:
    """Every unit's samples (for the tests)."""
    for unit in units():
        for sample in unit.samples:
            yield unit, sample


__all__ = ["EVIDENCE_GROUPS", "RECORDS", "UNCLAIMED_VALUE", "Feeds", "Field", "FileKind", "MemberPath",
           "Priority", "Sample", "Sniffed", "declared_kinds", "define", "evidence_kinds", "feeds",
           "iter_samples", "kind_of", "kinds_where", "names", "refine", "unit_for", "units"]
