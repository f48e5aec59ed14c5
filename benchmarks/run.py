"""Run one benchmark, print its table and optionally write its figures as JSON.

    python benchmarks/run.py availability --json OUT.json [--quick] [--seed N]

Each benchmark is a module in this folder with two functions:

- ``run(*, quick: bool, seed: int) -> dict[str, Any]``: measure, and return
  JSON-ready figures. A list under the key ``"errors"`` names correctness
  failures (answers that differ from the baseline); a non-empty list makes
  this script exit with status 1. Missed speed targets are reported, not
  failures: the machine is shared.
- ``render(result: Mapping[str, Any]) -> str``: the readable table.

To add a benchmark, write the module and add one entry to ``BENCHMARKS``.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, cast

HERE = Path(__file__).resolve().parent
DEFAULT_SEED = 20240601


@dataclass(frozen=True)
class Entry:
    module: str
    """Module name in this folder."""
    summary: str


BENCHMARKS: dict[str, Entry] = {
    "availability": Entry("availability", "AvailabilityIndex vs recomputing from raw positions"),
    "routing": Entry(
        "routing", "routing cost vs a MIP optimum, decisions/s vs a naive router, custom rules"
    ),
    "persistence": Entry(
        "persistence",
        "orders placed/s on memory, SQLite and PostgreSQL vs the same SQL writes done directly",
    ),
}


class Benchmark(Protocol):
    def run(self, *, quick: bool, seed: int) -> dict[str, Any]: ...

    def render(self, result: Mapping[str, Any]) -> str: ...


def load(name: str) -> Benchmark:
    """Import the module registered under ``name`` (from this folder)."""
    if str(HERE) not in sys.path:
        sys.path.insert(0, str(HERE))
    return cast(Benchmark, importlib.import_module(BENCHMARKS[name].module))


def parser() -> argparse.ArgumentParser:
    known = "\n".join(f"  {name:<14} {entry.summary}" for name, entry in BENCHMARKS.items())
    result = argparse.ArgumentParser(
        prog="benchmarks/run.py",
        description="Run one omskit benchmark: ratios against a baseline measured in the same run.",
        epilog=f"benchmarks:\n{known}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    result.add_argument("name", help="the benchmark to run (see the list below)")
    result.add_argument("--json", type=Path, metavar="PATH", help="also write the figures here")
    result.add_argument(
        "--quick",
        action="store_true",
        help="a much smaller run (smoke test; ratios not meaningful)",
    )
    result.add_argument(
        "--seed", type=int, default=DEFAULT_SEED, help=f"workload seed (default {DEFAULT_SEED})"
    )
    return result


def main(argv: Sequence[str] | None = None) -> int:
    args_parser = parser()
    args = args_parser.parse_args(argv)
    if args.name not in BENCHMARKS:
        args_parser.error(
            f"unknown benchmark {args.name!r}; known benchmarks: {', '.join(sorted(BENCHMARKS))}"
        )
    benchmark = load(args.name)
    started = time.perf_counter()
    figures = benchmark.run(quick=args.quick, seed=args.seed)
    wall = time.perf_counter() - started
    result: dict[str, Any] = {
        "benchmark": args.name,
        "quick": args.quick,
        "seed": args.seed,
        "python": platform.python_version(),
        "python_implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
        **figures,
        "wall_seconds": round(wall, 2),
    }
    print(benchmark.render(result))
    print(f"\nwall time: {wall:.1f} s")
    if args.json is not None:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {args.json}")
    errors = result.get("errors") or []
    for error in errors:
        print(f"error: {error}", file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
