"""The functional core stays pure: no I/O, no clock, no imports from the imperative shell.

Parses every module of the pure core with ``ast`` (nothing is imported or
executed) and checks what it imports and whether it reads the clock.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

import omskit

PACKAGE_ROOT = Path(omskit.__file__).resolve().parent

PURE_PACKAGES = ("model", "lifecycle", "availability", "routing", "tax", "invoicing")
"""Sub-packages of the pure core; one that does not exist yet is skipped."""

PURE_MODULES = ("errors.py", "money.py", "geo.py", "countries.py", "events.py")
"""Top-level modules of the pure core; one that does not exist yet is skipped."""

THIRD_PARTY_ALLOWED = frozenset({"attrs", "cattrs", "dateutil"})

PURE_OMSKIT_MODULES = ("errors", "money", "geo", "countries", "events", "ports")
PURE_OMSKIT_PACKAGES = PURE_PACKAGES

IO_STDLIB_MODULES = frozenset(
    {
        # network and processes
        "socket",
        "ssl",
        "select",
        "selectors",
        "asyncio",
        "subprocess",
        "multiprocessing",
        "threading",
        "_thread",
        "concurrent",
        "urllib",
        "http",
        "ftplib",
        "smtplib",
        # files and storage
        "os",
        "shutil",
        "tempfile",
        "pathlib",
        "glob",
        "sqlite3",
        "dbm",
        "shelve",
        # hidden inputs: randomness and the clock (ids and `now` come from the caller)
        "random",
        "secrets",
        "uuid",
        "time",
    }
)

CLOCK_ATTRIBUTES = frozenset({"now", "utcnow", "today"})
CLOCK_OWNERS = frozenset({"datetime", "date"})
TIME_FUNCTIONS = frozenset({"time", "time_ns", "monotonic", "perf_counter", "localtime", "gmtime"})
IO_BUILTINS = frozenset({"open", "input", "print"})


def pure_core_files() -> list[Path]:
    files: list[Path] = []
    for package in PURE_PACKAGES:
        folder = PACKAGE_ROOT / package
        if folder.is_dir():
            files.extend(sorted(folder.rglob("*.py")))
    for module in PURE_MODULES:
        path = PACKAGE_ROOT / module
        if path.is_file():
            files.append(path)
    return files


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE_ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_names(tree: ast.AST, module: str, *, is_package: bool) -> list[tuple[int, str]]:
    """Every module name ``tree`` imports (relative imports resolved), with its line."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")
                drop = node.level - 1 if is_package else node.level
                base = base[: len(base) - drop]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target == "omskit" or not node.module:
                # `from omskit import x` / `from . import x` may import submodules
                found.extend((node.lineno, f"{target}.{alias.name}") for alias in node.names)
            else:
                found.append((node.lineno, target))
    return found


def is_allowed(name: str) -> bool:
    top = name.split(".")[0]
    if top in IO_STDLIB_MODULES:
        return False
    if top in sys.stdlib_module_names or top in THIRD_PARTY_ALLOWED:
        return True
    if top != "omskit":
        return False
    parts = name.split(".")
    if len(parts) < 2:
        return False  # the package itself pulls in the service and the adapters
    if parts[1] in PURE_OMSKIT_PACKAGES:
        return True
    return len(parts) == 2 and parts[1] in PURE_OMSKIT_MODULES


def forbidden_imports(source: str, module: str, *, is_package: bool = False) -> list[str]:
    tree = ast.parse(source)
    return [
        f"line {line}: {name}"
        for line, name in imported_names(tree, module, is_package=is_package)
        if not is_allowed(name)
    ]


def _owner_name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def clock_and_io_uses(source: str) -> list[str]:
    """Reads of the clock (called or passed as a factory) and calls of I/O builtins."""
    found: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute):
            owner = _owner_name(node.value)
            if node.attr in CLOCK_ATTRIBUTES and owner in CLOCK_OWNERS:
                found.append(f"line {node.lineno}: {owner}.{node.attr}")
            if node.attr in TIME_FUNCTIONS and owner == "time":
                found.append(f"line {node.lineno}: time.{node.attr}")
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in IO_BUILTINS
        ):
            found.append(f"line {node.lineno}: {node.func.id}()")
    return found


FILES = pure_core_files()


def _file_id(path: Path) -> str:
    return str(path.relative_to(PACKAGE_ROOT))


# --- the list of modules ----------------------------------------------------------------


def test_the_pure_core_has_modules_to_check() -> None:
    assert FILES, f"none of the pure core modules exist under {PACKAGE_ROOT}"
    names = {module_name(path) for path in FILES}
    assert "omskit.errors" in names
    assert "omskit.money" in names
    assert "omskit.model.orders" in names
    assert "omskit.lifecycle.table" in names


def test_the_io_module_list_names_real_standard_library_modules() -> None:
    assert sys.stdlib_module_names >= IO_STDLIB_MODULES


# --- the checkers can fail --------------------------------------------------------------


@pytest.mark.parametrize(
    "source",
    [
        "import os",
        "import os.path",
        "from time import monotonic",
        "import socket",
        "import requests",
        "from omskit.service import Oms",
        "from omskit.adapters.memory import MemoryStore",
        "from omskit.testing import strategies",
        "from omskit import cli",
        "from omskit import Money",
        "from .. import service",
        "from ..adapters import memory",
    ],
)
def test_the_import_check_catches_io_third_party_and_shell_imports(source: str) -> None:
    assert forbidden_imports(source, "omskit.routing.engine"), source


@pytest.mark.parametrize(
    "source",
    [
        "from __future__ import annotations",
        "import math",
        "from decimal import Decimal",
        "from datetime import datetime",
        "import attrs",
        "from dateutil.relativedelta import relativedelta",
        "from omskit.errors import InvalidInput",
        "from omskit.model.orders import Order",
        "from omskit import money",
        "from omskit.ports import Clock",
        "from . import decision",
        "from .decision import RoutingDecision",
        "from ..geo import GeoPoint",
        "from ..lifecycle.table import TransitionTable",
    ],
)
def test_the_import_check_lets_the_standard_library_attrs_and_pure_modules_through(
    source: str,
) -> None:
    assert forbidden_imports(source, "omskit.routing.engine") == [], source


def test_relative_imports_in_a_package_init_resolve_against_the_package() -> None:
    assert forbidden_imports("from . import service", "omskit", is_package=True)
    assert not forbidden_imports("from .decision import X", "omskit.routing", is_package=True)


@pytest.mark.parametrize(
    "source",
    [
        "datetime.now(UTC)",
        "datetime.datetime.utcnow()",
        "date.today()",
        "x = attrs.Factory(datetime.now)",
        "time.time()",
        "time.monotonic()",
        "open('stock.csv')",
        "print('routing...')",
    ],
)
def test_the_clock_check_catches_clock_reads_and_io_calls(source: str) -> None:
    assert clock_and_io_uses(source), source


@pytest.mark.parametrize(
    "source",
    [
        "def f(now: datetime) -> bool:\n    return now < expiry",
        "clock.now()",
        "self.now",
        "datetime.fromisoformat(text)",
        "'call datetime.now() in the shell'",
    ],
)
def test_the_clock_check_lets_a_given_now_through(source: str) -> None:
    assert clock_and_io_uses(source) == [], source


# --- the real modules -------------------------------------------------------------------


@pytest.mark.parametrize("path", FILES, ids=_file_id)
def test_pure_core_module_imports_only_stdlib_attrs_dateutil_and_pure_modules(
    path: Path,
) -> None:
    bad = forbidden_imports(
        path.read_text(encoding="utf-8"),
        module_name(path),
        is_package=path.name == "__init__.py",
    )
    assert bad == [], f"{_file_id(path)} imports outside the pure core: {bad}"


@pytest.mark.parametrize("path", FILES, ids=_file_id)
def test_pure_core_module_never_reads_the_clock_or_does_io(path: Path) -> None:
    uses = clock_and_io_uses(path.read_text(encoding="utf-8"))
    assert uses == [], f"{_file_id(path)} reads the clock or does I/O: {uses}"
