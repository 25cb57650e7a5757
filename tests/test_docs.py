"""The documentation: the tutorial runs as a doctest, and the gallery pages are made from examples/."""

from __future__ import annotations

import ast
import doctest
import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


@pytest.mark.slow
def test_tutorial_runs_as_written():
    result = doctest.testfile(
        str(DOCS / "tutorial.rst"),
        module_relative=False,
        optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE,
        raise_on_error=False,
        verbose=False,
    )
    assert result.attempted > 20 and result.failed == 0


@pytest.mark.slow
def test_language_page_runs_as_written():
    result = doctest.testfile(str(DOCS / "language.rst"), module_relative=False,
                              optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE,
                              raise_on_error=False, verbose=False)
    assert result.attempted > 20 and result.failed == 0


def _gallery_module():
    pytest.importorskip("sphinx")
    spec = importlib.util.spec_from_file_location("nu_gallery", DOCS / "_ext" / "nu_gallery.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("nu_gallery", module)
    spec.loader.exec_module(module)
    return module


@pytest.mark.no_jit
def test_gallery_pages_are_made_from_the_examples(tmp_path, monkeypatch):
    gallery = _gallery_module()
    examples = sorted((ROOT / "examples").glob("*.py"))
    outputs = tmp_path / "outputs"
    outputs.mkdir()
    drawn = examples[0].stem
    (outputs / f"{drawn}.png").write_bytes(b"\x89PNG\r\n\x1a\n")  # what the examples test leaves
    (outputs / f"{drawn}.txt").write_text("wrote x.png\n")
    monkeypatch.setenv("NEUROUNITS_GALLERY_DIR", str(outputs))
    srcdir = tmp_path / "docs"
    srcdir.mkdir()
    names = gallery.write_gallery(srcdir, ROOT / "examples")
    assert names == [p.stem for p in examples]
    index = (srcdir / "gallery" / "index.rst").read_text()
    for script in examples:
        page = (srcdir / "gallery" / f"{script.stem}.rst").read_text()
        title = page.splitlines()[2]
        assert page.splitlines()[3] == "=" * len(title) and f"<{script.stem}>" in index
        assert f"python examples/{script.name}" in page and ".. literalinclude::" in page
        assert (f".. image:: figures/{script.stem}.png" in page) == (script.stem == drawn)
    assert (srcdir / "gallery" / "figures" / f"{drawn}.png").exists()
    assert "wrote x.png" in (srcdir / "gallery" / f"{drawn}.rst").read_text()
    # every example but the two that only print draws a figure, which CI requires
    assert gallery.NO_FIGURE <= {p.stem for p in examples}


@pytest.mark.no_jit
def test_example_docstrings_are_titles_and_commands():
    gallery = _gallery_module()
    for script in sorted((ROOT / "examples").glob("*.py")):
        doc = ast.get_docstring(ast.parse(script.read_text()))
        title, _, command = gallery.docstring_rst(doc)
        assert title and "\n" not in title and command.startswith(f"python examples/{script.name}")
