"""Model-language constructs (issue 13, items 4-9): int/bool states, user functions, after_step,
derived parameters, second-order ODEs, random numbers; and exprel() in an initial value."""

import numpy as np
import pytest
from scipy import stats

import neurounits as nu
from neurounits import Q_
from neurounits.equations.functions import dphi1, phi1


# -- bug: exprel() in an initial value -------------------------------------------------------------
def test_exprel_in_initial_value_simulates():
    class B(nu.Model):
        p = nu.Parameter("0.5")
        V = nu.State("1", initial="exprel(p)")
        w = nu.State("1", initial="exprel(0.25) + sigmoid(p) + softplus(p)")
        equations = "dV/dt = -V/ms\ndw/dt = -w/ms"

    r = nu.simulate(B(n=2, p=Q_([0.5, 0.0], "")), duration="0.1 ms", dt="0.1 ms", record=("V", "w"))
    assert r["V"][0].m == pytest.approx([np.expm1(0.5) / 0.5, 1.0], rel=1e-15)
    w0 = np.expm1(0.25) / 0.25 + 1 / (1 + np.exp(-0.5)) + np.log1p(np.exp(0.5))
    assert r["w"][0, 0].m == pytest.approx(w0, rel=1e-14)


def test_exprel_derivative_has_no_nan_at_zero():
    import sympy

    z = sympy.Symbol("z")
    d = phi1(z).diff(z)
    assert isinstance(d, dphi1)
    f = sympy.lambdify(z, d, "numpy")
    zs = np.array([0.0, 1e-9, -1e-4, 1e-3, 0.5, -2.0])
    exact = np.where(zs == 0, 0.5, (zs * np.exp(zs) - np.expm1(zs)) / np.where(zs == 0, 1, zs**2))
    exact[1] = exact[2] = 0.5  # (series there: cancellation in the direct formula)
    got = f(zs)
    assert np.all(np.isfinite(got))
    assert got[0] == 0.5
    assert got[3:] == pytest.approx(exact[3:], rel=1e-9)
    assert float(d.subs(z, 0).evalf()) == 0.5


# -- user functions ------------------------------------------------------------------------------
ALPHA_M = "0.1/mV/ms*(V + 40*mV)/(1 - exp(-(V + 40*mV)/(10*mV)))"


def test_function_removable_singularity_no_nan():
    f = nu.function("alpha_m_t(V: mV) -> 1/ms", ALPHA_M)
    assert f("-40 mV").m_as("1/ms") == 1.0
    v = np.linspace(-41, -39, 11)
    with np.errstate(invalid="ignore"):
        direct = 0.1 * (v + 40) / (1 - np.exp(-(v + 40) / 10))
    ok = v != -40
    assert f(Q_(v, "mV")).m_as("1/ms")[ok] == pytest.approx(direct[ok], rel=1e-9)


def test_function_in_model_at_singular_point_and_dimension_checks():
    nu.function("alpha_m_u(V: mV) -> 1/ms", ALPHA_M)

    class Gate(nu.Model):
        V0 = nu.Parameter("-40 mV")
        m = nu.State("1", initial="0")
        V = nu.State("mV", initial="V0")
        equations = "dm/dt = alpha_m_u(V)*(1 - m)\ndV/dt = 0*mV/ms"

    for method in ("rk4", "exponential_euler", "euler"):
        r = nu.simulate(Gate(), duration="1 ms", dt="0.1 ms", record=("m",), method=method)
        assert np.all(np.isfinite(r["m"].m))
        exact = 1 - 0.9**10 if method == "euler" else 1 - np.exp(-1.0)  # (Euler: m_k+1 = 0.9 m_k + 0.1)
        assert r["m"][-1, 0].m == pytest.approx(exact, rel=1e-6)
    with pytest.raises(nu.DimensionError, match=r"argument 'V' of alpha_m_u\(\) must be in mV, got ms"):
        nu.Model.from_equations("dm/dt = alpha_m_u(tau)*(1 - m) : 1", parameters={"tau": "1 ms"})


@pytest.mark.parametrize(("sig", "body", "err", "msg"), [
    ("f(V: mV) -> 1/ms", "V/ms", nu.DimensionError, r"expected the function's result in 1/ms"),
    ("f(V: mV) -> 1/ms", "(V + 1*ms)/mV/ms", nu.DimensionError, r"V is in mV but 1\*ms is in ms"),
    ("f V -> 1", "V", nu.EquationError, r"cannot read the function signature"),
    ("exp(V: mV) -> 1", "V/mV", nu.EquationError, r"built-in function"),
    ("f(V) -> 1", "V", nu.EquationError, r"argument 'V' has no unit"),
    ("f(V: mV, V: mV) -> 1", "V/mV", nu.EquationError, r"named twice"),
    ("f(V: mV) -> blorps", "V/mV", nu.EquationError, r"cannot read the unit .blorps."),
    ("f(V: mV) -> 1", "V/mV + zzq", nu.EquationError, r"unknown name 'zzq'"),
])
def test_function_bad_declarations(sig, body, err, msg):
    with pytest.raises(err, match=msg):
        nu.function(sig, body)


# -- int and bool states -------------------------------------------------------------------------
class Counter(nu.Model):
    tau = nu.Parameter("10 ms")
    V = nu.State("mV", initial="0 mV")
    n_spikes = nu.State("1", dtype=int)
    burst = nu.State("1", dtype=bool, initial=False)
    I = nu.Input("mV/ms")
    equations = "dV/dt = -V/tau + I*(0.5 if burst else 1)"
    threshold = "V > 10*mV"
    reset = "V = 0*mV; n_spikes += 1.9; burst = n_spikes >= 3"


def test_int_and_bool_states_count_and_flag():
    r = nu.simulate(Counter(), duration="200 ms", dt="0.1 ms", inputs={"I": "2 mV/ms"},
                    record=("n_spikes", "burst"), method="rk4")
    n = r["n_spikes"].m[:, 0]
    assert n.dtype == np.int64 and r["burst"].m.dtype == np.bool_
    assert n[-1] == r.spike_counts[0]  # += 1.9 truncated to += 1
    assert np.array_equal(r["burst"].m[:, 0], n >= 3)
    # the flag halves the drive from the third spike on: inter-spike intervals from the closed form
    st = r.spikes.times.m_as("ms")
    isi = 10 * np.log(2.0)  # V = 20 mV (1 - exp(-t/tau)) reaches 10 mV at tau ln 2
    assert st == pytest.approx([isi, 2 * isi, 3 * isi], abs=0.1 * 3)
    assert len(st) == 3  # with half the drive V tends to 10 mV, the threshold, and never crosses again


def test_typed_state_errors():
    with pytest.raises(nu.EquationError, match=r"the int state 'c' has a differential equation"):
        class A(nu.Model):
            c = nu.State("1", dtype=int)
            equations = "dc/dt = 1/ms"
    with pytest.raises(nu.EquationError, match=r"bool state 'f' takes a condition, True or False, got '2'"):
        class B(nu.Model):
            V = nu.State("mV")
            f = nu.State("1", dtype=bool)
            equations = "dV/dt = 1*mV/ms"
            threshold = "V > 1*mV"
            reset = "f = 2"
    with pytest.raises(nu.EquationError, match=r"only be assigned with '='"):
        class C(nu.Model):
            V = nu.State("mV")
            f = nu.State("1", dtype=bool)
            equations = "dV/dt = 1*mV/ms"
            threshold = "V > 1*mV"
            reset = "f += True"
    with pytest.raises(nu.EquationError, match=r"dtype of a State must be float, int or bool, got 'str'"):
        nu.State("1", dtype="str")
    with pytest.raises(nu.ParameterError, match=r"int state 'n_spikes': expected a whole number, got 1.5"):
        nu.simulate(Counter(), duration="1 ms", dt="0.1 ms", initial={"n_spikes": 1.5})


# -- after_step ----------------------------------------------------------------------------------
def test_after_step_clamp_every_method_and_errors():
    class Clamp(nu.Model):
        rate = nu.Parameter("1 1/ms")
        x = nu.State("1", initial="0")
        equations = "dx/dt = rate"
        after_step = "x = clip(x, 0, 0.55)"

    for method in ("euler", "rk4", "exact", "rkf45"):
        r = nu.simulate(Clamp(), duration="1 ms", dt="0.1 ms", record=("x",), method=method)
        assert r["x"].m[:, 0] == pytest.approx(np.minimum(np.arange(11) * 0.1, 0.55), abs=1e-12)
    with pytest.raises(nu.EquationError, match=r"after_step: 'tau = 1' assigns to 'tau' \(parameter\)"):
        nu.Model.from_equations("dx/dt = -x/tau : 1", parameters={"tau": "1 ms"}, after_step="tau = 1")
    with pytest.raises(nu.DimensionError,
                       match=r"value assigned to 'x' in 1 \(dimensionless\), got ms \(time\) from  dt"):
        nu.Model.from_equations("dx/dt = -x/tau : 1", parameters={"tau": "1 ms"}, after_step="x = dt")


# -- derived parameters --------------------------------------------------------------------------
class Leak(nu.Model):
    C = nu.Parameter("200 pF")
    g_L = nu.Parameter("10 nS")
    tau = nu.Derived("C/g_L")
    V = nu.State("mV", initial="10 mV")
    equations = "dV/dt = -V/tau"


def test_derived_parameter_values_per_neuron_and_recomputed():
    m = Leak(n=2, C=Q_([100.0, 300.0], "pF"))
    assert m.derived["tau"].m_as("ms") == pytest.approx([10.0, 30.0])
    assert "derived: tau=[2 values] ms" in repr(m)
    assert Leak().derived["tau"].m_as("ms") == 20.0 and np.ndim(Leak().derived["tau"].m) == 0
    sim = nu.Simulation(Leak(), dt="0.1 ms", record=("V",))
    sim.run("10 ms")
    key = sim.plan.kernel
    sim.set_parameter("g_L", "20 nS")  # tau 20 -> 10 ms, same kernel
    sim.run("10 ms")
    assert sim.plan.kernel is key
    assert sim.results["V"][-1, 0].m == pytest.approx(10 * np.exp(-10 / 20 - 10 / 10), rel=1e-9)


def test_derived_parameter_errors():
    with pytest.raises(nu.DimensionError, match=r"derived parameter 'tau': expected the value in ms"):
        class A(nu.Model):
            C = nu.Parameter("200 pF")
            tau = nu.Derived("C", "ms")
            V = nu.State("mV")
            equations = "dV/dt = -V/tau"
    with pytest.raises(nu.EquationError, match=r"uses \['V'\]; a derived parameter is a number computed"):
        class B(nu.Model):
            C = nu.Parameter("200 pF")
            q = nu.Derived("C*V")
            V = nu.State("mV")
            equations = "dV/dt = -V/ms"
    with pytest.raises(nu.ParameterError,
                       match=r"'tau' is a derived parameter \(C/g_L\) and cannot be given"):
        Leak(tau="3 ms")
    with pytest.raises(nu.ParameterError, match=r"derived parameter 'tau' \(C/g_L\) is not a finite number"):
        Leak(g_L="0 nS")


# -- second-order ODEs ---------------------------------------------------------------------------
def test_second_order_harmonic_oscillator_convergence():
    class Osc(nu.Model):
        omega = nu.Parameter("0.5 1/ms")
        x = nu.State("mV", initial="1 mV")
        equations = "d2x/dt2 = -omega**2*x"

    assert Osc().states["dx_dt"] == nu.ureg.Unit("mV/ms")
    for method, order in (("euler", 1), ("rk4", 4)):
        errs = []
        for dt in (0.04, 0.02, 0.01):
            r = nu.simulate(Osc(), duration="10 ms", dt=f"{dt} ms", record=("x", "dx_dt"), method=method)
            errs.append(abs(r["x"][-1, 0].m_as("mV") - np.cos(5.0)))
            if method == "rk4":
                assert r["dx_dt"][-1, 0].m_as("mV/ms") == pytest.approx(-0.5 * np.sin(5.0), abs=1e-7)
        measured = np.log2(np.array(errs[:-1]) / errs[1:])
        assert measured == pytest.approx([order, order], abs=0.1)


def test_second_order_from_equations_damped_and_dimension_error():
    Damped = nu.Model.from_equations(
        "d2x/dt2 = -omega**2*x - 2*zeta*omega*dx_dt : mV", parameters={"omega": "0.5 1/ms", "zeta": "0.1"},
        initial={"x": "1 mV", "dx_dt": "0 mV/ms"}, name="Damped")
    r = nu.simulate(Damped(), duration="10 ms", dt="0.01 ms", record=("x",), method="rk4")
    wd = 0.5 * np.sqrt(1 - 0.01)
    exact = np.exp(-0.05 * 10) * (np.cos(wd * 10) + 0.05 / wd * np.sin(wd * 10))
    assert r["x"][-1, 0].m == pytest.approx(exact, abs=1e-9)
    with pytest.raises(nu.DimensionError, match=r"equation for 'dx_dt': expected the right-hand side in "
                                                r"mV/ms\*\*2 .*got mV \(voltage\) from  -x"):
        nu.Model.from_equations("d2x/dt2 = -x : mV", parameters={})


# -- random numbers ------------------------------------------------------------------------------
class RandomReset(nu.Model):
    V = nu.State("mV", initial="-5 mV + 10*mV*rand()")
    k = nu.State("1", initial="poisson(lam)")
    lam = nu.Parameter("3.5")
    g = nu.State("1", initial="randn()")
    equations = "dV/dt = 1*mV/ms"
    threshold = "V > 10*mV"
    reset = "V = 5*mV*randn(); k = poisson(lam)"


def test_random_initial_values_exact_laws_and_reproducible():
    m = RandomReset(n=20000)
    a = nu.simulate(m, duration="0.1 ms", dt="0.1 ms", seed=1, record=("V", "k", "g"))
    v0, k0, g0 = a["V"][0].m, a["k"][0].m, a["g"][0].m
    assert stats.kstest((v0 + 5) / 10, "uniform").pvalue > 1e-3
    assert stats.kstest(g0, "norm").pvalue > 1e-3
    counts = np.bincount(k0.astype(int), minlength=12)[:12]
    expected = stats.poisson.pmf(np.arange(12), 3.5) * len(k0)
    expected[-1] += stats.poisson.sf(11, 3.5) * len(k0)
    counts[-1] += (k0 > 11).sum()
    assert stats.chisquare(counts, expected).pvalue > 1e-3
    assert k0.mean() == pytest.approx(3.5, abs=4 * np.sqrt(3.5 / len(k0)))
    assert abs(np.corrcoef(v0, g0)[0, 1]) < 0.05
    b = nu.simulate(m, duration="0.1 ms", dt="0.1 ms", seed=1, record=("V", "k", "g"))
    c = nu.simulate(m, duration="0.1 ms", dt="0.1 ms", seed=2, record=("V",))
    assert np.array_equal(a["V"].m, b["V"].m) and np.array_equal(a["k"].m, b["k"].m)
    assert not np.array_equal(a["V"][0].m, c["V"][0].m)


def test_random_reset_laws_threads_and_continuation():
    m = RandomReset(n=4000)
    kw = dict(dt="0.1 ms", seed=5, record=("V", "k"))
    a = nu.simulate(m, duration="20 ms", **kw)
    b = nu.simulate(m, duration="20 ms", threads=2, **kw)
    assert np.array_equal(a["V"].m, b["V"].m)
    sim = nu.Simulation(m, **kw)
    sim.run("7 ms")
    sim.run("13 ms")
    assert np.array_equal(sim.results["V"].m, a["V"].m)
    # the first reset of each neuron: V = 5 mV * N(0, 1) (drawn at the spike step), k ~ Poisson(3.5)
    t_sp = a.spikes.times.m_as("ms")
    idx = a.spikes.indices
    first = np.unique(idx, return_index=True)[1]
    steps = np.round(t_sp[first] / 0.1).astype(int)
    v_after = a["V"].m[steps, idx[first]]
    assert stats.kstest(v_after / 5, "norm").pvalue > 1e-3
    k_after = a["k"].m[steps, idx[first]]
    assert k_after.mean() == pytest.approx(3.5, abs=4 * np.sqrt(3.5 / len(k_after)))
    assert k_after.var() == pytest.approx(3.5, rel=0.1)


def test_random_refused_where_it_does_not_belong():
    with pytest.raises(nu.EquationError, match=r"rand\(\) may appear only in thresholds, resets, after_step"):
        nu.Model.from_equations("dV/dt = rand()*mV/ms : mV")
    with pytest.raises(nu.DimensionError, match=r"mean of poisson\(\) must be dimensionless"):
        nu.Model.from_equations("dV/dt = -V/tau : mV", parameters={"tau": "1 ms"},
                                threshold="V > 1*mV", reset="V = poisson(tau)*mV")
    with pytest.raises(nu.EquationError, match=r"randn\(\) takes 0 argument"):
        nu.Model.from_equations("dV/dt = -V/tau : mV", parameters={"tau": "1 ms"},
                                threshold="V > 1*mV", reset="V = randn(1)*mV")


# -- in networks and exports -------------------------------------------------------------------------
class NetRandomReset(nu.Model):
    V = nu.State("mV", initial="10*mV*rand()")
    c = nu.State("1", dtype=int)
    equations = "dV/dt = 1*mV/ms"
    threshold = "V > 10*mV"
    reset = "V = 2*mV*rand(); c += 1"


def _net_run(seed):
    net = nu.Network(seed=seed)
    P = net.add(NetRandomReset(n=50), name="P")
    net.add(NetRandomReset(n=30), name="Q")
    net.record(P, "V", "c", spikes=True)
    return nu.simulate(net, "30 ms", dt="0.1 ms")["P"]


@pytest.mark.slow
def test_random_and_int_states_in_a_network():
    a, b, c = _net_run(3), _net_run(3), _net_run(4)
    assert np.array_equal(a["V"].m, b["V"].m) and not np.array_equal(a["V"].m, c["V"].m)
    assert a["c"].m.dtype == np.int64
    assert np.array_equal(a["c"].m[-1], a.spike_counts)
    v0 = a["V"][0].m
    assert v0.min() >= 0 and v0.max() <= 10 and len(np.unique(v0)) == 50


def test_nestml_export_refuses_new_constructs():
    with pytest.raises(nu.ExportError, match=r"random numbers \(rand, randn, poisson\), int or bool states"):
        nu.export.nestml(NetRandomReset())


def test_update_statements_with_random_int_and_bool_states():
    class Walk(nu.Model):
        """A discrete-time random walk: +1 or -1 each step, a step counter and a flag."""

        x = nu.State("1", dtype=int)
        steps = nu.State("1", dtype=int)
        above = nu.State("1", dtype=bool)
        update = "x += 1 if rand() < 0.5 else -1; steps += 1; above = x > 0"

    r = nu.simulate(Walk(n=4000), duration="40 ms", dt="0.1 ms", seed=9, record=("x", "steps", "above"))
    x, above = r["x"].m, r["above"].m
    assert x.dtype == np.int64 and above.dtype == np.bool_
    assert np.array_equal(r["steps"].m[:, 0], np.arange(401))
    assert np.array_equal(above, x > 0)
    assert np.all(np.abs(np.diff(x, axis=0)) == 1)
    n = 400  # x_n = 2 B(n, 1/2) - n: mean 0, variance n
    assert x[-1].mean() == pytest.approx(0, abs=4 * np.sqrt(n / 4000))
    assert x[-1].var() == pytest.approx(n, rel=0.1)
    k = (x[-1] + n) // 2  # ~ Binomial(400, 1/2): chi-squared over bins of 5
    edges = np.arange(180, 225, 5)
    observed = np.bincount(np.searchsorted(edges, k, side="right"), minlength=len(edges) + 1)
    cdf = stats.binom.cdf(edges - 1, n, 0.5)
    expected = np.diff(np.concatenate([[0.0], cdf, [1.0]])) * len(k)
    assert stats.chisquare(observed, expected).pvalue > 1e-3


def test_exprel_derivative_and_trunc_compile_in_kernels():
    import math

    import sympy
    from numba import njit

    from neurounits.codegen import runtime as _rt
    from neurounits.codegen.printer import to_code
    from neurounits.equations.functions import trunc

    z = sympy.Symbol("z", real=True)
    ns = {"math": math, "np": np, "_rt": _rt}
    exec(f"def f(z):\n    return {to_code(dphi1(z))}\ndef g(z):\n    return {to_code(trunc(1.5 * z))}", ns)
    f, g = njit(ns["f"]), njit(ns["g"])
    assert f(0.0) == 0.5
    assert f(1.0) == pytest.approx(1.0, rel=1e-15)  # (e - (e - 1))/1
    assert f(1e-5) == pytest.approx(0.5 + 1e-5 / 3 + 1e-10 / 8, rel=1e-14)
    assert [g(1.0), g(-1.0), g(2.5)] == [1.0, -1.0, 3.0]  # towards zero: 1.5, -1.5, 3.75


def test_random_threshold_bernoulli_spikes():
    class Bernoulli(nu.Model):
        p = nu.Parameter("0.02")
        V = nu.State("mV")
        equations = "dV/dt = 0*mV/ms"
        threshold = "rand() < p"

    r = nu.simulate(Bernoulli(n=3000), duration="100 ms", dt="0.1 ms", seed=2)
    counts = r.spike_counts  # ~ Binomial(1000, 0.02) per neuron
    assert counts.mean() == pytest.approx(20, abs=4 * np.sqrt(19.6 / 3000))
    assert counts.var() == pytest.approx(19.6, rel=0.1)
    steps = np.round(r.spikes.times.m_as("ms") / 0.1).astype(int)
    gaps = np.concatenate([np.diff(steps[r.spikes.indices == i]) for i in range(300)])
    assert gaps.min() >= 1 and gaps.mean() == pytest.approx(50, rel=0.06)  # geometric: mean 1/p steps
