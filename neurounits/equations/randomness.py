"""Random numbers in thresholds, resets, per-step statements, update statements and initial values.

======================  =================================================================
``rand()``              uniform in (0, 1)
``randn()``             standard normal (mean 0, variance 1)
``poisson(lam)``        Poisson count of mean ``lam`` (dimensionless; negative means 0)
======================  =================================================================

Each call in a model's text is a *site*, numbered in the order the model is read; a site draws a
fresh number for every neuron at every step (or once per neuron for an initial value).  The
numbers are counter-based, as the white noise's: a pure function of (seed, site, neuron's index,
step), so a run is reproduced by its seed whatever the blocks or threads, and continuing a run
gives the same numbers as one long run.  Sites are independent of each other and of white noise.
Inside the kernel the draws come from :mod:`neurounits.codegen.rng`; initial values use
:func:`initial_draws`, the same mixing function in numpy.

>>> import numpy as np
>>> u = initial_draws(7, np.arange(100000), [("rand", None)], {})["_rnd0"]
>>> bool(0 < u.min() and u.max() < 1), round(float(u.mean()), 2)
(True, 0.5)
"""

from __future__ import annotations

import ast
from typing import Any

import numpy as np
import sympy

__all__ = ["RANDOM_FUNCTIONS", "SITE_KEY", "initial_draws", "initial_random", "random_call", "random_symbol",
           "typed_problems"]

RANDOM_FUNCTIONS = {"rand": 0, "randn": 0, "poisson": 1}
#: the noise index ``k`` of site s is SITE_KEY + s (white noise uses 0, 1, ...)
SITE_KEY = 1 << 20
_INITIAL_STEP = (1 << 64) - 1  # the "step" of initial values (no run reaches it)

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_MSTEP = np.uint64(0xD1B54A32D192ED03)


def random_symbol(site: int) -> sympy.Symbol:
    """The symbol that stands for the draw of ``site`` (``_rnd<site>``)."""
    return sympy.Symbol(f"_rnd{site}", real=True)


def random_call(tr: Any, node: ast.Call) -> Any:
    """Translate ``rand()``, ``randn()`` or ``poisson(lam)`` (``tr``: the translator)."""
    from .scope import ONE, Translated

    fname = node.func.id  # type: ignore[attr-defined]
    sites = tr.scope.random
    if sites is None:
        raise tr.error(f"{fname}() may appear only in thresholds, resets, after_step and update statements "
                       "and initial values (a number drawn once per step or per neuron); for white noise "
                       "in a differential equation write xi")
    want = RANDOM_FUNCTIONS[fname]
    if node.keywords or len(node.args) != want:
        example = "poisson(rate*dt)" if want else f"{fname}()"
        raise tr.error(f"{fname}() takes {want} argument(s), got  {tr.seg(node)}; e.g. {example}")
    lam = None
    if want:
        got = tr.number(node.args[0], tr.visit(node.args[0]))
        if got.unit.dimensionality != ONE.dimensionality:
            tr.problem(f"the mean of poisson() must be dimensionless (a count), got {got.unit:~} from  "
                       f"{tr.seg(node.args[0])}{tr.hint(node.args[0])}\n  e.g. poisson(rate*dt)")
        lam = got.sym
    sites.append((fname, lam))
    return Translated(random_symbol(len(sites) - 1), ONE)


def _mix64(z: np.ndarray) -> np.ndarray:
    z = (z ^ (z >> np.uint64(30))) * _M1
    z = (z ^ (z >> np.uint64(27))) * _M2
    return z ^ (z >> np.uint64(31))


def _uniform(seed: int, ids: np.ndarray, k: int) -> np.ndarray:
    """Uniform numbers in (0, 1): the formula of ``codegen.rng.uniform`` at step ``_INITIAL_STEP``."""
    with np.errstate(over="ignore"):
        key = _mix64(np.uint64(seed) + _GOLDEN * (ids.astype(np.uint64) + np.uint64(1)))
        h = _mix64(key ^ (np.uint64(_INITIAL_STEP) * _MSTEP + np.uint64(k) * _GOLDEN))
    return ((h >> np.uint64(11)).astype(np.int64).astype(np.float64) + 0.5) / 9007199254740992.0


def _poisson(u: np.ndarray, lam: np.ndarray) -> np.ndarray:
    """Poisson counts by inversion of the distribution function at ``u`` (one uniform each)."""
    lam = np.maximum(lam, 0.0)
    p = np.exp(-lam)
    c = p.copy()
    x = np.zeros(u.shape)
    todo = u > c
    while todo.any() and x.max() < 10 * lam.max() + 400:
        x = np.where(todo, x + 1, x)
        p = np.where(todo, p * lam / np.maximum(x, 1), p)
        c = np.where(todo, c + p, c)
        todo = todo & (u > c) & (p > 0)
    return x


def initial_draws(seed: int | None, ids: np.ndarray, sites: list | tuple,
                  lams: dict[int, np.ndarray]) -> dict[str, np.ndarray]:
    """The draws of every site for initial values: symbol name -> one number per neuron.

    ``ids`` are the neurons' global indices, ``lams`` the mean of each Poisson site (per neuron).
    """
    seed = 0 if seed is None else int(seed)
    ids = np.asarray(ids, dtype=np.int64)
    out = {}
    for s, (kind, _) in enumerate(sites):
        k = SITE_KEY + s
        if kind == "rand":
            v = _uniform(seed, ids, k)
        elif kind == "randn":
            u1, u2 = _uniform(seed, ids, k), _uniform(seed, ids, k + (1 << 30))
            v = np.sqrt(-2.0 * np.log(u1)) * np.cos(2.0 * np.pi * u2)
        else:
            v = _poisson(_uniform(seed, ids, k), np.broadcast_to(lams[s], ids.shape))
        out[random_symbol(s).name] = v
    return out


def initial_random(spec: Any, evaluate: Any, params: dict[str, np.ndarray], seed: int | None,
                   ids: Any) -> dict[str, np.ndarray]:
    """The draws of the random sites for a model's initial values (sites used elsewhere too:
    unused), by symbol name; a Poisson mean that is not an expression of parameters counts 0."""
    lams = {}
    for s, (kind, lam) in enumerate(spec.random):
        if kind == "poisson":
            only_params = all(x.name.startswith("p_") for x in lam.free_symbols)
            lams[s] = evaluate(lam, params) if only_params else np.zeros(len(ids))
    return initial_draws(seed, np.asarray(ids), spec.random, lams)


def typed_problems(model: str, state: str, kind: str | None, values: np.ndarray) -> list:
    """Problems of the initial values of an int (whole numbers) or bool (0 or 1) state."""
    from ..errors import Problem

    if kind == "int":
        bad = ~(np.isfinite(values) & (values == np.trunc(values)))
        what = "a whole number"
    elif kind == "bool":
        bad = ~((values == 0) | (values == 1))
        what = "True, False, 0 or 1"
    else:
        return []
    if not bad.any():
        return []
    i = int(np.flatnonzero(bad)[0])
    return [Problem(f"model '{model}', initial value of the {kind} state '{state}': expected {what}, got "
                    f"{values[i]:g}{f' (neuron {i})' if len(values) > 1 else ''}")]
