"""The ``omskit`` command line: ``python -m omskit demo`` and ``version``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from omskit._version import __version__

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the process exit code."""
    parser = argparse.ArgumentParser(prog="omskit", description="omskit command line")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("demo", help="run the end-to-end demo story")
    sub.add_parser("version", help="print the omskit version")
    args = parser.parse_args(argv)
    if args.command == "version":
        print(__version__)
        return 0
    from omskit.demo import run_demo

    run_demo(sys.stdout)
    return 0
