"""The Python snippets in the documentation run and print what the page shows.

A page's ```python blocks run in order in one namespace; a ```text block
right after one is the output it must print. A block whose first line is
``# not run`` is skipped. The test-author tutorial is a pytest module, so it
is checked by running its blocks under pytest.
"""

from __future__ import annotations

import contextlib
import io
import re
import subprocess
import sys
from pathlib import Path

import pytest

DOCS = Path(__file__).parents[2] / "docs"
FENCE = re.compile(r"^```(\w[\w-]*)?[^\n]*\n(.*?)^```\s*$", re.S | re.M)
PAGES = [
    DOCS / "quickstart.md",
    DOCS / "concepts.md",
    DOCS / "tutorials" / "shop-developer.md",
    DOCS / "tutorials" / "strategy-author.md",
]


def _blocks(text: str) -> list[tuple[str, str, int, int]]:
    return [(m.group(1) or "", m.group(2), m.start(), m.end()) for m in FENCE.finditer(text)]


@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_page_snippets_run_and_print_what_the_page_shows(page: Path) -> None:
    text = page.read_text()
    blocks = _blocks(text)
    namespace: dict[str, object] = {"__name__": "__docs__"}
    ran = 0
    for index, (lang, code, _start, end) in enumerate(blocks):
        if lang != "python" or code.startswith("# not run"):
            continue
        output = io.StringIO()
        with contextlib.redirect_stdout(output):
            exec(compile(code, f"{page.name}:block{index}", "exec"), namespace)
        ran += 1
        following = blocks[index + 1] if index + 1 < len(blocks) else None
        if following and following[0] == "text" and not text[end : following[2]].strip():
            assert output.getvalue().rstrip() == following[1].rstrip(), f"block {index}"
    assert ran > 0, f"{page} has no runnable python blocks"


def test_test_author_tutorial_is_a_passing_test_module(tmp_path: Path) -> None:
    text = (DOCS / "tutorials" / "test-author.md").read_text()
    code = "\n\n".join(
        code
        for lang, code, _s, _e in _blocks(text)
        if lang == "python" and not code.startswith("# not run")
    )
    assert "def test_" in code
    module = tmp_path / "test_tutorial.py"
    module.write_text(code)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-W",
            "error",
            str(module),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert " passed" in result.stdout
