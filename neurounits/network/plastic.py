"""Plastic projections: checking ``connect(..., synapse=...)``, their tables, state and recorded weights.

A plastic projection has its own CSR by source and by target (:class:`PlasticTables`, built once
per network) and its own state in a run (:class:`PlasticState`: the weights, the traces, the post
spikes in flight to the synapses), which the loop (:mod:`neurounits.codegen.plastic`) changes.
Static projections are untouched by all this: they keep their merged tables and their loop.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy

from ..dist import Distribution
from ..errors import Problem, raise_problems
from ..parameters import check_value
from ..units import Q_, as_quantity, fmt_unit, internal_unit, to_internal
from .checks import _MS
from .sources import Source

__all__ = ["PlasticState", "PlasticTables", "check_constraints", "check_plastic", "plastic_tables",
           "weight_records"]


def check_plastic(
    net: Any,
    source: Any,
    target: Any,
    synapse: Any,
    delay: Any,
    receptors: dict,
    kind: str,
    where: str,
    problems: list[Problem],
) -> Any:
    """The resolved synapse (code, parameter values, initial values) of a plastic projection, after
    checking what a plastic projection needs; None (and problems) when something is wrong."""
    from .synapses import Synapse, SynapseType

    if isinstance(synapse, SynapseType):
        synapse = synapse()
    if not isinstance(synapse, Synapse):
        problems.append(
            Problem(
                f"{where}: synapse must come from nu.synapses (e.g. nu.synapses.STDP(...)), "
                f"got {type(synapse).__name__}"
            )
        )
        return None
    n_before = len(problems)
    if kind != "spike":
        problems.append(
            Problem(
                f"{where}: a rate projection carries no spikes, so it cannot be plastic; "
                f"drop synapse={synapse.type.name}"
            )
        )
    if isinstance(source, Source):
        problems.append(
            Problem(
                f"{where}: a {type(source).__name__} source cannot have plastic synapses "
                "(it has no neurons to keep traces for); relay it through a population"
            )
        )
    for what, view in (("source", source), ("target", target)):
        if not isinstance(view, Source) and len({p.index for p, _ in getattr(view, "parts", [])}) > 1:
            problems.append(
                Problem(f"{where}: the {what} of a plastic projection must lie in one population")
            )
    if delay is not None and (isinstance(delay, Distribution) or np.ndim(as_quantity(delay).magnitude)):
        problems.append(Problem(f"{where}: a plastic projection takes one delay (a duration), got {delay!r}"))
    for pi, names in receptors.items():
        model = net.populations[pi].model
        pay = type(model).spike_payload
        if len(names) == 2:
            problems.append(
                Problem(
                    f"{where}: name the receptor of a plastic projection (receptor=...): the "
                    "weights change, so they cannot choose it by their sign"
                )
            )
        if (pay is not None and names[0] in pay.receptors) or names[0] in model.spec.ports:
            problems.append(
                Problem(
                    f"{where}: receptor {names[0]!r} of model '{model.name}' cannot take plastic synapses"
                )
            )
    if len(problems) > n_before or not receptors:
        return None
    pi, names = next(iter(receptors.items()))
    wunit = net.populations[pi].model.spec.receptors[names[0]].unit
    return synapse.resolve(wunit, where, problems)


@dataclass
class PlasticTables:
    """A plastic projection's synapses by source (PTR, POST, COL, W; each source's by target) and
    by target (TPTR, TSYN, TPRE); ``order[m]`` is the CSR position of the m-th synapse as drawn."""

    projection: int
    source: int
    target: int
    delay: int
    arrays: dict[str, np.ndarray]
    order: np.ndarray
    code: Any
    params: np.ndarray
    initial: dict[str, float]
    unit: Any


def _ptr(keys: np.ndarray, n: int) -> np.ndarray:
    ptr = np.zeros(n + 1, np.int64)
    np.cumsum(np.bincount(keys, minlength=n), out=ptr[1:])
    return ptr


def check_constraints(proj: Any, s: Any, problems: list[Problem]) -> None:
    """The synapse type's constraints on the drawn weights of plastic projection ``proj``."""
    code, params, initial = proj.plastic
    syms = [sympy.Symbol("w", real=True), *(sympy.Symbol(f"p_{k}", real=True) for k in code.params)]
    unit = _unit(proj)
    w = np.broadcast_to(s.weight, s.post.shape)
    for text, cond in initial["constraints"]:
        with np.errstate(all="ignore"):
            ok = np.broadcast_to(sympy.lambdify(syms, cond, "numpy")(w, *params), w.shape)
        if not ok.all():
            bad = w[~ok][0] / _factor(unit)
            problems.append(
                Problem(
                    f"{proj.describe()}: synapse {code.name} needs {text}; {int((~ok).sum())} of "
                    f"{w.size} synapses do not meet it (e.g. w = {bad:g} {fmt_unit(unit)})"
                )
            )


def _unit(proj: Any) -> Any:
    _, names = next(iter(proj.receptors.items()))
    return proj.target.parts[0][0].model.spec.receptors[names[0]].unit


def plastic_tables(net: Any, proj: Any, s: Any) -> PlasticTables:
    """The tables of plastic projection ``proj`` from its drawn synapses ``s`` (columns placed)."""
    code, params, initial = proj.plastic
    src, tgt = proj.source.parts[0][0], proj.target.parts[0][0]
    pre, post = s.pre - src.offset, s.post - tgt.offset
    m = post.size
    # by source, each source's synapses by target (stable: a ring cell receives in the drawn order),
    # so that a team member's synapses of a source are one run and no two members write into
    # the same stretch of W (neurounits.network.team)
    order = np.lexsort((post, pre))
    by_post = np.argsort(post[order], kind="stable")
    values = {sympy.Symbol(f"p_{k}", real=True): float(v) for k, v in zip(code.params, params, strict=True)}
    pi, names = next(iter(proj.receptors.items()))
    return PlasticTables(
        projection=proj.index,
        source=src.index,
        target=tgt.index,
        delay=int(s.delay[0]),
        arrays={
            "PTR": _ptr(pre, src.n),
            "POST": post[order].astype(np.int32),
            "COL": np.broadcast_to(s.columns(), (m,))[order].astype(np.int32),
            "W": np.broadcast_to(s.weight, (m,))[order].astype(float),
            "TPTR": _ptr(post, tgt.n),
            "TSYN": by_post.astype(np.int64),
            "TPRE": pre[order][by_post].astype(np.int32),
        },
        order=np.argsort(order, kind="stable"),
        code=code,
        params=params,
        initial={k: float(e.subs(values)) for k, e in initial.items() if k != "constraints"},
        unit=net.populations[pi].model.spec.receptors[names[0]].unit,
    )


class PlasticState:
    """The state of a plastic projection in a run: weights, traces, post spikes in flight, and
    the weights recorded so far (every ``every`` steps, synapses ``record`` as drawn)."""

    def __init__(self, t: PlasticTables, n_pre: int, n_post: int, record: np.ndarray, every: int) -> None:
        self.tables = t
        self.w = t.arrays["W"].copy()
        code = t.code
        self.xpre = np.array([np.full(n_pre, t.initial[n]) for n, _, _ in code.pre]).reshape(
            len(code.pre), n_pre
        )
        self.xpost = np.array([np.full(n_post, t.initial[n]) for n, _, _ in code.post]).reshape(
            len(code.post), n_post
        )
        self.tpr = np.full(n_pre, -1, np.int64)
        self.tpo = np.full(n_post, -1, np.int64)
        self.pend = np.zeros_like(self.xpost)
        self.pring = np.zeros((t.delay + 1, n_post), np.int64)
        self.prn = np.zeros(t.delay + 1, np.int64)
        self.record = np.asarray(record, np.int64)
        self.every = int(every)
        self.samples: list[np.ndarray] = []

    def arguments(self, k: int, j0: int, n_steps: int) -> dict[str, Any]:
        every = self.every
        n_rec = (j0 + n_steps) // every - j0 // every + 1 if every else 1
        self._recw = np.zeros((n_rec, self.record.size))
        a = self.tables.arrays
        vals = {
            "PTR": a["PTR"],
            "POST": a["POST"],
            "COL": a["COL"],
            "W": self.w,
            "TPTR": a["TPTR"],
            "TSYN": a["TSYN"],
            "TPRE": a["TPRE"],
            "D": self.tables.delay,
            "PRING": self.pring,
            "PRN": self.prn,
            "XPRE": self.xpre,
            "TPR": self.tpr,
            "XPOST": self.xpost,
            "TPO": self.tpo,
            "PEND": self.pend,
            "P": self.tables.params,
            "RECW": self._recw,
            "RIDX": self.tables.order[self.record],
            "RE": every,
        }
        return {f"PL{k}_{n}": v for n, v in vals.items()}

    def collect(self, j0: int, done: int) -> None:
        if self.every:
            keep = (j0 + done) // self.every - j0 // self.every + 1
            self.samples.append(self._recw[(0 if j0 == 0 else 1) : keep])

    def weights(self) -> Any:
        """Every synapse's weight now, in the order the synapses were drawn (Quantity)."""
        return _quantity(self.w[self.tables.order], self.tables.unit)

    def recorded(self, dt_ms: float) -> tuple[Any, Any]:
        """(times, weights of the recorded synapses: shape (samples, synapses)) as Quantities."""
        w = np.concatenate(self.samples) if self.samples else np.zeros((0, self.record.size))
        return Q_(np.arange(w.shape[0]) * self.every * dt_ms, "ms"), _quantity(w, self.tables.unit)


def _factor(unit: Any) -> float:
    """Internal units per ``unit``."""
    return float(Q_(1.0, unit).to(internal_unit(unit)).magnitude)


def _quantity(values: np.ndarray, unit: Any) -> Any:
    return Q_(values / _factor(unit), unit)


def weight_records(net: Any, syn: list, dt_ms: float) -> dict[int, tuple[np.ndarray, int]]:
    """The synapses (positions as drawn) and interval (steps) of each recorded plastic projection."""
    out, problems = {}, []
    for k, (which, every) in net.weight_records.items():
        where = f"Network.record_weights({net.projections[k].describe()})"
        m = int(syn[k].post.size)
        idx = np.arange(m) if which is None else np.asarray(which)
        if idx.ndim != 1 or (idx.size and (idx.dtype.kind not in "iu" or idx.min() < -m or idx.max() >= m)):
            got = f"{idx.size} positions from {idx.min()} to {idx.max()}" if idx.size > 5 else repr(which)
            problems.append(Problem(f"{where}: synapses must be positions in [0, {m}) (the projection has "
                                    f"{m} synapses), got {got}"))
            continue
        steps = 1
        if every is not None:
            e = check_value(f"{where}, every", every, _MS, 1, positive=True)
            if e.problems:
                problems.extend(e.problems)
                continue
            e_ms = float(to_internal(e.quantity))
            steps = round(e_ms / dt_ms)
            if steps < 1 or abs(steps * dt_ms - e_ms) > 1e-9 * e_ms:
                problems.append(Problem(f"{where}: every = {e_ms:g} ms is not a whole number of steps of "
                                        f"dt = {dt_ms:g} ms"))
                continue
        out[k] = (idx % max(m, 1), steps)
    raise_problems("cannot build the network", problems)
    return out
