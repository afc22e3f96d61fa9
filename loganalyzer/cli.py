"""``analyze-logs``: the command line.  Exit 0 = nothing at or above ``--fail-on``,
1 = findings at or above it, 2 = bad usage, input that could not be read at all or an output
that cannot be written, 3 = nothing could be checked (no agent, state or system log at all —
an empty folder, a file with no agent content — or no record in the ``--since/--until`` window).

Several paths give one report per bundle: ``--format json`` prints one object whose
``reports`` holds them (one path: the report itself; both are objects, see the schema),
``--format jsonl`` one object per line, SARIF one run per bundle, JUnit one
test suite per bundle, text and Markdown one section after the other, and HTML
one file per bundle into the ``-o`` folder.

>>> build_parser().parse_args(["b.zip", "--format", "json"]).format
'json'
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from . import __version__
from .errors import InputError, UsageError
from .result import AnalysisOptions, AnalysisResult

FORMATS = ("text", "json", "jsonl", "markdown", "html", "sarif", "junit")
FAIL_ON = ("critical", "error", "warning", "info", "never")
#: Exit status when no documented cause could be evaluated (nothing could be checked).
EXIT_NOTHING_CHECKED = 3


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="analyze-logs",
        usage="%(prog)s [options] [PATH ...]   (PATH '-' = standard input)\n"
              "       %(prog)s fleet INPUTS... --out DIR [options]   (many bundles; fleet --help)",
        description="Explain why Azure Backup or a VM extension fails, from a Linux VM's guest-agent logs. "
                    "PATH is a waagent -collect-logs zip, a tar.gz/tar.xz (sosreport), a folder or one "
                    "file; without PATH the live system is read.",
        epilog="Exit status: 0 nothing at or above --fail-on, 1 findings at or above it, 2 bad usage, "
               "unreadable input or unwritable output, 3 nothing could be checked (no agent, state or "
               "system log at all, e.g. an empty folder, or no record in the --since/--until window; "
               "0 with --fail-on never). Fleet mode: analyze-logs fleet --help")
    p.add_argument("paths", nargs="*", metavar="PATH", help="bundle(s) to analyse")
    p.add_argument("--format", "-f", default="text", metavar="FORMAT[,FORMAT...]",
                   help=f"report format(s): {', '.join(FORMATS)} (default: text); several, comma-separated, "
                        "need -o DIR and are written from one analysis as DIR/<bundle>.<ext>")
    p.add_argument("-o", "--output", metavar="FILE|DIR", help="write the report here instead of stdout")
    p.add_argument("--color", choices=("auto", "always", "never"), default="auto",
                   help="colour the text report: auto (a terminal without NO_COLOR), always, never")
    p.add_argument("--explain", metavar="RULE",
                   help="explain one rule (what it looks for, what to do) and exit")
    p.add_argument("--fail-on", choices=FAIL_ON, default="error",
                   help="lowest severity that makes the exit status 1 (default: error)")
    p.add_argument("--error-code", metavar="CODE_OR_MESSAGE",
                   help="the portal's backup error (e.g. UserErrorGuestAgentStatusUnavailable): "
                        "orders the cause checklist the way Microsoft's troubleshooting page does")
    p.add_argument("--since", metavar="WHEN",
                   help="ignore records before WHEN: a timestamp (2024-05-14T22:00Z; no zone = UTC) "
                        "or a duration like 7d / 12h counted back from the bundle's last record")
    p.add_argument("--until", metavar="WHEN",
                   help="ignore records after WHEN (timestamp, or duration before the last record)")
    p.add_argument("--tz", metavar="OFFSET", default="UTC",
                   help="the VM's UTC offset for local-time log formats, e.g. +02:00 (default UTC)")
    p.add_argument("--min-agent-version", metavar="VERSION",
                   help="minimum supported agent version (default: Microsoft's published policy)")
    p.add_argument("--rules", action="append", default=[], metavar="DIR",
                   help="extra rule folder (repeatable)")
    p.add_argument("--list-rules", action="store_true",
                   help="list the rules and exit (--format json: one object per rule)")
    p.add_argument("--schema", action="store_true", help="print the JSON Schema of the JSON report and exit")
    p.add_argument("--completion", choices=("bash", "zsh"), metavar="SHELL",
                   help="print a shell completion script (bash or zsh) and exit: "
                        "source <(analyze-logs --completion bash)")
    p.add_argument("--no-redact", action="store_true",
                   help="show secrets (SAS tokens, protected settings, passwords) as they are")
    p.add_argument("--root", metavar="DIR",
                   help="read a mounted disk's /var/log and /var/lib/waagent under DIR")
    p.add_argument("--limit", action="append", default=[], metavar="NAME=VALUE",
                   help="change a safety limit, e.g. max_total_bytes=8GiB, max_seconds=120, "
                        "max_members=100000 (names: see README 'Safety limits')")
    p.add_argument("-q", "--quiet", action="store_true",
                   help="print no report (exit status only; -o still written)")
    p.add_argument("-v", "--verbose", action="store_true", help="per-file coverage table in the text report")
    p.add_argument("--version", action="version", version=f"analyze-logs {__version__}")
    return p


EXTENSIONS = {"text": "txt", "json": "json", "jsonl": "jsonl", "markdown": "md", "html": "html",
              "sarif": "sarif", "junit": "xml"}


def formats_of(value: str) -> list[str]:
    """``"json,html"`` → ``["json", "html"]``; an unknown name is a usage error with a suggestion."""
    import difflib
    names = [v.strip().lower() for v in value.split(",") if v.strip()]
    for name in names:
        if name not in FORMATS:
            close = difflib.get_close_matches(name, FORMATS, n=1)
            hint = f"; did you mean {close[0]}?" if close else ""
            raise UsageError(f"--format: unknown format {name!r}{hint} (choose from {', '.join(FORMATS)})")
    if not names:
        raise UsageError("--format: no format given")
    return list(dict.fromkeys(names))


def check_error_code(code: str) -> None:
    """``--error-code`` must name a portal error the checklist knows (code or part of its message)."""
    import difflib

    from .rules.portal import known_error_codes, portal_error
    if portal_error(code) is not None:
        return
    codes = known_error_codes()
    close = difflib.get_close_matches(code, codes, n=1, cutoff=0.5)
    hint = f"did you mean {close[0]}? " if close else ""
    raise UsageError(f"--error-code: unknown portal error {code!r}; {hint}known codes: {', '.join(codes)}")


def options_from(args: argparse.Namespace) -> AnalysisOptions:
    from .cli_options import parse_tz, parse_window, version_tuple
    if args.error_code:
        check_error_code(args.error_code)
    if args.min_agent_version and not version_tuple(args.min_agent_version):
        raise UsageError(f"--min-agent-version is not a version: {args.min_agent_version!r}")
    for d in args.rules:
        if not Path(d).is_dir():
            raise UsageError(f"--rules: not a folder: {d}")
    from .limits import DEFAULT_LIMITS
    try:
        limits = DEFAULT_LIMITS.with_overrides(args.limit)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    return AnalysisOptions(
        limits=limits, tz=parse_tz(args.tz), since=parse_window(args.since) if args.since else None,
        until=parse_window(args.until) if args.until else None,
        min_agent_version=args.min_agent_version, error_code=args.error_code,
        rule_dirs=list(args.rules), redact=not args.no_redact, fail_on=args.fail_on, root=args.root)


def fails(result: AnalysisResult, fail_on: str) -> bool:
    if fail_on == "never":
        return False
    from .model import Severity
    worst = result.worst_severity
    return worst is not None and worst.rank >= Severity(fail_on).rank


def render_many(results: list[AnalysisResult], fmt: str, *, color: bool, verbose: bool) -> str:
    """One document for all bundles (HTML is handled per bundle by the caller)."""
    from . import report
    if fmt == "text":
        from .report.text import render_text, terminal_width
        width = terminal_width()
        return "\n\n".join(render_text(r, color=color, verbose=verbose, width=width) for r in results)
    if fmt in ("json", "jsonl"):
        from .report.json_report import to_dict
        docs = [to_dict(r) for r in results]
        if fmt == "jsonl":
            return "".join(json.dumps(d, ensure_ascii=False) + "\n" for d in docs)
        if len(docs) == 1:
            return json.dumps(docs[0], indent=2, ensure_ascii=False) + "\n"
        collection = {"schema_version": docs[0]["schema_version"], "tool": docs[0]["tool"],
                      "reports": docs}
        return json.dumps(collection, indent=2, ensure_ascii=False) + "\n"
    docs = [report.render(r, fmt) for r in results]
    if len(docs) == 1:
        return docs[0]
    return _combine(docs, fmt)


def _combine(docs: list[str], fmt: str) -> str:
    """Several bundles in one document: SARIF runs, JUnit suites, Markdown sections."""
    if fmt == "sarif":
        logs = [json.loads(d) for d in docs]
        logs[0]["runs"] = [run for log in logs for run in log["runs"]]
        return json.dumps(logs[0], indent=2, ensure_ascii=False) + "\n"
    if fmt == "junit":
        import xml.etree.ElementTree as ET
        root = ET.Element("testsuites")
        for d in docs:
            tree = ET.fromstring(d)
            root.extend(tree if tree.tag == "testsuites" else [tree])
        return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"
    return "\n\n---\n\n".join(docs)


class Progress:
    """A one-line progress indicator on stderr, shown only on a terminal and after a second."""

    def __init__(self, enabled: bool) -> None:
        import time
        self.enabled = enabled
        self.start = time.monotonic()
        self.shown = False

    def __call__(self, done: int, path: str) -> None:
        import time
        if not self.enabled or time.monotonic() - self.start < 1.0:
            return
        self.shown = True
        sys.stderr.write(f"\r\x1b[2Kreading {done} files… {one_line(path[-60:])}")
        sys.stderr.flush()

    def close(self) -> None:
        if self.shown:
            sys.stderr.write("\r\x1b[2K")
            sys.stderr.flush()


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "fleet":
        from .fleet.cli import main as fleet_main
        return fleet_main(argv[1:])
    args = build_parser().parse_args(argv)
    return run_guarded("analyze-logs", lambda: _run(args))


def one_line(text: str) -> str:
    """``text`` safe for one terminal line: control and bidi characters shown as U+FFFD, no line break.

    >>> one_line("vm\\x1b]0;pwned\\x07\\nx.tar.gz")
    'vm\\ufffd]0;pwned\\ufffd x.tar.gz'
    """
    from .report.wording import printable, wellformed
    return wellformed(printable(text)).replace("\n", " ").replace("\t", " ")


def run_guarded(prog: str, run: Callable[[], int]) -> int:
    """Run a command body; every failure becomes one line on stderr and exit status 2."""
    try:
        return run()
    except (InputError, UsageError) as exc:
        print(f"{prog}: {one_line(str(exc))}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0
    except Exception as exc:  # the promise: one line, never a traceback
        print(f"{prog}: internal error ({type(exc).__name__}): {one_line(str(exc))}; "
              "please report it with the command line", file=sys.stderr)
        return 2


def _run(args: argparse.Namespace) -> int:
    if args.completion:
        from .cli_completion import completion_script
        sys.stdout.write(completion_script(args.completion))
        return 0
    formats = formats_of(args.format)
    if args.schema:
        from importlib.resources import files
        sys.stdout.write(files("loganalyzer.report").joinpath("schema.json").read_text(encoding="utf-8"))
        return 0
    options = options_from(args)
    if args.explain:
        return _explain(args.explain, options)
    if args.list_rules:
        from .rules import list_rules, load_rules
        from .rules.listing import rule_data
        rules, errors = load_rules(options.rule_dirs)
        if formats == ["json"]:
            sys.stdout.write(json.dumps([rule_data(r) for r in sorted(rules, key=lambda r: r.id)],
                                        indent=2, ensure_ascii=False) + "\n")
        else:
            sys.stdout.write(list_rules(rules) + "\n")
        for err in errors:
            print(f"analyze-logs: rule error: {err}", file=sys.stderr)
        return 2 if errors else 0
    if args.output and not Path(args.output).is_dir() and not Path(args.output).parent.is_dir():
        raise UsageError(f"cannot write {args.output}: folder {Path(args.output).parent} does not exist")
    if len(formats) > 1 and not (args.output and Path(args.output).is_dir()):
        raise UsageError("several formats need -o pointing at an existing folder")
    if formats == ["html"] and len(args.paths) > 1 and not (args.output and Path(args.output).is_dir()):
        raise UsageError("several bundles with --format html need -o pointing at an existing folder")
    if args.paths.count("-") > 1:
        raise UsageError("'-' (standard input) can be given once")

    from .analysis import analyze
    paths: list[str | None] = list(args.paths) or [None]
    results: list[AnalysisResult] = []
    unreadable = 0
    progress = Progress(enabled=sys.stderr.isatty() and not args.quiet)
    spooled = []
    for path in paths:
        try:
            if path == "-":
                from .cli_stdin import spool_stdin
                folder, target = spool_stdin(options.limits.max_total_bytes)
                spooled.append(folder)
                result = analyze(target, options, progress=progress)
                result.input.path = "-"
                results.append(result)
                continue
            results.append(analyze(path, options, progress=progress))
        except InputError as exc:
            progress.close()
            if path is None:          # no bundle and no live files: usage, then the source's hint
                build_parser().print_usage(sys.stderr)
                raise
            print(f"analyze-logs: {one_line(str(exc))}", file=sys.stderr)
            unreadable += 1
    progress.close()
    for folder in spooled:
        folder.cleanup()
    bad_rules = _report_rule_errors(results)
    status = 2 if unreadable or bad_rules else 1 if any(fails(r, options.fail_on) for r in results) else \
        EXIT_NOTHING_CHECKED if options.fail_on != "never" and any(r.nothing_checked for r in results) else 0
    for result in results:
        result.stats["exit_status"] = status
    if results:
        _emit(results, args, formats)
    return status


def _report_rule_errors(results: list[AnalysisResult]) -> int:
    """Print each ``--rules`` problem on stderr (one line each); the number that are errors (a
    broken rule is bad usage: exit status 2, while the report of the other rules is still written)."""
    from .rules.loader import is_warning
    errors = list(dict.fromkeys(e for r in results for e in r.rule_errors))
    for err in errors:
        print(f"analyze-logs: {'' if is_warning(err) else 'rule error: '}{one_line(err)}", file=sys.stderr)
    return sum(1 for e in errors if not is_warning(e))


def _explain(rule_id: str, options: AnalysisOptions) -> int:
    import difflib

    from .rules import load_rules
    from .rules.listing import explain_rule
    rules, _ = load_rules(options.rule_dirs)
    by_id = {r.id: r for r in rules}
    if rule_id in by_id:
        sys.stdout.write(explain_rule(by_id[rule_id]))
        return 0
    close = difflib.get_close_matches(rule_id, list(by_id), n=3)
    hint = f"; did you mean {', '.join(close)}?" if close else " (--list-rules lists them)"
    raise UsageError(f"--explain: no rule {rule_id!r}{hint}")


def _bundle_name(result: AnalysisResult) -> str:
    path = result.input.path
    if not path or path == "-":
        return "stdin" if path == "-" else "live-system"
    return Path(path).name or "bundle"


def report_names(results: list[AnalysisResult]) -> list[str]:
    """One file name per result for ``-o DIR``: the bundle's name, or — when two bundles' names are
    the same (``a/vm.zip`` and ``b/vm.zip``; also NFC/NFD spellings or case, which some file
    systems merge) — the name plus a short hash of the full path, stable from run to run.
    """
    import hashlib
    import unicodedata
    names = [_bundle_name(r) for r in results]
    keys = [unicodedata.normalize("NFC", n).casefold() for n in names]
    out = []
    for name, key, result in zip(names, keys, results, strict=True):
        if keys.count(key) > 1:
            full = os.path.abspath(result.input.path or name).encode("utf-8", "surrogateescape")
            name = f"{name}-{hashlib.sha256(full).hexdigest()[:8]}"
        out.append(name)
    return out


def write_output(path: Path, text: str) -> None:
    """Write a report; a missing folder or a read-only place is a usage error (exit 2), one line."""
    try:
        path.write_text(text, encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(f"cannot write {path}: folder {path.parent} does not exist") from None
    except IsADirectoryError:
        raise UsageError(f"cannot write {path}: it is a folder") from None
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from None


def _emit(results: list[AnalysisResult], args: argparse.Namespace, formats: list[str]) -> None:
    if len(formats) > 1:
        from .report import render
        folder = Path(args.output)
        for fmt in formats:
            if fmt == "html" or len(results) == 1:
                for result, base in zip(results, report_names(results), strict=True):
                    name = f"{base}.{EXTENSIONS[fmt]}"
                    write_output(folder / name, render(result, fmt) if fmt != "text"
                                 else render_many([result], "text", color=False, verbose=args.verbose))
            else:
                write_output(folder / f"report.{EXTENSIONS[fmt]}",
                             render_many(results, fmt, color=False, verbose=args.verbose))
        return
    fmt = formats[0]
    if fmt == "html" and len(results) > 1:
        from .report import render
        for result, base in zip(results, report_names(results), strict=True):
            write_output(Path(args.output) / f"{base}.html", render(result, "html"))
        return
    to_file = bool(args.output)
    if args.color == "auto":
        color = not to_file and sys.stdout.isatty() and "NO_COLOR" not in os.environ
    else:
        color = args.color == "always"
    text = render_many(results, fmt, color=color and fmt == "text", verbose=args.verbose)
    if to_file:
        write_output(Path(args.output), text)
    elif not args.quiet:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
