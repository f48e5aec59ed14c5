"""The package is installable, typed and exposes a curated API."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import omskit

ROOT = Path(__file__).parents[2]


def test_public_api_is_curated_sorted_and_documented() -> None:
    names = omskit.__all__
    assert names == sorted(names, key=lambda n: (n.startswith("_"), n))
    assert len(names) == len(set(names))
    for name in names:
        value = getattr(omskit, name)
        if name != "__version__":
            assert value.__doc__, f"{name} has no docstring"


def test_wheel_contains_py_typed(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    (wheel,) = tmp_path.glob("omskit-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "omskit/py.typed" in names
    assert "omskit/service/__init__.py" in names
    assert not any(name.startswith("tests/") for name in names)
    metadata = next(n for n in names if n.endswith("METADATA"))
    text = zipfile.ZipFile(wheel).read(metadata).decode()
    requires = sorted(
        line.split()[1].split(">")[0].split("=")[0].split(";")[0]
        for line in text.splitlines()
        if line.startswith("Requires-Dist:") and "extra ==" not in line
    )
    assert requires == ["attrs", "cattrs", "python-dateutil"]
