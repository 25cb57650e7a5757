"""Arguments of runs and sweeps: one spike input without a list, impossible thread counts, values
given twice."""

from __future__ import annotations

import pytest

import neurounits as nu
from neurounits import Q_
from neurounits.simulation.plan import make_plan

pytestmark = pytest.mark.no_jit


def _plan(model, **kw):
    return make_plan(model, "0.1 ms", duration="10 ms", **kw)[0]


def test_one_spike_input_without_a_list_is_accepted():
    model = nu.models.nest.iaf_psc_exp()
    one = nu.SpikeInput(times=Q_([1.0, 2.0], "ms"), weight="10 pA", receptor="ex")
    a, b = _plan(model, spike_inputs=one).events, _plan(model, spike_inputs=[one]).events
    assert a.keys() == b.keys()
    for k in a:
        for x, y in zip(a[k], b[k], strict=True):
            assert (x == y).all()


def test_one_rate_input_without_a_list_is_accepted():
    model = nu.models.nest.sigmoid_rate_ipn(sigma=0.0)
    one = nu.RateInput(rate=0.5, weight=1.0)
    assert _plan(model, rate_inputs=one).rate_inputs == (one,)


def test_something_else_as_spike_inputs_is_refused():
    model = nu.models.nest.iaf_psc_exp()
    with pytest.raises(
        nu.ParameterError,
        match=r"spike_inputs must be a SpikeInput or a list of them, got "
        r"'ex'",
    ):
        _plan(model, spike_inputs="ex")
    with pytest.raises(nu.ParameterError, match=r"spike_inputs\[1\]: expected a nu.SpikeInput, got int"):
        _plan(model, spike_inputs=[nu.SpikeInput(times="1 ms", weight="1 pA", receptor="ex"), 3])


@pytest.mark.parametrize("threads", [0, -1, 1.5, True, "2"])
def test_impossible_thread_counts_are_refused(threads):
    with pytest.raises(
        nu.ParameterError,
        match=r"threads must be a positive integer \(or None: automatic\), "
        rf"got {threads!r}",
    ):
        _plan(nu.models.LIF(), threads=threads)


def test_simulate_refuses_zero_threads():
    with pytest.raises(nu.ParameterError, match=r"cannot simulate model 'LIF': threads must be"):
        nu.simulate(nu.models.LIF(), "1 ms", "0.1 ms", threads=0)


@pytest.mark.parametrize("workers", [0, -2, 1.5])
def test_sweep_refuses_impossible_worker_counts(workers):
    with pytest.raises(nu.ParameterError, match=r"sweep\(model 'LIF'\): workers must be a positive integer"):
        nu.sweep(nu.models.LIF, grid={"tau_m": Q_([10, 20], "ms")}, workers=workers, duration="1 ms")


def test_sweep_fixed_value_that_is_also_swept_is_refused():
    with pytest.raises(nu.ParameterError) as info:
        nu.sweep(nu.models.LIF, grid={"tau_m": Q_([10, 20], "ms")}, fixed={"tau_m": "5 ms"}, duration="1 ms")
    msg = str(info.value)
    assert "sweep(model 'LIF')" in msg and "'tau_m' is swept (grid=) and also given in fixed=" in msg


def test_sweep_fixed_value_that_is_also_an_input_is_refused():
    with pytest.raises(nu.ParameterError, match=r"'I' is given both in fixed= and in inputs="):
        nu.sweep(
            nu.models.LIF,
            grid={"tau_m": Q_([10, 20], "ms")},
            fixed={"I": "1 nA"},
            inputs={"I": "2 nA"},
            duration="1 ms",
        )
