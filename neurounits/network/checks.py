"""Checking :meth:`Network.connect <neurounits.network.Network.connect>` calls (nothing is drawn here).

:func:`check_connect` (source, target, rule, weight and delay of a spiking projection),
:func:`check_receptors` (its receptors, and the weight's unit for each), :func:`is_rate_projection`
and :func:`check_rate_connect` (a projection between rate models).  Every problem is appended to
``problems``, so that one call reports them all.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..dist import Distribution
from ..errors import Problem
from ..parameters import check_value
from ..simulation.arguments import receptor_names
from ..units import as_quantity, fmt_unit, ureg
from . import connectivity as conn
from .sources import Poisson, Source

__all__ = ["check_connect", "check_rate_connect", "check_receptors", "is_rate_projection"]

_MS = ureg.Unit("ms")


def _check_spike_source(net: Any, source: Any, rule: Any, delay: Any, where: str,
                        problems: list[Problem]) -> None:
    """The source of a spiking projection: a source of nu.sources (no rule, one Poisson delay) or a
    view of populations that emit spikes."""
    from .network import View

    if isinstance(source, Source):
        if rule is not None:
            problems.append(
                Problem(
                    f"{where}: a {type(source).__name__} source reaches every target neuron; "
                    "give no connection rule"
                )
            )
        if (
            isinstance(source, Poisson)
            and delay is not None
            and (isinstance(delay, Distribution) or np.ndim(as_quantity(delay).magnitude))
        ):
            problems.append(Problem(f"{where}: a Poisson source takes one delay, got {delay!r}"))
    elif isinstance(source, View):
        net._check_view(source, where + ", source", problems)
        for p, _ in source.parts:
            if p.model.spec.threshold is None and type(p.model).rate_output:
                problems.append(
                    Problem(
                        f"{where}: population {p.name!r} is a rate model ({p.model.name}); its "
                        "rate can only drive rate models through their rate inputs, not the "
                        "spiking targets of this projection"
                    )
                )
            elif p.model.spec.threshold is None:
                problems.append(
                    Problem(
                        f"{where}: population {p.name!r} (model '{p.model.name}') has no "
                        "threshold, so it emits no spikes to connect"
                    )
                )
    else:
        problems.append(
            Problem(
                f"{where}: the source must be a view of a population or a source from "
                f"nu.sources, got {type(source).__name__}"
            )
        )


def check_connect(
    net: Any,
    source: Any,
    target: Any,
    rule: Any,
    weight: Any,
    delay: Any,
    where: str,
    problems: list[Problem],
) -> Any:
    """The rule (default all-to-all), after checking source, target, rule, weight and delay."""
    from .network import View

    if not isinstance(target, View):
        problems.append(
            Problem(
                f"{where}: the target must be a view of a population (e.g. P or P[:10]), "
                f"got {type(target).__name__}"
            )
        )
    else:
        net._check_view(target, where + ", target", problems)
    _check_spike_source(net, source, rule, delay, where, problems)
    rule = conn.AllToAll() if rule is None and not isinstance(source, Source) else rule
    if rule is not None and not isinstance(rule, conn.Rule):
        problems.append(
            Problem(
                f"{where}: the rule must come from nu.conn (e.g. nu.conn.FixedProbability(0.1)), "
                f"got {type(rule).__name__}"
            )
        )
    elif rule is not None and isinstance(source, View) and isinstance(target, View):
        problems.extend(Problem(f"{where}: {m}") for m in rule.check(source.n, target.n))
    if weight is None and not isinstance(rule, conn.WeightMatrix):
        problems.append(Problem(f"{where}: give the weight of the synapses (weight=...)"))
    _check_delay(delay, where, problems)
    return rule


def _check_delay(delay: Any, where: str, problems: list[Problem]) -> None:
    if delay is None:
        return
    if isinstance(delay, Distribution):
        if delay.dimensionality != _MS.dimensionality:
            problems.append(
                Problem(
                    f"{where}: the delay distribution must be in a unit of time, got {fmt_unit(delay.units)}",
                    dimension=True,
                )
            )
        return
    chk = check_value(f"{where}, delay", delay, _MS, None, nonnegative=True)
    problems.extend(chk.problems)


def is_rate_projection(source: Any, target: Any) -> bool:
    """A projection onto rate models' rate inputs (their populations take no spikes)."""
    from .network import View

    return isinstance(target, View) and any(p.model.spec.rate_channels for p, _ in target.parts)


def _check_rate_populations(net: Any, source: Any, target: Any, where: str, problems: list[Problem]) -> None:
    """A rate projection runs from rate outputs (populations of rate models) to rate inputs."""
    from .network import View

    net._check_view(target, where + ", target", problems)
    for p, _ in target.parts:
        if not p.model.spec.rate_channels:
            problems.append(
                Problem(
                    f"{where}: population {p.name!r} ({p.model.name}) has no rate inputs; a "
                    "rate projection's targets must all be rate models"
                )
            )
    if not isinstance(source, View):
        problems.append(
            Problem(
                f"{where}: rate models take rates from rate populations (e.g. a "
                f"sigmoid_rate_ipn population), not from a {type(source).__name__}"
            )
        )
    else:
        net._check_view(source, where + ", source", problems)
        for p, _ in source.parts:
            if not type(p.model).rate_output:
                problems.append(
                    Problem(
                        f"{where}: population {p.name!r} ({p.model.name}) has no rate output; "
                        "the rate inputs of rate models take rates from rate models only"
                    )
                )


def check_rate_connect(
    net: Any,
    source: Any,
    target: Any,
    rule: Any,
    weight: Any,
    delay: Any,
    receptor: Any,
    where: str,
    problems: list[Problem],
) -> Any:
    """The rule of a rate projection (default all-to-all), after checking its parts."""
    from .network import View

    _check_rate_populations(net, source, target, where, problems)
    if receptor is not None:
        problems.append(Problem(f"{where}: a rate projection has no receptor (got receptor={receptor!r})"))
    rule = conn.AllToAll() if rule is None else rule
    if not isinstance(rule, conn.Rule):
        problems.append(Problem(f"{where}: the rule must come from nu.conn, got {type(rule).__name__}"))
    elif isinstance(source, View):
        problems.extend(Problem(f"{where}: {m}") for m in rule.check(source.n, target.n))
    if weight is None and not isinstance(rule, conn.WeightMatrix):
        problems.append(Problem(f"{where}: give the weight of the rate connections (weight=...)"))
    elif isinstance(weight, Distribution):
        if weight.dimensionality != ureg.dimensionless.dimensionality:
            problems.append(
                Problem(
                    f"{where}: rate weights are dimensionless, got a distribution in "
                    f"{fmt_unit(weight.units)}",
                    dimension=True,
                )
            )
    elif weight is not None:
        problems.extend(check_value(f"{where}, weight", weight, ureg.dimensionless, None).problems)
    _check_delay(delay, where, problems)
    return rule


def check_receptors(
    source: Any, target: Any, receptor: Any, weight: Any, where: str, problems: list[Problem]
) -> dict[int, tuple[str, ...]]:
    """Per target population: the receptor name(s) (two: routed by the sign of the weight), after
    checking that the receptor exists, takes these spikes and the weight's unit fits it."""
    from .network import View

    out: dict[int, tuple[str, ...]] = {}
    if not isinstance(target, View):
        return out
    for p, _ in target.parts:
        spec = p.model.spec
        if not spec.receptors:
            problems.append(
                Problem(
                    f"{where}: model '{p.model.name}' of population {p.name!r} has no spike "
                    "receptors, so spikes cannot be connected to it"
                )
            )
            continue
        names = receptor_names(spec, receptor, f"{where}, population {p.name!r}", problems)
        if names is None:
            continue
        payload = type(p.model).spike_payload
        if payload is not None and names[0] in payload.receptors:
            if not _payload_sources(source, names[0], p, where, problems):
                continue
        elif bad := type(p.model).unavailable_receptors.get(names[0]):
            problems.append(
                Problem(
                    f"{where}: receptor '{names[0]}' of population {p.name!r} cannot take these spikes: {bad}"
                )
            )
            continue
        unit = spec.receptors[names[0]].unit
        if isinstance(weight, Distribution):
            if weight.dimensionality != unit.dimensionality:
                problems.append(
                    Problem(
                        f"{where}: the weight distribution is in {fmt_unit(weight.units)}, but "
                        f"receptor '{names[0]}' of population {p.name!r} takes weights in "
                        f"{fmt_unit(unit)}",
                        dimension=True,
                    )
                )
                continue
        elif weight is not None:
            chk = check_value(
                f"{where}, weight (receptor '{names[0]}' of population {p.name!r})", weight, unit, None
            )
            if chk.problems:
                problems.extend(chk.problems)
                continue
        out[p.index] = names
    return out


def _payload_sources(source: Any, receptor: str, target: Any, where: str, problems: list[Problem]) -> bool:
    """A payload receptor takes spikes only from models whose spikes carry a value for it (NEST:
    "For NMDA synapses in iaf_bw_2001, pre-synaptic neuron must also be of type iaf_bw_2001")."""
    from .network import View

    model = target.model.name
    if not isinstance(source, View):
        problems.append(
            Problem(
                f"{where}: receptor '{receptor}' of population {target.name!r} takes spikes only "
                f"from {model} neurons, which send a value with each spike; a "
                f"{type(source).__name__} source has none"
            )
        )
        return False
    ok = True
    for q, _ in source.parts:
        pay = type(q.model).spike_payload
        if pay is None or receptor not in pay.receptors:
            problems.append(
                Problem(
                    f"{where}: receptor '{receptor}' of population {target.name!r} takes spikes "
                    f"only from {model} neurons, which send a value with each spike; population "
                    f"{q.name!r} is {q.model.name}"
                )
            )
            ok = False
    return ok
