"""Spike inputs on port groups (e.g. the NMDA ports of ``iaf_bw_2001_exact``): which port each
input opens or joins, and each port's weight."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..parameters import Problem, check_value
from ..units import Q_, from_internal, to_internal
from .arguments import receptor_names
from .inputs import SpikeInput

__all__ = ["assign_ports"]


def assign_ports(model: Any, spikes: Sequence[SpikeInput], problems: list[Problem]):
    """Give every spike input on a port group its port (see :class:`~neurounits.PortGroup`).

    Ports of a group are numbered 0, 1, ... in the order the inputs open them: an input
    without ``port=`` opens the next port; ``port=k`` joins port k if it is open, opens it if
    it is the next one, and is refused if it would skip numbers (a port added late).  Each
    port has one weight: an input whose weights differ, or that joins a port with another
    weight, is refused.  Returns the inputs re-addressed to the port receptors (weight: the
    multiplicity, 1 per spike), the number of ports per group and each port's weight.
    """
    spec = model.spec
    counts = dict.fromkeys(spec.ports, 0)
    weights: dict[str, np.ndarray] = {}
    first: dict[str, int] = {}
    out = list(spikes)
    for k, si in enumerate(spikes):
        if not isinstance(si, SpikeInput):
            continue
        where = f"model '{model.name}', spike_inputs[{k}]"
        rec_name = si.receptor if isinstance(si.receptor, str) else ""
        group = next((g for g in spec.ports if re.fullmatch(rf"{g}_\d+", rec_name)), None)
        if group is not None:  # the receptors of single ports are internal
            problems.append(Problem(f"{where}: receptor {si.receptor!r} is internal; give "
                                    f"receptor='{group}' and port={rec_name[len(group) + 1:]}"))
            out[k] = SpikeInput(times=si.times, weight=Q_(1.0, ""), receptor=si.receptor)  # no 2nd problem
            continue
        names = receptor_names(spec, si.receptor, where, [])
        if names is None or names[0] not in spec.ports:
            continue
        r = names[0]
        w_chk = check_value(f"{where}, weight", si.weight, spec.receptors[r].unit, None)
        if w_chk.problems:
            problems.extend(w_chk.problems)
            continue
        w = np.unique(np.asarray(to_internal(w_chk.quantity), float))
        wmag = np.atleast_1d(np.asarray(w_chk.quantity.magnitude, float))
        wmin, wmax = (Q_(f(wmag), w_chk.quantity.units) if wmag.size else None for f in (np.min, np.max))
        if w.size > 1:
            problems.append(Problem(
                f"{where}: the spikes of one port of receptor '{r}' must all have the same weight, got "
                f"{w.size} different weights ({wmin:~g} to {wmax:~g}); "
                "split them into several SpikeInputs (one port each)"))
            continue
        port = _port(si.port, counts[r], r, where, problems)
        if port is None:
            continue
        key = f"w_{r}_{port}"
        wq = float(w[0]) if w.size else None
        if port == counts[r]:
            counts[r] += 1
            first[key] = k
            weights[key] = np.full(model.n, 0.0 if wq is None else wq)
        elif wq is not None and weights[key][0] != wq:
            problems.append(Problem(
                f"{where}: port {port} of receptor '{r}' has the weight "
                f"{from_internal(weights[key][0], spec.receptors[r].unit):~g} (from spike_inputs"
                f"[{first[key]}]), this input gives {wmin:~g}; a port's weight is fixed "
                "by its first input: use another port for another weight"))
            continue
        out[k] = SpikeInput(times=si.times, weight=Q_(1.0, ""), receptor=f"{r}_{port}",
                            neurons=si.neurons)
    return out, counts, weights


def _port(port: Any, n_open: int, r: str, where: str, problems: list[Problem]) -> int | None:
    """The port an input addresses (the next one when not given), or None after adding a problem."""
    if port is None:
        return n_open
    if isinstance(port, bool) or not isinstance(port, int | np.integer) or port < 0:
        problems.append(Problem(f"{where}: port must be a port number (0, 1, ...), got {port!r}"))
        return None
    if port > n_open:
        problems.append(Problem(
            f"{where}: port {port} of receptor '{r}' is added late: ports are numbered 0, 1, ... in "
            f"the order the spike inputs open them and {n_open} port(s) are open before this input "
            f"(ports 0 to {n_open - 1}); give port={n_open} or less, or leave port unset to "
            "open the next one. All ports exist from the first step on, so every input of a port "
            "must be given to this simulate() call"))
        return None
    return int(port)
