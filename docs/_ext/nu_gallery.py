"""The gallery of ``examples/``: one page per script (its docstring, figure, printed output and
source) and an index, written into ``docs/gallery/`` when the build starts.

The examples are not run here.  Their figures and printed output come from a folder,
``$NEUROUNITS_GALLERY_DIR`` (default ``docs/_build/gallery-outputs``), filled by the examples test:

    NEUROUNITS_GALLERY_DIR=docs/_build/gallery-outputs python -m pytest tests/test_examples.py

which runs every example with a plot file argument and, with that variable set, keeps each figure
as ``<name>.png`` and its output as ``<name>.txt``.  A page whose figure is missing says so; with
``NEUROUNITS_GALLERY_REQUIRE=1`` (CI, after the tests) a missing figure or output is a warning, so
``sphinx-build -W`` fails.
"""

from __future__ import annotations

import ast
import os
import re
import shutil
from pathlib import Path

from sphinx.util import logging

logger = logging.getLogger(__name__)

#: examples that print but draw nothing (they take no plot file argument)
NO_FIGURE = {"quickstart", "unit_mistakes"}
_COMMAND = re.compile(r"^\s*python (examples/\S+\.py.*)$")


def outputs_dir(srcdir: Path) -> Path:
    folder = os.environ.get("NEUROUNITS_GALLERY_DIR")
    return Path(folder).resolve() if folder else srcdir / "_build" / "gallery-outputs"


def docstring_rst(docstring: str) -> tuple[str, str, str]:
    """(title, body as reStructuredText, command line) of an example's docstring: the first line is
    the title; a line ``python examples/x.py [...]`` becomes the command shown in a code block."""
    first, _, rest = docstring.strip().partition("\n")
    body, command = [], ""
    for line in rest.splitlines():
        match = _COMMAND.match(line)
        if match:
            command = "python " + match.group(1)
        else:
            body.append(line)
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(body)).strip()
    return first.strip().rstrip("."), text, command


def _write(path: Path, text: str) -> None:
    """Write only when the content changes, so that Sphinx rereads only what changed."""
    if not path.exists() or path.read_text() != text:
        path.write_text(text)


def _copy(source: Path, target: Path) -> None:
    if not target.exists() or target.read_bytes() != source.read_bytes():
        shutil.copyfile(source, target)


def example_page(script: Path, outputs: Path, figures: Path, require: bool) -> tuple[str, str]:
    """(title, page) of one example; copies its figure into ``figures``."""
    name = script.stem
    title, body, command = docstring_rst(ast.get_docstring(ast.parse(script.read_text())) or name)
    lines = [f".. _gallery-{name}:", "", title, "=" * len(title), ""]
    if body:
        lines += [body, ""]
    lines += [".. code-block:: bash", "", f"   {command or 'python examples/' + script.name}", ""]
    figure, output = outputs / f"{name}.png", outputs / f"{name}.txt"
    if name not in NO_FIGURE:
        if figure.exists():
            _copy(figure, figures / f"{name}.png")
            lines += [f".. image:: figures/{name}.png", f"   :alt: the figure of {script.name}", ""]
        else:
            if require:
                logger.warning("gallery: no figure for %s in %s", script.name, outputs)
            lines += ["*(The figure is made by running the script with a file name.)*", ""]
    if output.exists():
        printed = "\n".join("   " + ln if ln else "" for ln in output.read_text().rstrip().splitlines())
        lines += ["Output", "------", "", ".. code-block:: text", "", printed, ""]
    elif require:
        logger.warning("gallery: no output for %s in %s", script.name, outputs)
    rel = os.path.relpath(script, figures.parent)
    lines += ["Source", "------", "", f".. literalinclude:: {rel}", "   :language: python", ""]
    return title, "\n".join(lines)


def write_gallery(srcdir: Path, examples: Path, require: bool = False) -> list[str]:
    """Write ``gallery/index.rst`` and one page per example; return the pages' names."""
    gallery = srcdir / "gallery"
    figures = gallery / "figures"
    figures.mkdir(parents=True, exist_ok=True)
    outputs = outputs_dir(srcdir)
    entries = []
    for script in sorted(examples.glob("*.py")):
        title, page = example_page(script, outputs, figures, require)
        _write(gallery / f"{script.stem}.rst", page)
        entries.append((script.stem, title))
    index = [
        "Gallery",
        "=======",
        "",
        "Every script in ``examples/`` with the figure it draws and what it prints.  Each runs as it is",
        "(``python examples/NAME.py [figure.png]``); the test suite runs all of them.",
        "",
        ".. toctree::",
        "   :maxdepth: 1",
        "",
        *[f"   {title} <{stem}>" for stem, title in entries],
        "",
    ]
    _write(gallery / "index.rst", "\n".join(index))
    return [stem for stem, _ in entries]


def _builder_inited(app) -> None:
    srcdir = Path(app.srcdir)
    require = os.environ.get("NEUROUNITS_GALLERY_REQUIRE", "") not in ("", "0")
    write_gallery(srcdir, srcdir.parent / "examples", require)


def setup(app):
    app.connect("builder-inited", _builder_inited)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
