"""Packaging metadata: one version, a licence file that matches, every dependency used."""

from __future__ import annotations

import ast
import re
import tomllib
from pathlib import Path

import neurounits as nu

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
PROJECT = PYPROJECT["project"]


def test_one_version_source():
    assert "version" not in PROJECT and PROJECT["dynamic"] == ["version"]
    source = ROOT / PYPROJECT["tool"]["hatch"]["version"]["path"]
    assigned = re.findall(r'^__version__ = "([^"]+)"$', source.read_text(), re.M)
    assert assigned == [nu.__version__]
    assert re.fullmatch(r"\d+\.\d+\.\d+(\w+\d*)?", nu.__version__)
    citation = (ROOT / "CITATION.cff").read_text()
    assert f"\nversion: {nu.__version__}\n" in citation


def test_licence_file_matches_the_metadata():
    assert PROJECT["license"] == "BSD-3-Clause"
    text = (ROOT / "LICENSE").read_text()
    assert text.startswith("BSD 3-Clause License\n")
    assert "Neither the name of the copyright holder nor the names of its" in text
    assert "\nlicense: BSD-3-Clause\n" in (ROOT / "CITATION.cff").read_text()
    assert not [c for c in PROJECT["classifiers"] if c.startswith("License ::")]  # the expression says it


def _imported_top_level_modules() -> set[str]:
    found: set[str] = set()
    for path in (ROOT / "neurounits").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                found.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add(node.module.split(".")[0])
    return found


def test_every_dependency_is_imported():
    imported = _imported_top_level_modules()
    names = [re.split(r"[<>=!~\[; ]", dep, maxsplit=1)[0] for dep in PROJECT["dependencies"]]
    assert names == ["numpy", "scipy", "numba", "llvmlite", "pint", "sympy"]
    assert [n for n in names if n not in imported] == []


def test_classifiers_and_python_versions():
    # no [project.urls] until the project has a public repository (no invented addresses)
    assert "urls" not in PROJECT
    minor = int(PROJECT["requires-python"].removeprefix(">=3."))
    pythons = [
        c for c in PROJECT["classifiers"] if re.fullmatch(r"Programming Language :: Python :: 3\.\d+", c)
    ]
    assert pythons and min(int(c.rsplit(".", 1)[1]) for c in pythons) == minor
    assert PYPROJECT["project"]["scripts"] == {"neurounits": "neurounits.cli:main"}


def test_changelog_keeps_a_changelog():
    text = (ROOT / "CHANGELOG.md").read_text()
    assert text.startswith("# Changelog\n\nAll notable changes to neurounits are documented in this file.\n")
    assert "[Keep a Changelog](https://keepachangelog.com/en/1.1.0/)" in text
    assert "\n## Unreleased\n\n- " in text
    unreleased = text.split("\n## Unreleased\n", 1)[1].split("\n## ", 1)[0]
    ours = [ln for ln in unreleased.splitlines() if ln.endswith("(#12).")]
    assert len(ours) >= 5
