"""Compile ``nu.export.nestml`` files into a NEST module with NESTML and compare NEST's traces.

Run with the Python environment that has NEST 3.10 (pip wheel), NESTML 9.0 and neurounits'
dependencies (see README.md here)::

    PYTHONPATH=. /work/nestenv/bin/python tests/reference/nestml_to_nest.py          # build + run
    PYTHONPATH=. /work/nestenv/bin/python tests/reference/nestml_to_nest.py --reuse  # skip the build

The recipe (docs/nest_export.md, "Compiling into NEST"):

1. The pip wheel of NEST ships its headers (``site-packages/nest/include/nest``) and a ``nest-config``
   whose paths name the wheel's build machine (``/tmp/.../wheel/platlib``, a devtoolset ``g++``, GSL
   and ltdl under ``/usr/lib64``). :func:`write_nest_config` writes a corrected copy into
   ``<work>/nest_prefix/bin/nest-config``: prefix = the wheel's ``site-packages/nest``, includes = its
   ``include/nest`` (plus ``/usr/include`` for GSL's headers), compiler = this machine's ``g++``, and
   no libraries: the NEST kernel is linked into ``nest/nestkernel_api.so``, which PyNEST loads with
   ``RTLD_GLOBAL``, so the module's undefined symbols (NEST's and GSL's) resolve against it at
   ``nest.Install``.
2. NESTML is pointed at that folder with ``codegen_opts={"nest_path": <work>/nest_prefix}`` (NESTML
   runs ``cmake -Dwith-nest=<nest_path>/bin/nest-config``) and installs into ``install_path``.
3. ``nest.Install(module)`` after ``nest.ResetKernel()`` (the install path is added to the library
   search path by NESTML, and by ``LD_LIBRARY_PATH`` here for a fresh process).

Each case drives one exported model with a step_current_generator on its continuous input and (for
the models with spike ports) a spike_generator, records V with a multimeter at every step, and
saves the NEST trace to ``nestml_<case>.npz`` for ``tests/test_nestml_compiled.py``, which simulates
the same model and drive with neurounits and compares (no NEST needed there).

NEST and NESTML are imported only inside the functions that need them.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import numpy as np

import neurounits as nu

HERE = Path(__file__).resolve().parent
WORK = Path(os.environ.get("NESTML_WORK", "/tmp/neurounits_nestml"))
MODULE = "nuexportmodule"
DT = 0.1  # ms
T_STOP = 200.0  # ms

# case -> (model class, parameter overrides, current step (t_on ms, t_off ms, amplitude in the
# input's unit), spikes (port, times ms, weights in the receptor's unit))
CASES: dict[str, dict] = {
    "CubaLIF": dict(
        model="CubaLIF",
        params={},
        step=(20.0, 150.0, 12.0),
        spikes=[
            ("ex", [30.0, 30.0, 60.5, 100.0, 170.0], [3.0, 2.0, 4.0, 5.0, 6.0]),
            ("inh", [80.0, 120.0], [-4.0, -8.0]),
        ],
        record="V",
    ),
    "AdEx": dict(
        model="AdEx",
        params={"t_ref": "2 ms"},
        step=(20.0, 150.0, 800.0),
        spikes=[],
        record="V",
    ),
}


def site_nest() -> Path:
    """The wheel's ``site-packages/nest`` folder (found without importing NEST)."""
    import importlib.util

    spec = importlib.util.find_spec("nest")
    assert spec is not None and spec.origin is not None, "NEST is not installed in this Python"
    return Path(spec.origin).parent


def write_nest_config(prefix_dir: Path) -> Path:
    """A corrected copy of the wheel's ``nest-config`` in ``prefix_dir/bin`` (see the module doc)."""
    orig = Path(sys.executable).parent / "nest-config"
    text = orig.read_text()
    nest = site_nest()
    gxx = shutil.which("g++")
    assert gxx, "no g++ on PATH"

    def case(option: str, value: str) -> None:
        nonlocal text
        pat = re.compile(rf"(    {re.escape(option)}\)\n        echo )\"[^\n]*\"")
        text, n = pat.subn(lambda m: m.group(1) + f'"{value}"', text)
        assert n == 1, f"nest-config has no {option} case"

    text = re.sub(r'^prefix="[^"]*"', f'prefix="{nest}"', text, count=1, flags=re.M)
    case("--includes", f"-I{nest}/include/nest -I/usr/include")
    case("--libs", "")
    # the wheel was built with devtoolset's g++ on manylinux, which keeps the pre-C++11 std::string
    # ABI (NEST's symbols end in ``Ss``, not ``NSt7__cxx1112basic_string``): compile the same way
    cflags = re.search(r"    --cflags\)\n        echo \"([^\n]*)\"", text)
    assert cflags is not None, "nest-config has no --cflags case"
    case("--cflags", cflags.group(1).strip() + " -D_GLIBCXX_USE_CXX11_ABI=0")
    case("--compiler", gxx)
    case("--python-executable", sys.executable)
    case("--libdir", "lib")
    out = prefix_dir / "bin" / "nest-config"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text)
    out.chmod(out.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return out


def build(names: list[str]) -> Path:
    """Export the models, generate, compile and install the NEST module; returns its install path."""
    from pynestml.frontend.pynestml_frontend import generate_nest_target

    src, target, install = WORK / "src", WORK / "target", WORK / "install"
    for d in (src, target):
        shutil.rmtree(d, ignore_errors=True)
        d.mkdir(parents=True)
    install.mkdir(parents=True, exist_ok=True)
    config = write_nest_config(WORK / "nest_prefix")
    for opt in ("--prefix", "--includes", "--libs", "--cflags", "--compiler"):
        print(
            f"nest-config {opt}:",
            subprocess.run([config, opt], capture_output=True, text=True).stdout.strip(),
        )
    for name in names:
        nu.export.nestml(getattr(nu.models, CASES[name]["model"]), src / f"{name}.nestml")
    generate_nest_target(
        str(src),
        target_path=str(target),
        install_path=str(install),
        module_name=MODULE,
        logging_level="WARNING",
        codegen_opts={"nest_path": str(WORK / "nest_prefix")},
    )
    return install


def run_case(name: str) -> dict[str, np.ndarray]:
    """Run one case in NEST (the module installed); returns the recorded trace and spikes."""
    import nest

    c = CASES[name]
    nest.ResetKernel()
    nest.set_verbosity("M_ERROR")
    nest.Install(MODULE)
    nest.resolution = DT
    params = {k: float(nu.Q_(v).magnitude) for k, v in c["params"].items()}
    n = nest.Create(f"{c['model']}_neuron", params=params)
    t_on, t_off, amp = c["step"]
    gen = nest.Create(
        "step_current_generator", params={"amplitude_times": [t_on, t_off], "amplitude_values": [amp, 0.0]}
    )
    rtypes = n.get("receptor_types") if c["spikes"] else {}
    print(name, "receptor types:", rtypes)
    nest.Connect(gen, n, syn_spec={"receptor_type": 0, "delay": DT})  # port 0: the continuous input
    for port, times, weights in c["spikes"]:
        sg = nest.Create("spike_generator", params={"spike_times": times, "spike_weights": weights})
        nest.Connect(sg, n, syn_spec={"receptor_type": rtypes[port.upper()], "delay": DT, "weight": 1.0})
    mm = nest.Create("multimeter", params={"record_from": [c["record"]], "interval": DT})
    sr = nest.Create("spike_recorder")
    nest.Connect(mm, n)
    nest.Connect(n, sr)
    nest.Simulate(T_STOP)
    ev = mm.get("events")
    return {
        "t": np.asarray(ev["times"], float),
        "V": np.asarray(ev[c["record"]], float),
        "spikes": np.asarray(sr.get("events")["times"], float),
    }


def neurounits_trace(
    name: str,
    method: str | None = None,
    t_stop: float = T_STOP,
    current_lag: int = 1,
    **method_options: object,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The same model and drive in neurounits: times (ms, t[0] = 0), the recorded state, spike times.

    The timing of NEST's inputs (measured: this reproduces the NEST traces): the generator's step at
    ``t_on``, sent with delay dt, is the continuous input of the step (t_on + dt, t_on + 2 dt]
    (``current_lag`` = 1 step after t_on); a spike sent at ``t`` with delay dt arrives at ``t + dt``:
    NESTML adds its weight after that step's integration, as neurounits does with a SpikeInput at
    ``t + dt``.
    """
    c = CASES[name]
    model = getattr(nu.models, c["model"])(**c["params"])
    k = np.arange(round(t_stop / DT))
    t_on, t_off, amp = c["step"]
    on = (k >= round(t_on / DT) + current_lag) & (k < round(t_off / DT) + current_lag)
    current = nu.TimedArray(nu.Q_(np.where(on, amp, 0.0), str(model.inputs["I"])), dt=f"{DT} ms")
    spikes = [
        nu.SpikeInput(times=nu.Q_(np.asarray(times) + DT, "ms"), weight=nu.Q_(weights, "mV"), receptor=port)
        for port, times, weights in c["spikes"]
    ]
    opts = {"method_options": method_options} if method_options else {}
    res = nu.simulate(
        model,
        duration=f"{t_stop} ms",
        dt=f"{DT} ms",
        inputs={"I": current},
        spike_inputs=spikes,
        record=(c["record"],),
        method=method,
        **opts,
    )
    return (res.t.to("ms").magnitude, res[c["record"]].magnitude[:, 0], res.spikes.times.to("ms").magnitude)


def compare() -> None:
    """Print neurounits against the saved NEST traces (what tests/test_nestml_compiled.py checks)."""
    for name, method, t_stop, opts in (
        ("CubaLIF", None, T_STOP, {}),
        ("AdEx", "rkf45", 37.0, {"atol": 1e-6, "rtol": 1e-6}),
        ("AdEx", "rk4", T_STOP, {}),
    ):
        ref = np.load(HERE / f"nestml_{name}.npz")
        t, v, spikes = neurounits_trace(name, method, t_stop, **opts)
        keep = ref["t"] <= t_stop + 1e-9
        dv = np.max(np.abs(np.interp(ref["t"][keep], t, v) - ref["V"][keep]))
        print(
            f"{name} {method or 'auto'} 0-{t_stop:g} ms: max |dV| = {dv:.3g} mV; spikes neurounits "
            f"{spikes.tolist()}, NEST {ref['spikes'][ref['spikes'] <= t_stop].tolist()}"
        )


def main(argv: list[str]) -> None:
    names = [a for a in argv if not a.startswith("--")] or list(CASES)
    if "--reuse" not in argv:
        build(names)
    lib = str(WORK / "install")
    if lib not in os.environ.get("LD_LIBRARY_PATH", "").split(":"):
        # NEST's module loader searches LD_LIBRARY_PATH as read at start: run again with it set
        env = dict(os.environ, LD_LIBRARY_PATH=lib + ":" + os.environ.get("LD_LIBRARY_PATH", ""))
        args = [a for a in argv if a != "--reuse"] + ["--reuse"]
        os.execve(sys.executable, [sys.executable, __file__, *args], env)
    for name in names:
        res = run_case(name)
        print(name, "spikes:", res["spikes"], "V[:5]", res["V"][:5])
        np.savez(HERE / f"nestml_{name}.npz", **res)
    compare()


if __name__ == "__main__":
    main(sys.argv[1:])
