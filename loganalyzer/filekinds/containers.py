"""What is not one of the agent's or the extensions' own files: packages, archives, binaries,
unknown documents and unknown text.

>>> from loganalyzer.filekinds import MemberPath, kind_of
>>> kind_of(MemberPath(("var", "lib", "waagent", "history"), "2024-05-01T10-00-00__3.zip"))
<Kind.HISTORY_ARCHIVE: 'history_archive'>
>>> kind_of(MemberPath(("case",), "notes.txt"))
<Kind.OTHER_TEXT: 'other_text'>
"""
from __future__ import annotations

from . import RECORDS, Field, MemberPath, Priority, Sample, Sniffed, define, feeds
from .identity import is_package_dir

#: File names that are never read: keys, certificates, programs, images, packages.
BINARY_SUFFIXES = (
    ".so", ".pyc", ".pyo", ".png", ".jpg", ".jpeg", ".gif", ".ico", ".pfx", ".prv", ".crt",
    ".pem", ".p7m", ".p7b", ".key", ".cer", ".der", ".p12", ".exe", ".dll", ".bin", ".whl",
    ".egg", ".o", ".a", ".rpm", ".deb", ".py", ".sh", ".pl", ".jar", ".class", ".lockfile",
)
#: State files an extension package folder holds (everything else there is the package itself).
_PACKAGE_STATE = {"HandlerManifest.json", "HandlerEnvironment.json", "heartbeat.log", "mrseq",
                  "error.json", "update_attempt.json"}


def _package_payload(path: MemberPath) -> bool:
    """A file of an extension/agent package folder that is not agent state."""
    dirs = path.dirs
    for i in range(len(dirs) - 1, -1, -1):
        if is_package_dir(dirs[i]):
            inside = dirs[i + 1:]
            if not inside:
                return path.basename not in _PACKAGE_STATE
            return inside[0] not in ("status", "config")
    return False


def _never_read(path: MemberPath) -> bool:
    return path.lower.endswith(BINARY_SUFFIXES) or _package_payload(path)


def _package_archive(path: MemberPath) -> bool:
    """A downloaded extension or agent package (``<Name>__<ver>.zip``, ``WALinuxAgent-<ver>.zip``)."""
    return "__" in path.basename or path.basename.startswith("WALinuxAgent-")


def _binary(path: MemberPath) -> bool:
    return _never_read(path) or (path.is_archive and path.parent != "history" and _package_archive(path))


def _history_archive(path: MemberPath) -> bool:
    return path.is_archive and path.parent == "history" and not _never_read(path)


def _other_archive(path: MemberPath) -> bool:
    return path.is_archive and path.parent != "history" and not _binary(path)


define("binary", "not text (keys, programs, packages); listed in coverage, not parsed",
       claim=_binary, priority=Priority.CONTAINER,
       samples=(Sample("var/lib/waagent/Microsoft.Azure.Extensions.CustomScript-2.1.10/bin/custom-script-shim"),
                Sample("var/lib/waagent/Microsoft.Azure.Extensions.CustomScript__2.1.10.zip"),
                Sample("var/lib/waagent/TransportCert.pem")))

define("history_archive", "var/lib/waagent/history/*.zip (opened as a folder by the sources)",
       claim=_history_archive, priority=Priority.CONTAINER,
       samples=(Sample("var/lib/waagent/history/2024-05-01T10-00-00__3.zip"),))


def _sniff_binary(head: bytes, path: MemberPath) -> Sniffed | None:
    from ..kinds import Kind
    from ..sources.sniff import looks_binary  # the sources import this registry
    return Sniffed(kind=Kind.BINARY) if looks_binary(head) else None


#: Event.fields keys only the other_text parser writes.
_OTHER_TEXT_FIELDS = (
    Field("du_bytes", "int",
          "a du output line's size in bytes (unit from the du command: -b, -k, -m, -B, -h / --si)",
          in_corpus=False),
    Field("du_path", "str", "the path a du output line sizes", in_corpus=False),
)

define("other_text", "a file no unit claims: sniffed, then read as generic text",
       claim=_other_archive, priority=Priority.CONTAINER, parser="generic:parse", log=True, cacheable=True,
       sniff=_sniff_binary,
       facts=(feeds(RECORDS, "text_records", "state.os", "state.os_from", "state.hostname",
                    "state.hostname_from"),),
       fields=_OTHER_TEXT_FIELDS,
       samples=(Sample("notes/readme.txt", "2024-05-01 10:00:00 something happened\n"),
                Sample("case-1/old-bundle.tar")))


def _document(path: MemberPath) -> bool:
    # A document of a kind we do not know (instance metadata, a ticket's case file…) is not a
    # log: reading its text as log lines would turn quoted strings into evidence.
    return path.lower.endswith((".json", ".xml")) and not path.under_azure_logs


define("other_document", "an unknown JSON/XML document: listed, read only when its shape is known",
       claim=_document, priority=Priority.GENERIC, parser="documents:parse",
       samples=(Sample("case-1234/case.json"),))
