"""``Results.to_neo()`` (neurounits.interop): spike trains and traces into neo, units through quantities."""

from __future__ import annotations

import sys

import numpy as np
import pytest

import neurounits as nu
from neurounits import Q_
from neurounits.interop import UnitConversionError, quantities_unit


@pytest.fixture
def neo():
    return pytest.importorskip("neo")


def _results(traces=None, *, t=None, neurons=None, spikes_recorded=True, status=0):
    t = Q_(np.arange(6) * 0.5, "ms") if t is None else t
    times, indices = Q_([0.5, 1.0, 1.5, 2.5], "ms"), np.array([2, 0, 2, 2])
    return nu.Results(
        model="M",
        n=3,
        t=t,
        duration=Q_(2.5, "ms"),
        dt=Q_(0.25, "ms"),
        method="rk4",
        record_every=2,
        spikes=nu.Spikes(times, indices),
        traces=traces or {},
        seed=7,
        neurons=neurons,
        spikes_recorded=spikes_recorded,
        status=status,
        message="stopped" if status else "",
    )


@pytest.mark.no_jit
def test_spike_trains_one_per_neuron_in_ms(neo):
    block = _results().to_neo()
    assert isinstance(block, neo.Block) and len(block.segments) == 1
    trains = block.segments[0].spiketrains
    assert [st.annotations["neuron"] for st in trains] == [0, 1, 2]
    assert [list(st.magnitude) for st in trains] == [[1.0], [], [0.5, 1.5, 2.5]]
    for st in trains:
        assert str(st.units.dimensionality) == "ms"
        assert float(st.t_start) == 0.0 and float(st.t_stop.rescale("ms")) == 2.5  # the duration
    assert block.annotations["model"] == "M" and block.annotations["seed"] == 7
    assert block.annotations["dt_ms"] == 0.25 and block.annotations["record_every"] == 2


@pytest.mark.no_jit
def test_traces_keep_values_units_and_neurons(neo):
    traces = {
        "V": Q_(np.arange(12.0).reshape(6, 2) - 70, "mV"),
        "g_ex": Q_(np.linspace(0, 1, 12).reshape(6, 2), "nS"),
        "I": Q_(np.ones((6, 2)), "nA"),
    }
    seg = _results(traces, neurons=np.array([0, 2])).to_neo(name="run").segments[0]
    signals = {s.name: s for s in seg.analogsignals}
    assert list(signals) == ["V", "g_ex", "I"]
    for name, q in traces.items():
        sig = signals[name]
        assert sig.shape == (6, 2)
        np.testing.assert_array_equal(sig.magnitude, q.magnitude)  # same unit name: the values as they are
        assert sig.units.dimensionality.string == {"V": "mV", "g_ex": "nS", "I": "nA"}[name]
        assert float(sig.sampling_period.rescale("ms")) == 0.5 and float(sig.t_start) == 0.0
        np.testing.assert_allclose(sig.times.rescale("ms").magnitude, np.arange(6) * 0.5)
        assert list(sig.array_annotations["neuron"]) == [0, 2]
    assert seg.name == "run"


@pytest.mark.no_jit
def test_uneven_samples_and_unrecorded_spikes(neo):
    t = Q_([0.0, 0.5, 1.0, 1.2], "ms")  # a run that stopped early: the last sample is not on the grid
    res = _results({"V": Q_(np.zeros((4, 3)), "mV")}, t=t, spikes_recorded=False, status=1)
    seg = res.to_neo().segments[0]
    assert len(seg.spiketrains) == 0 and len(seg.analogsignals) == 0
    (sig,) = seg.irregularlysampledsignals
    np.testing.assert_array_equal(sig.times.rescale("ms").magnitude, t.magnitude)
    assert res.to_neo().annotations["duration_ms"] == 1.2


@pytest.mark.no_jit
def test_units_quantities_cannot_represent_are_refused(neo):
    with pytest.raises(
        UnitConversionError, match=r"'T'.*quantities package \(neo's units\) cannot represent"
    ):
        _results({"V": Q_(np.zeros((6, 3)), "mV"), "T": Q_(np.zeros((6, 3)), "degC")}).to_neo()
    assert issubclass(UnitConversionError, nu.NeurounitsError) and issubclass(UnitConversionError, ValueError)
    for unit in ("mV", "nA", "pA", "nS", "pF", "ms", "1/ms", "mV/ms", "MOhm", "Hz", "mM", ""):
        q = quantities_unit(Q_(1.0, unit).units)
        assert float(q.simplified.magnitude) == pytest.approx(Q_(1.0, unit).to_base_units().magnitude)


@pytest.mark.no_jit
def test_missing_neo_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "neo", None)
    with pytest.raises(
        nu.MissingDependencyError,
        match=r"Results.to_neo\(\) needs neo, which is not installed: "
        r"pip install 'neurounits\[neo\]'",
    ) as info:
        _results().to_neo()
    assert isinstance(info.value, ImportError)


def test_a_simulation_round_trip(neo):
    lif = nu.models.LIF(n=4)
    res = nu.simulate(lif, "200 ms", "0.1 ms", inputs={"I": Q_([0.1, 0.3, 0.4, 0.6], "nA")}, record=("V",))
    seg = res.to_neo().segments[0]
    for i, st in enumerate(seg.spiketrains):
        np.testing.assert_array_equal(st.magnitude, res.spikes.times.m_as("ms")[res.spikes.indices == i])
        assert float(st.t_stop.rescale("ms")) == 200.0
    (sig,) = seg.analogsignals
    np.testing.assert_array_equal(sig.magnitude, res["V"].m_as("mV"))
    assert sig.units.dimensionality.string == "mV"
    np.testing.assert_allclose(sig.times.rescale("ms").magnitude, res.t.m_as("ms"), rtol=0, atol=1e-9)
    elephant = pytest.importorskip("elephant.statistics")
    rates = [float(elephant.mean_firing_rate(st).rescale("Hz")) for st in seg.spiketrains]
    np.testing.assert_allclose(rates, res.rates.m_as("Hz"))
