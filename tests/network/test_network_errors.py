"""Bad network input: a clear error naming the projection, all problems of a call together,
before anything is drawn or compiled."""

from __future__ import annotations

import pytest

import neurounits as nu

M = nu.models.nest.iaf_psc_exp


@pytest.fixture
def net():
    net = nu.Network(seed=1)
    net.add(M(n=10), name="P")
    return net


def test_all_problems_of_one_connect_together_and_nothing_added(net):
    P = net["P"]
    with pytest.raises(nu.ParameterError) as exc:
        net.connect(P, P, weight="1 pA", receptor="exx", delay="-1 ms")
    assert str(exc.value) == (
        "cannot connect: 2 problems\n"
        "  1. projection 0 (P -> P), delay: must be >= 0, got -1 ms\n"
        "  2. projection 0 (P -> P), population 'P': model 'iaf_psc_exp' has no receptor 'exx'. "
        "Did you mean 'ex'? Receptors: ex, in_"
    )
    assert net.projections == []


def test_weight_unit_checked_against_the_receptor(net):
    P = net["P"]
    with pytest.raises(
        nu.DimensionError,
        match=r"^cannot connect: projection 0 \(P -> P\), weight \(receptor 'ex' "
        r"of population 'P'\): expected a value in pA \(current\), got 6 nS \(conductance\)",
    ):
        net.connect(P, P, weight="6 nS")
    with pytest.raises(
        nu.DimensionError,
        match="the weight distribution is in nS, but receptor 'ex' of population 'P' takes weights in pA",
    ):
        net.connect(P, P, weight=nu.dist.Normal("6 nS", "1 nS"))


@pytest.mark.parametrize(
    "delay, message",
    [
        (
            "0.25 ms",
            "delay 0.25 ms is not a whole number of steps of dt = 0.1 ms; give a multiple of dt "
            "(or a distribution, which is rounded)",
        ),
        (
            "0 ms",
            "delay 0 ms is shorter than one step (dt = 0.1 ms); a spike needs at least one step to arrive",
        ),
    ],
)
def test_delays_must_be_whole_steps_of_at_least_dt(net, delay, message):
    P = net["P"]
    net.connect(P, P, weight="1 pA", delay=delay)
    with pytest.raises(nu.ParameterError) as exc:
        nu.simulate(net, "1 ms", dt="0.1 ms")
    assert str(exc.value) == f"cannot build the network: projection 0 (P -> P (AllToAll)): {message}"


def test_views_out_of_range_and_bad_selections(net):
    P = net["P"]
    with pytest.raises(
        IndexError, match=r"^index 12 is out of range for the view of 10 neurons \(valid: 0 to 9\)$"
    ):
        P[12]
    with pytest.raises(
        IndexError, match="select neurons of the view of 10 neurons with a slice, an integer or a 1-d"
    ):
        P[1.5]


def test_sources_rules_and_receptors_that_cannot_take_them():
    net = nu.Network()
    B = net.add(nu.models.nest.iaf_bw_2001(n=2), name="B")
    with pytest.raises(
        nu.ParameterError, match=r"a Poisson source reaches every target neuron; give no connection rule"
    ):
        net.connect(nu.sources.Poisson("1 kHz"), B, nu.conn.AllToAll(), weight="1 nS", receptor="AMPA")
    with pytest.raises(
        nu.ParameterError,
        match=r"projection 0 \(Poisson\(1000 Hz\) -> B\): receptor 'NMDA' of "
        r"population 'B' takes spikes only from iaf_bw_2001 neurons, which send a value with each "
        r"spike; a Poisson source has none",
    ):
        net.connect(nu.sources.Poisson("1 kHz"), B, weight="1 nS", receptor="NMDA")


def test_duplicate_names_and_classes_are_refused(net):
    with pytest.raises(
        nu.ParameterError, match="there is already a population named 'P'; choose another name"
    ):
        net.add(M(n=3), name="P")
    with pytest.raises(
        nu.ParameterError,
        match=r"needs a model instance, got the class iaf_psc_exp; construct it "
        r"first, e.g. iaf_psc_exp\(n=100\)",
    ):
        net.add(M)


def test_record_unknown_variable_and_recording_that_would_not_fit(net):
    P = net["P"]
    with pytest.raises(nu.ParameterError, match=r"has no variable 'Vm'\. Did you mean 'V_m'\?"):
        net.record(P, "Vm")
    big = nu.Network()
    Q = big.add(M(n=100_000), name="Q")
    big.record(Q, "V_m", "I_syn_ex", "I_syn_in")
    with pytest.raises(
        nu.ParameterError,
        match=r"recording would need 223.52 GiB for 100000 more steps \(limit 2 GiB\); "
        "record fewer neurons or variables, a longer `every`",
    ):
        nu.simulate(big, "10 s", dt="0.1 ms")


def test_simulate_arguments_that_belong_to_the_network(net):
    with pytest.raises(nu.ParameterError, match=r"simulate\(network\): seed belong to the network"):
        nu.simulate(net, "1 ms", dt="0.1 ms", seed=3)
    with pytest.raises(nu.ParameterError, match=r"must be an integer in \[0, 2\*\*63\), got -1"):
        nu.Network(seed=-1)
