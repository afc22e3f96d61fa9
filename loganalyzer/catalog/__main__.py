"""``python -m loganalyzer.catalog check FILE...`` | ``coverage`` — see :mod:`loganalyzer.catalog`."""
from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if not args or args[0] not in {"check", "coverage"}:
        print("usage: python -m loganalyzer.catalog check FILE... | coverage [--verbose]", file=sys.stderr)
        return 2
    if args[0] == "check":
        from . import check_files, load_catalog
        errors = check_files(args[1:]) if args[1:] else load_catalog().errors
        for e in errors:
            print(e)
        if not args[1:]:
            print(f"{len(load_catalog().entries)} entries")
        return 1 if errors else 0
    from .coverage import main as coverage_main
    return coverage_main(args[1:])


if __name__ == "__main__":
    raise SystemExit(main())
