"""Start-up: ``import neurounits`` imports only the units, the errors and the declarations; the
rest is imported on first use and every public name still works (#16)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import neurounits as nu

ROOT = Path(__file__).resolve().parents[1]

# imported on first use only (sympy with Model, numba with the first kernel, the rest with its names)
HEAVY = ("sympy", "numba", "llvmlite", "matplotlib", "xarray", "distributed", "tqdm")
LAZY_SUBMODULES = (
    "neurounits.equations",
    "neurounits.simulation",
    "neurounits.codegen",
    "neurounits.integrators",
    "neurounits.network",
    "neurounits.sweeps",
    "neurounits.dist",
    "neurounits.plot",
    "neurounits.storage",
    "neurounits.loading",
    "neurounits.cli",
    "neurounits.measures",
)


def _fresh(code: str) -> dict:
    """Run ``code`` in a new interpreter that imports this checkout; it prints one JSON line."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def _loaded_after(statement: str) -> list[str]:
    code = f"import json, sys\n{statement}\nprint(json.dumps(sorted(sys.modules)))"
    return _fresh(code)  # type: ignore[return-value]


def test_import_neurounits_imports_no_heavy_module():
    mods = set(_loaded_after("import neurounits"))
    assert "neurounits" in mods and "pint" in mods  # pint, the registry, is not lazy
    heavy = sorted(m for m in mods if m.split(".")[0] in HEAVY)
    assert heavy == []
    lazy = sorted(m for m in mods if m.startswith(LAZY_SUBMODULES))
    assert lazy == []


def test_first_use_imports_what_it_needs():
    mods = set(_loaded_after("import neurounits as nu\nnu.Model"))
    assert "neurounits.equations" in mods and "sympy" not in mods  # sympy: when a model is built
    assert "numba" not in mods and "neurounits.network" not in mods
    mods = set(_loaded_after("import neurounits as nu\nnu.Network"))
    assert "neurounits.network" in mods and "numba" not in mods


def test_every_public_name_resolves_and_is_listed():
    assert set(nu.__all__) <= set(dir(nu))
    for name in nu.__all__:
        assert getattr(nu, name) is not None, name
    from neurounits.network import Network, connectivity, sources
    from neurounits.simulation import simulate
    from neurounits.sweeps import sweep

    assert nu.Network is Network and nu.conn is connectivity and nu.sources is sources
    assert nu.simulate is simulate and nu.sweep is sweep
    from neurounits import Model, load  # from-imports go through the module's __getattr__

    assert Model is nu.Model and load is nu.load


def test_unknown_name_is_an_attribute_error():
    try:
        nu.no_such_name  # noqa: B018
    except AttributeError as exc:
        assert "no_such_name" in str(exc)
    else:  # pragma: no cover
        raise AssertionError("nu.no_such_name did not raise")

