"""Committed files that a tool generates: written by `make <target>`, or (with --check) compared with
what the tool would write now, so that `make lint` fails on drift."""

from __future__ import annotations

import sys
from pathlib import Path


def write_or_check(path: Path, text: str, make_target: str, argv: list[str], root: Path) -> int:
    """Writes `text` to `path`; with --check in `argv`, only says (exit 1) when the file differs."""
    if "--check" in argv:
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            print(f"{path.relative_to(root)} is out of date: run `make {make_target}`", file=sys.stderr)
            return 1
        return 0
    path.write_text(text, encoding="utf-8")
    print(f"wrote {path.relative_to(root)}")
    return 0
