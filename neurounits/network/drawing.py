"""Drawing one projection: its synapses, weights and delays (:func:`_draw`), from its own stream.

The random streams (``STRUCTURE``, ``INITIAL``, ``POISSON``, ``NOISE``) and the rounding of delays
to steps are described in :mod:`neurounits.network.build`.  The drawn synapses are kept as a
:class:`ProjectionSynapses` (network-wide ids, internal units, delays in steps); their ring
columns are set later (:mod:`neurounits.network.tables`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..dist import Distribution
from ..errors import ParameterError, Problem
from ..parameters import check_value
from ..units import Q_, DimensionError, as_quantity, internal_unit, to_internal, ureg
from .checks import _MS
from .sources import Source

STRUCTURE, INITIAL, POISSON, NOISE = 1, 2, 3, 4


@dataclass
class ProjectionSynapses:
    """The drawn synapses of one projection (network-wide ids, internal units, steps)."""

    pre: np.ndarray  # source gid (-1 for a source from nu.sources)
    post: np.ndarray  # target gid
    weight: np.ndarray  # one per synapse, or one for all (length 1)
    delay: np.ndarray  # steps, one per synapse or one for all
    column: np.ndarray  # ring column, minus col_shift
    payload: bool = False  # onto a payload receptor: weight times the source's spike value
    col_shift: int = 0  # the ring column of synapse s is column[s] + col_shift

    def columns(self) -> np.ndarray:
        return self.column + self.col_shift if self.col_shift else self.column


def _factor(unit: Any) -> float:
    return float(Q_(1.0, unit).to(internal_unit(unit)).magnitude)


def _values(
    what: str, value: Any, unit: Any, m: int, rng: np.random.Generator, where: str, problems: list[Problem]
) -> np.ndarray | None:
    """m values in internal units: a Quantity (one or m), or drawn from a distribution."""
    if isinstance(value, Distribution):
        try:
            return np.asarray(value.sample(rng, m, internal_unit(unit)), float)
        except (DimensionError, ParameterError) as exc:
            problems.append(Problem(f"{where}: {what}: {exc}"))
            return None
    chk = check_value(f"{where}, {what}", value, unit, None)
    if chk.problems:
        problems.extend(chk.problems)
        return None
    v = np.asarray(to_internal(chk.quantity), float)
    if v.ndim == 0:  # one value for every synapse: kept as one (see ProjectionSynapses)
        return v.reshape(1)
    if v.shape != (m,):
        problems.append(
            Problem(
                f"{where}: {what} has {v.size} values, but the projection has {m} synapses; "
                "give one value, one per synapse, or a distribution"
            )
        )
        return None
    return v


def _delays(
    delay: Any, m: int, dt_ms: float, rng: np.random.Generator, where: str, problems: list[Problem]
) -> np.ndarray | None:
    if delay is None:
        return np.ones(1, np.int64)
    if isinstance(delay, Distribution):
        drawn = np.asarray(delay.sample(rng, m, _MS), float)
        return np.maximum(np.rint(drawn / dt_ms), 1).astype(np.int64)
    d = _values("delay", delay, _MS, m, rng, where, problems)
    if d is None:
        return None
    steps = np.rint(d / dt_ms)
    off = np.abs(steps * dt_ms - d) > 1e-9 * np.maximum(d, 1.0)
    if off.any():
        problems.append(
            Problem(
                f"{where}: delay {d[off][0]:g} ms is not a whole number of steps of dt = "
                f"{dt_ms:g} ms; give a multiple of dt (or a distribution, which is rounded)"
            )
        )
        return None
    if (steps < 1).any():
        problems.append(
            Problem(
                f"{where}: delay {d[steps < 1][0]:g} ms is shorter than one step (dt = "
                f"{dt_ms:g} ms); a spike needs at least one step to arrive"
            )
        )
        return None
    return steps.astype(np.int64)


def _ids(ids: np.ndarray, pos: np.ndarray) -> np.ndarray:
    """ids[pos], without a gather when the ids are consecutive (a population or a slice of it)."""
    if (
        ids.size
        and ids[-1] - ids[0] == ids.size - 1
        and (ids.size < 3 or ids[1] - ids[0] == 1)
        and np.array_equal(ids, np.arange(ids[0], ids[0] + ids.size))
    ):
        return pos + ids[0] if ids[0] else pos
    return ids[pos]


def _rng(seed: int, *key: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence([seed, *key]))


def _draw(net: Any, proj: Any, dt_ms: float, problems: list[Problem]) -> ProjectionSynapses | None:
    """A projection's synapses, weights and delays (ring columns come later: :func:`_place`)."""
    where = proj.describe()
    rng = _rng(net.seed, STRUCTURE, proj.index)
    post_ids = proj.target.gids()
    if isinstance(proj.source, Source):
        pre, post = np.full(post_ids.size, -1, np.int64), post_ids
    else:
        pre_ids = proj.source.gids()
        i, k = proj.rule.build(pre_ids, post_ids, rng)
        pre, post = _ids(pre_ids, i), _ids(post_ids, k)
    unit = _weight_unit(net, proj) if proj.kind == "spike" else ureg.dimensionless
    weight = proj.weight
    if weight is None:  # a weight matrix
        vals, wunit = proj.rule.weights()
        weight = Q_(vals, wunit) if wunit is not None else vals
    w = _values("weight", weight, unit, post.size, rng, where, problems)
    if proj.kind == "rate" and (
        proj.delay is None
        or (not isinstance(proj.delay, Distribution) and np.all(as_quantity(proj.delay).magnitude == 0))
    ):
        d: np.ndarray | None = np.zeros(1, np.int64)  # instantaneous
    else:
        d = _delays(proj.delay, post.size, dt_ms, rng, where, problems)
    if w is None or d is None:
        return None
    pi, names = next(iter(proj.receptors.items()))
    pay = type(net.populations[pi].model).spike_payload
    return ProjectionSynapses(
        pre,
        post,
        w,
        d,
        np.zeros(0, np.int64),
        payload=proj.kind == "spike" and pay is not None and names[0] in pay.receptors,
    )


def _weight_unit(net: Any, proj: Any) -> Any:
    pi, names = next(iter(proj.receptors.items()))
    return net.populations[pi].model.spec.receptors[names[0]].unit
