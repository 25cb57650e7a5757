"""A warm run needs no sympy (#16): the declaration cache (``equations/speccache``) and the warm-run
records (``simulation/warm``) give the same results as the full path, heal when damaged, miss when
the declaration changes, and never let a bad model through.

The subprocess cases share one kernel cache (module scope: the README's LIF is compiled once).
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

import neurounits as nu
from neurounits.equations.cachedspec import CachedSpec
from neurounits.equations.speccache import numeric_of

ROOT = Path(__file__).resolve().parents[1]

# the README's first example; the traces are saved for a bitwise comparison
SCRIPT = """
import json, sys, warnings
import numpy as np
with warnings.catch_warnings(record=True) as ws:
    warnings.simplefilter("always")
    import neurounits as nu
    lif = nu.models.LIF(n=1000)
    numba_before_run = "numba" in sys.modules
    res = nu.simulate(lif, "100 ms", "0.1 ms", inputs={"I": "0.2 nA"}, record=("V",))
np.save(sys.argv[1], res["V"].m)
print(json.dumps({"sympy": "sympy" in sys.modules, "numba": "numba" in sys.modules,
                  "numba_before_run": numba_before_run,
                  "spikes": res.spikes.indices.tolist()[:50], "n_spikes": int(res.spikes.indices.size),
                  "method": res.method, "reason": res.method_reason, "units": str(res["V"].units),
                  "warnings": [[w.category.__name__, str(w.message)] for w in ws]}))
"""


def _run(cache: Path, out: Path, **env: str) -> dict:
    e = {
        **os.environ,
        "NEUROUNITS_CACHE_DIR": str(cache),
        **env,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    p = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(out)], env=e, cwd=ROOT, capture_output=True, text=True, timeout=600
    )
    assert p.returncode == 0, p.stderr[-3000:]
    d = json.loads(p.stdout.strip().splitlines()[-1])
    d["V"] = np.load(out)
    return d


@pytest.fixture(scope="module")
def cold(tmp_path_factory):
    """A run with an empty cache (the full path, which writes the records), and its cache folder."""
    tmp = tmp_path_factory.mktemp("warm")
    return _run(tmp / "cache", tmp / "cold.npy"), tmp / "cache"


def _same(a: dict, b: dict) -> None:
    assert np.array_equal(a["V"], b["V"])
    for k in ("spikes", "n_spikes", "method", "reason", "units"):
        assert a[k] == b[k], k


@pytest.mark.slow
def test_warm_run_imports_no_sympy_and_gives_the_cold_results(cold, tmp_path):
    first, cache = cold
    assert first["sympy"] and first["n_spikes"] == 6000 and first["method"] == "exact"
    assert sorted(p.name.split("_")[1] for p in cache.glob("nu_*.json")) == ["run", "run", "run", "spec"]
    warm = _run(cache, tmp_path / "warm.npy")
    assert not warm["sympy"] and warm["numba"] and not warm["numba_before_run"]
    assert warm["warnings"] == []
    _same(first, warm)
    # the cache turned off: the full path in a warm kernel cache, the same bits again
    off = _run(cache, tmp_path / "off.npy", NEUROUNITS_SPEC_CACHE="0")
    assert off["sympy"]
    _same(first, off)


def _damaged(path: Path, damage: bytes) -> bytes:
    """``damage`` for the record ``path``: KEY and SHA filled in (a record of the right key and a
    valid checksum, but not of the right layout); ALTERED: the record with its value changed."""
    if damage == b"ALTERED":  # valid JSON, the right key, another value: only the checksum tells
        rec = json.loads(path.read_bytes())
        v = rec["value"]
        rec["value"] = (
            {**v, "x": 1} if isinstance(v, dict) else v[::-1] if isinstance(v, list) else "0" * len(v)
        )
        return json.dumps(rec).encode()
    sha = hashlib.sha256(json.dumps({"name": 1}).encode()).hexdigest()[:16]
    return damage.replace(b"KEY", path.stem.split("_")[-1].encode()).replace(b"SHA", sha.encode())


@pytest.mark.slow
@pytest.mark.parametrize(
    "damage",
    [
        b"",
        b"{not json",
        b'{"key": "another", "value": {}}',
        b'{"key": "KEY", "sha": "SHA", "value": {"name": 1}}',
        b"ALTERED",
    ],
)
def test_damaged_records_are_discarded_and_written_again(cold, tmp_path, damage):
    first, cache = cold
    for p in cache.glob("nu_*.json"):
        p.write_bytes(_damaged(p, damage))
    healing = _run(cache, tmp_path / "healing.npy")
    msgs = [m for cat, m in healing["warnings"] if cat == "CacheWarning"]
    assert msgs and all("discarded the damaged cache record" in m for m in msgs), healing["warnings"]
    assert any("the structure of model 'LIF'" in m for m in msgs)
    assert healing["sympy"]  # the full path
    _same(first, healing)
    healed = _run(cache, tmp_path / "healed.npy")
    assert healed["warnings"] == [] and not healed["sympy"]
    _same(first, healed)


@pytest.mark.slow
def test_a_damaged_kernel_file_named_by_a_record_is_generated_again(cold, tmp_path):
    first, cache = cold
    (kernel,) = cache.glob("nu_kernel_*.py")
    good = kernel.read_bytes()
    kernel.write_bytes(good[: len(good) // 2])
    healing = _run(cache, tmp_path / "healing.npy")
    assert [cat for cat, m in healing["warnings"] if "damaged kernel file" in m] == ["CacheWarning"]
    _same(first, healing)
    assert kernel.read_bytes() == good
    _same(first, _run(cache, tmp_path / "healed.npy"))


# -- in this process: declarations against a cache folder of the test's own ---------------------------
LEAKY = "dV/dt = (E_L - V)/tau + I/C : mV"
PARAMS = {"E_L": "-70 mV", "tau": "10 ms", "C": "200 pF"}


def _declare(equations: str = LEAKY, **kw):
    return nu.Model.from_equations(
        equations,
        parameters={**PARAMS, **kw.pop("parameters", {})},
        inputs={"I": "pA"},
        initial={"V": "E_L"},
        threshold="V > -50 mV",
        reset="V = E_L",
        refractory=kw.pop("refractory", "2 ms"),
        constraints=("E_L < 0 mV",),
        name="Leaky",
        **kw,
    )


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("NEUROUNITS_CACHE_DIR", str(tmp_path))
    return tmp_path


def test_the_second_declaration_is_read_from_the_cache(cache):
    full = _declare()._specs[()]
    assert not isinstance(full, CachedSpec) and len(list(cache.glob("nu_spec_*.json"))) == 1
    cached = _declare()._specs[()]
    assert isinstance(cached, CachedSpec)
    assert cached.key == full.key and cached.recordable() == full.recordable()
    assert (cached.states, cached.inputs, list(cached.parameters)) == (
        full.states,
        full.inputs,
        list(full.parameters),
    )
    assert cached.threshold == full.threshold  # the symbolic parts: the full spec, built on first use
    m = _declare()(n=3, E_L=nu.Q_([-60.0, -70.0, -80.0], "mV"))
    assert m.initial_values()["V"].tolist() == [-60.0, -70.0, -80.0]


def test_a_changed_declaration_is_a_miss(cache):
    k0 = _declare()._specs[()].key
    changed = _declare(LEAKY.replace("/tau", "/(2*tau)"))._specs[()]
    assert not isinstance(changed, CachedSpec) and changed.key != k0
    other_default = _declare(parameters={"tau": "20 ms"})._specs[()]
    assert not isinstance(other_default, CachedSpec)  # a default is part of the declaration
    assert len(list(cache.glob("nu_spec_*.json"))) == 3


def _error(equations: str) -> tuple[type, str]:
    with pytest.raises(nu.NeurounitsError) as info:
        _declare(equations)
    return type(info.value), str(info.value)


def test_a_bad_model_raises_the_same_error_with_a_warm_cache(cache, monkeypatch):
    _declare()
    _declare()  # a hit: the good model is cached
    bad = LEAKY.replace("I/C", "I")  # pA added to mV/ms
    warm = _error(bad)
    monkeypatch.setenv("NEUROUNITS_SPEC_CACHE", "0")
    assert warm == _error(bad)
    assert warm[0] is nu.DimensionError and "equation for 'V'" in warm[1]
    assert len(list(cache.glob("nu_spec_*.json"))) == 1  # nothing cached for the bad model


def _value_errors(cls) -> list[str]:
    out = []
    for bad in ({"E_L": "10 mV"}, {"t_ref": nu.Q_([1.0, -1.0], "ms")}):
        with pytest.raises(nu.ParameterError) as info:
            cls(n=2, **bad)
        out.append(str(info.value))
    return out


def test_constraints_and_refractory_checks_hold_on_a_cached_structure(cache, monkeypatch):
    _declare(refractory="t_ref", parameters={"t_ref": "2 ms"})
    cls = _declare(refractory="t_ref", parameters={"t_ref": "2 ms"})
    assert isinstance(cls._specs[()], CachedSpec)
    warm = _value_errors(cls)
    assert warm == [
        "invalid values for model 'Leaky': model 'Leaky': constraint 'E_L < 0 mV' is violated "
        "(neuron 0): E_L = 10 mV",
        "invalid values for model 'Leaky': model 'Leaky': the refractory period (t_ref) must be "
        ">= 0, got -1 ms at neuron 1",
    ]
    monkeypatch.setenv("NEUROUNITS_SPEC_CACHE", "0")
    assert _value_errors(_declare(refractory="t_ref", parameters={"t_ref": "2 ms"})) == warm


def _library() -> list[type]:
    names = [n for n in nu.models.__all__ if n not in ("nest", "NONLINEARITIES")]
    return [getattr(nu.models, n) for n in names] + [
        getattr(nu.models.nest, n)
        for n in nu.models.nest.__all__
        if isinstance(getattr(nu.models.nest, n), type)
    ]


@pytest.mark.parametrize("cls", _library(), ids=lambda c: c.__name__)
def test_every_library_structure_survives_the_cache(cls, cache):
    """Each option combination of each library model: the cached structure has the full one's
    plain parts and evaluates its parameter expressions to the same bits."""
    saved = cls._specs
    try:
        for options in cls._option_combos():
            cls._specs = {}
            full = cls._spec_for(options)
            cls._specs = {}
            cached = cls._spec_for(options)
            newer = full.input_effects or full.lower_bounds  # (iaf_psc_exp, iaf_psc_delta)
            if full.ports or newer:  # port groups, input effects, lower bounds: always the full path
                assert not isinstance(cached, CachedSpec)
                continue
            assert isinstance(cached, CachedSpec), cls
            _compare(cls, full, cached)
    finally:
        cls._specs = saved


def _compare(cls, full, cached) -> None:
    for a in (
        "name",
        "options",
        "key",
        "states",
        "inputs",
        "hold",
        "refractory_convention",
        "noise",
        "rate_channels",
        "rate_linear",
        "receptor_by_sign",
        "events_in_substeps",
        "default_method",
        "hold_after_step",
        "expressions_before_events",
    ):
        x, y = getattr(cached, a), getattr(full, a)
        assert x == y, a
        if isinstance(y, dict):  # in the same order (states, inputs: the kernel's and the user's order)
            assert list(x) == list(y), a
    assert list(cached.parameters) == list(full.parameters)
    assert list(cached.recordable().items()) == list(full.recordable().items())
    assert [(k, r.unit, r.number, r.refractory_input) for k, r in cached.receptors.items()] == [
        (k, r.unit, r.number, r.refractory_input) for k, r in full.receptors.items()
    ]
    if any(p.default is None for p in full.parameters.values()):
        return
    internal = cls(n=4).internal_parameters()
    a, b = numeric_of(full), numeric_of(cached)
    pairs = [(a.initial[k], b.initial[k]) for k in full.states] + [
        (x, y) for (_, x), (_, y) in zip(a.constraints, b.constraints, strict=True)
    ]
    if a.refractory is not None:
        pairs.append((a.refractory, b.refractory))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for x, y in pairs:
            assert x.args == y.args and x.is_number == y.is_number and x.text == y.text
            vx, vy = (np.asarray(z.fn(*[internal[k] for k in z.args])) for z in (x, y))
            assert vx.dtype == vy.dtype and np.array_equal(vx, vy, equal_nan=True)


@pytest.mark.parametrize(
    ("what", "kw"),
    [
        ("after_step", {"after_step": "V = clip(V, -80*mV, 0*mV)"}),
        ("random", {"reset": "V = E_L + rand()*mV", "threshold": "V > -50*mV"}),
        ("refractory_condition", {"threshold": "V > -50*mV", "reset": "V = E_L", "refractory": "V > -60*mV"}),
    ],
)
def test_models_with_the_newer_constructs_are_never_cached(what, kw, cache):
    """A model using a construct the cache cannot represent is built by the full path every time
    (speccache._NOT_CACHED), and no record is written for it."""
    eqs = "dV/dt = (E_L - V)/tau : mV"
    M = nu.Model.from_equations(eqs, parameters={"E_L": "-70 mV", "tau": "10 ms"}, name=f"New_{what}", **kw)
    spec = M._spec_for({})
    assert getattr(spec, what) not in ((), {}, None)
    M._specs = {}
    assert not isinstance(M._spec_for({}), CachedSpec)
    assert not list(cache.glob("nu_spec_*.json"))


def test_brian2_convention_survives_the_cache(cache):
    """from_equations' default convention (Brian2's counting of the period) is part of a record."""
    M = nu.Model.from_equations("dV/dt = (E_L - V)/tau : mV (unless refractory)",
                                parameters={"E_L": "-70 mV", "tau": "10 ms"}, threshold="V > -50*mV",
                                reset="V = E_L", refractory="2 ms", name="Brian2Convention")
    full = M._spec_for({})
    M._specs = {}
    cached = M._spec_for({})
    assert isinstance(cached, CachedSpec)
    assert cached.refractory_convention == full.refractory_convention == "brian2"
