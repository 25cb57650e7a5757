"""Sphinx configuration of the neurounits documentation.

Build (warnings are errors, as in CI)::

    pip install -e '.[docs]'
    sphinx-build -W --keep-going -b html docs docs/_build/html

The gallery's figures come from the examples test (see ``docs/_ext/nu_gallery.py``).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE / "_ext"))
os.environ.setdefault("MPLBACKEND", "Agg")

import neurounits  # noqa: E402

project = "neurounits"
author = "The neurounits developers"
copyright = "The neurounits developers"
version = release = neurounits.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "nu_gallery",
]
templates_path = ["_templates"]
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store"]
root_doc = "index"

# API reference: one page per public name, made by autosummary from the lists in api.rst
autosummary_generate = True
autosummary_imported_members = False
autodoc_default_options = {"member-order": "bysource"}
autodoc_typehints = "none"  # numpydoc's parameter lists say the types
numpydoc_show_class_members = False  # the class template lists the members
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False

html_theme = "alabaster"
html_title = f"neurounits {release}"
html_static_path: list[str] = []
html_theme_options = {
    "description": "Unit-safe neuron models, compiled with Numba",
    "fixed_sidebar": True,
    "page_width": "1100px",
    "sidebar_width": "230px",
}
