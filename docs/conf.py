"""Sphinx configuration for the omskit documentation.

Build with zero warnings, nitpicky (every cross-reference must resolve)::

    .venv/bin/sphinx-build -W --keep-going -n -b html docs docs/_build/html

Pages are Markdown (MyST). The API reference is generated from docstrings by
autodoc. A small hook writes ``docs/_generated/*.md`` at the start of every
build from live objects (the lifecycle diagrams and tables, the error tree,
the table of top-level names), so those fragments can never drift from the
code; pages include them, and ``_generated`` is not committed.
"""

from __future__ import annotations

import importlib
import inspect
import re
from pathlib import Path
from typing import Any

import attrs
from docutils import nodes
from pygments.lexers.special import TextLexer
from sphinx.addnodes import pending_xref
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.util.inspect import object_description

import omskit

# -- Project -----------------------------------------------------------------

project = "omskit"
author = "The omskit developers"
copyright = "the omskit developers"
version = omskit.__version__
release = omskit.__version__

# -- General -----------------------------------------------------------------

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.viewcode",
    "myst_parser",
]

source_suffix = {".md": "markdown", ".rst": "restructuredtext"}
root_doc = "index"
# ``_generated`` holds fragments that other pages include; they are not pages.
exclude_patterns = ["_build", "_generated", "Thumbs.db", ".DS_Store"]
nitpicky = True

# -- MyST --------------------------------------------------------------------

myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3

# -- autodoc -----------------------------------------------------------------

autodoc_member_order = "bysource"
# Type hints stay in the signature; long signatures (attrs classes have many
# fields) break into one parameter per line. Sphinx measures the length with
# fully qualified type names, hence the generous limit.
autodoc_typehints = "signature"
autodoc_class_signature = "mixed"
autodoc_preserve_defaults = True
python_maximum_signature_line_length = 120
autodoc_inherit_docstrings = True
napoleon_google_docstring = True
napoleon_numpy_docstring = False

# Targets that cannot resolve without intersphinx (there is no network at
# build time, so intersphinx stays off): standard-library classes named in
# type hints, and type variables. Everything of omskit's own must resolve.
nitpick_ignore_regex = [
    # Standard library types named in annotations and base classes.
    (
        r"py:(class|obj|exc|data)",
        r"(collections\.abc|datetime|decimal|enum|types|typing|threading|itertools"
        r"|uuid)\.\w+",
    ),
    (r"py:(class|obj)", r"(Decimal|datetime|date|timedelta|StrEnum|Enum|TracebackType)"),
    # Type variables of generic classes and helpers (TypeVar has no page).
    (r"py:(class|obj)", r"omskit(\.\w+)*\.(S|T|K|V|F|E)"),
    # Third-party classes in signatures: attrs, cattrs (the converter) and
    # Hypothesis (strategies of the test kit).
    (r"py:(class|obj|exc)", r"(attrs|cattrs|hypothesis)(\.\w+)+"),
    # Standard library modules of the SQLite adapter (paths and connections).
    (r"py:(class|obj|exc)", r"(os|pathlib|sqlite3)\.\w+"),
    # The PostgreSQL driver of the PostgreSQL adapter (connections, cursors).
    (r"py:(class|obj|exc)", r"psycopg(\.\w+)+"),
]

# -- HTML --------------------------------------------------------------------

html_theme = "furo"
html_title = f"omskit {release}"
html_static_path: list[str] = []
html_theme_options = {"navigation_with_keys": True}

# -- Generated fragments -----------------------------------------------------

DOCS = Path(__file__).resolve().parent
GENERATED = DOCS / "_generated"


def _write_if_changed(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` unless it already holds exactly that.

    Leaving an unchanged file alone keeps incremental builds incremental.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")


def _lifecycle_fragment(name: str) -> str:
    """Mermaid source and a transition table for one lifecycle table of omskit."""
    from omskit import lifecycle

    table = getattr(lifecycle, name)
    # One row per (event, target, guards), listing every state it leaves from.
    sources: dict[tuple[str, str, str], list[str]] = {}
    for row in table.transitions:
        guards = "; ".join(f"`{g.name}`: {g.description}" for g in row.guards) or "-"
        sources.setdefault((row.event, row.target.value, guards), []).append(row.source.value)
    rows = [
        "| From | Event | To | Guards |",
        "| --- | --- | --- | --- |",
        *(
            f"| {', '.join(f'`{s}`' for s in froms)} | `{event}` | `{target}` | {guards} |"
            for (event, target, guards), froms in sources.items()
        ),
    ]
    terminal = ", ".join(f"`{s.value}`" for s in sorted(table.terminal, key=lambda s: s.value))
    return (
        f"<!-- Generated by docs/conf.py from omskit.lifecycle.{name}; do not edit. -->\n\n"
        f"```mermaid\n{table.to_mermaid()}```\n\n"
        f"Initial state `{table.initial.value}`; terminal states {terminal}.\n\n"
        + "\n".join(rows)
        + "\n"
    )


def _public_api_fragment() -> str:
    """A table of the names ``omskit`` exports, each linked to where it is documented."""
    rows = ["| Name | Defined in | Summary |", "| --- | --- | --- |"]
    for name in omskit.__all__:
        if name.startswith("_"):
            continue
        obj = getattr(omskit, name)
        module = obj.__module__
        summary = (inspect.getdoc(obj) or "").strip().splitlines()[0].rstrip(".")
        summary = summary.replace("|", "\\|")
        role = "py:exc" if isinstance(obj, type) and issubclass(obj, BaseException) else "py:class"
        rows.append(
            f"| {{{role}}}`{name} <{module}.{obj.__qualname__}>` "
            f"| {{py:mod}}`{module}` | {summary} |"
        )
    return (
        "<!-- Generated by docs/conf.py from omskit.__all__; do not edit. -->\n\n"
        + "\n".join(rows)
        + "\n"
    )


def _error_tree_fragment() -> str:
    """The error tree drawn from the live class hierarchy, with each class's own fields."""
    from omskit.errors import OmsError

    def fields(cls: type) -> str:
        if "__init__" not in vars(cls):
            return ""
        params = inspect.signature(cls.__init__).parameters
        names = [n for n in params if n not in ("self", "message")]
        return ", ".join(names)

    def label(cls: type) -> str:
        builtin = [b.__name__ for b in cls.__bases__ if not issubclass(b, OmsError)]
        return cls.__name__ + (f" ({', '.join(builtin)})" if builtin else "")

    lines = [(label(OmsError), fields(OmsError))]

    def walk(cls: type, prefix: str) -> None:
        children = [c for c in cls.__subclasses__() if c.__module__ == "omskit.errors"]
        for index, child in enumerate(children):
            last = index == len(children) - 1
            lines.append((prefix + ("└── " if last else "├── ") + label(child), fields(child)))
            walk(child, prefix + ("    " if last else "│   "))

    walk(OmsError, "")
    width = max(len(text) for text, _ in lines) + 3
    body = "\n".join(f"{text:<{width}}{extra}".rstrip() for text, extra in lines)
    return (
        "<!-- Generated by docs/conf.py from the subclasses of omskit.errors.OmsError. -->\n\n"
        f"```text\n{body}\n```\n"
    )


def generate_fragments(app: Sphinx) -> None:
    """Write ``docs/_generated/*.md`` from the live package before reading sources."""
    _write_if_changed(GENERATED / "order_lifecycle.md", _lifecycle_fragment("ORDER_LIFECYCLE"))
    for name in ("SHIPMENT_LIFECYCLE", "LINE_LIFECYCLE", "RETURN_LIFECYCLE", "QUOTE_LIFECYCLE"):
        fragment = f"{name.removesuffix('_LIFECYCLE').lower()}_lifecycle.md"
        _write_if_changed(GENERATED / fragment, _lifecycle_fragment(name))
    _write_if_changed(GENERATED / "public_api.md", _public_api_fragment())
    _write_if_changed(GENERATED / "error_tree.md", _error_tree_fragment())


# -- Cross-references through re-exports --------------------------------------


def _import_path(dotted: str) -> Any:
    """Import ``a.b.C.d`` as far as modules go, then follow attributes; None if it fails."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj: Any = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        try:
            for attr in parts[cut:]:
                obj = getattr(obj, attr)
        except AttributeError:
            return None
        return obj
    return None


def resolve_reexports(
    app: Sphinx, env: BuildEnvironment, node: pending_xref, contnode: nodes.TextElement
) -> nodes.reference | None:
    """Resolve a Python reference made through a re-export to where the object is documented.

    omskit documents every object once, in its defining module (for example
    ``omskit.service.Oms``), while docstrings and users often name the public
    path (``omskit.Oms``, ``omskit.adapters.memory.MemoryStore``). When such a
    reference does not resolve, import it, take the object's canonical
    ``__module__.__qualname__`` and resolve that instead. Targets that do not
    import, or whose canonical name is not documented, stay unresolved and
    are reported as usual.
    """
    if node.get("refdomain") != "py":
        return None
    target = node["reftarget"]
    module = node.get("py:module")
    for candidate in ([f"{module}.{target}"] if module else []) + [target]:
        obj = _import_path(candidate)
        if obj is None:
            continue
        if inspect.ismodule(obj):
            canonical = obj.__name__
        elif getattr(obj, "__module__", None) and getattr(obj, "__qualname__", None):
            canonical = f"{obj.__module__}.{obj.__qualname__}"
        else:
            continue
        if canonical in (candidate, target):
            continue
        resolved = env.get_domain("py").resolve_xref(
            env, node["refdoc"], app.builder, node["reftype"], canonical, node, contnode
        )
        if resolved is not None:
            return resolved
    return None


# -- Napoleon and prose attribute docstrings ----------------------------------

# Napoleon reads the docstring of a module constant, attribute or property as
# Google style "type: description", so a prose docstring such as "The shipment
# lifecycle: warehouse and carrier milestones." would get the type "The
# shipment lifecycle". omskit writes those docstrings as prose (reST), so
# Google-style parsing is switched off for them just around napoleon's own
# handler (priority 500) and restored right after it; functions and classes
# keep full napoleon support.
_PROSE_DOCSTRINGS = frozenset({"data", "attribute", "property"})
_google_setting: list[bool] = []


def _napoleon_off_for_prose(
    app: Sphinx, what: str, name: str, obj: object, options: Any, lines: list[str]
) -> None:
    _google_setting[:] = [app.config.napoleon_google_docstring]
    if what in _PROSE_DOCSTRINGS:
        app.config.napoleon_google_docstring = False


def _napoleon_restore(
    app: Sphinx, what: str, name: str, obj: object, options: Any, lines: list[str]
) -> None:
    if _google_setting:
        app.config.napoleon_google_docstring = _google_setting.pop()


_ATTRS_DEFAULT = re.compile(r"attr_dict\['(\w+)'\]\.default")


def _attrs_defaults(
    app: Sphinx,
    what: str,
    name: str,
    obj: object,
    options: Any,
    signature: str | None,
    return_annotation: str | None,
) -> tuple[str | None, str | None] | None:
    """Show the real defaults of attrs classes instead of ``attr_dict['x'].default``.

    ``autodoc_preserve_defaults`` shows defaults as written in the source,
    which keeps names such as ``EVENT_TYPES`` or ``ROUND_HALF_EVEN``; the
    ``__init__`` that attrs generates, though, spells every default
    ``attr_dict['x'].default``. Replace those with the field's default value.
    """
    if what != "class" or not signature or not isinstance(obj, type) or not attrs.has(obj):
        return None
    fields = attrs.fields_dict(obj)

    def default(match: re.Match[str]) -> str:
        value = fields[match.group(1)].default
        if isinstance(value, attrs.Factory):
            return f"{object_description(value.factory)}()"
        if isinstance(value, set | frozenset) and not value:
            return f"{type(value).__name__}()"
        return object_description(value)

    return _ATTRS_DEFAULT.sub(default, signature), return_annotation


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the build hooks of this documentation."""
    # Pygments has no Mermaid lexer: show the diagram source as plain text
    # (GitHub and many editors render ```mermaid fences as diagrams).
    app.add_lexer("mermaid", TextLexer)
    app.connect("builder-inited", generate_fragments)
    app.connect("missing-reference", resolve_reexports)
    app.connect("autodoc-process-signature", _attrs_defaults)
    app.connect("autodoc-process-docstring", _napoleon_off_for_prose, priority=499)
    app.connect("autodoc-process-docstring", _napoleon_restore, priority=501)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
