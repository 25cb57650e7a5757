"""Every script in examples/ runs as it is (with a plot file argument, in a temporary directory).

With ``NEUROUNITS_GALLERY_DIR`` set (as in .ci/run), each example's figure and printed output are
kept there as ``<name>.png`` and ``<name>.txt``: the documentation's gallery shows them
(docs/_ext/nu_gallery.py), so the docs build runs no example itself.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = sorted((Path(__file__).parent.parent / "examples").glob("*.py"))
GALLERY = os.environ.get("NEUROUNITS_GALLERY_DIR")


@pytest.mark.slow
@pytest.mark.parametrize("script", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_example_runs(script, tmp_path):
    env = dict(os.environ, MPLBACKEND="Agg")
    plot = Path(GALLERY) / f"{script.stem}.png" if GALLERY else tmp_path / "plot.png"
    plot.parent.mkdir(parents=True, exist_ok=True)
    out = subprocess.run([sys.executable, str(script), str(plot)], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-3000:]
    assert out.stdout.strip()
    if GALLERY:
        printed = out.stdout.replace(str(plot), plot.name)  # "wrote <name>.png", not a temporary path
        plot.with_suffix(".txt").write_text(printed)


def test_examples_exist():
    assert len(EXAMPLES) >= 4
