"""COBA exported with ``nu.export.nest`` and run by NEST under MPI: 2 ranks give the spikes of 2 threads.

NEST's guarantee: a network's results depend on the number of virtual processes (MPI ranks x threads
per rank), not on how they are split.  This script builds COBA (Brette et al. 2007, benchmark 1:
4,000 ``nu.models.nest.iaf_cond_exp``, connection probability 0.02, 6 nS / -67 nS, delay 0.1 ms,
Poisson drive 2.4 kHz x 2.1 nS) with neurounits, exports it with explicit connectivity and runs
the script with a NEST built with MPI:

1. one process on 2 threads (``python run_coba.py --threads 2``);
2. two MPI ranks of one thread each (``mpirun -n 2 python run_coba.py``, then ``--merge`` when
   mpi4py is missing: every rank writes its own file);
3. one process on one thread (a different number of virtual processes: other Poisson streams).

It prints whether 1 and 2 are identical (they must be), how 3 differs, the mean rates and the
wall times, and neurounits' own rate for the same network (2 threads, its own Poisson streams).
The test suite does not run it (it needs NEST with MPI); what it printed is recorded in
``docs/nest_export.md`` and ``benchmarks/README.md``.

Run it with neurounits' environment; ``--nest-vars`` names the ``nest_vars.sh`` of the MPI build
(it sets PYTHONPATH and PATH for that NEST) and ``--nest-python`` a Python that has numpy::

    python tests/reference/check_nest_mpi.py --nest-vars /work/nest-mpi/install/bin/nest_vars.sh \\
        --nest-python /work/nest-mpi/venv/bin/python [--duration "1 s"]

NEST built with MPI from its PyPI source package (the pip wheel has no MPI)::

    apt-get install libopenmpi-dev openmpi-bin libgsl-dev libltdl-dev libboost-dev cmake g++
    python3 -m venv venv && venv/bin/pip install cython numpy
    curl -LO <the nest_simulator-3.10.0.tar.gz of https://pypi.org/project/nest-simulator/3.10.0/#files>
    tar xzf nest_simulator-3.10.0.tar.gz && mkdir build && cd build
    cmake ../nest_simulator-3.10.0 -DCMAKE_INSTALL_PREFIX=$PWD/../install -Dwith-mpi=ON \\
        -Dwith-python=ON -DPython_EXECUTABLE=$PWD/../venv/bin/python -DCMAKE_BUILD_TYPE=Release
    make -j2 && make install
"""

from __future__ import annotations

import argparse
import os
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

import neurounits as nu

N, NE = 4000, 3200


def coba(seed: int = 12345) -> nu.Network:
    """COBA with NEST's iaf_cond_exp (weights routed by sign: excitatory >= 0, inhibitory < 0)."""
    net = nu.Network(seed=seed)
    M = nu.models.nest.iaf_cond_exp(
        n=N, E_L="-60 mV", C_m="200 pF", g_L="10 nS", E_ex="0 mV", E_in="-80 mV", tau_syn_ex="5 ms",
        tau_syn_in="10 ms", V_th="-50 mV", V_reset="-60 mV", t_ref="5 ms", I_e="0 pA",
    )  # fmt: skip
    P = net.add(M, name="P", initial={"V_m": nu.dist.Uniform("-60 mV", "-50 mV")})
    net.connect(P[:NE], P, nu.conn.FixedProbability(0.02), weight="6 nS", delay="0.1 ms")
    net.connect(P[NE:], P, nu.conn.FixedProbability(0.02), weight="-67 nS", delay="0.1 ms")
    net.connect(nu.sources.Poisson("2.4 kHz"), P, weight="2.1 nS")
    net.record(P, spikes=True)
    return net


def _run(cmd: str, nest_vars: str, cwd: Path) -> float:
    env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
    env.pop("PYTHONPATH", None)
    t = time.perf_counter()
    line = f"source {shlex.quote(nest_vars)} && {cmd}"
    out = subprocess.run(["bash", "-c", line], cwd=cwd, env=env, capture_output=True, text=True)
    if out.returncode:
        sys.exit(f"{cmd} failed ({out.returncode}):\n{out.stdout[-3000:]}\n{out.stderr[-3000:]}")
    return time.perf_counter() - t


def _spikes(path: Path) -> tuple[np.ndarray, np.ndarray]:
    with np.load(path) as z:
        return z["P.spikes.times"], z["P.spikes.indices"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--nest-vars", default="/work/nest-mpi/install/bin/nest_vars.sh")
    ap.add_argument("--nest-python", default="/work/nest-mpi/venv/bin/python")
    ap.add_argument("--duration", default="1 s")
    ap.add_argument("--keep", type=Path, help="folder to keep the script and results in")
    a = ap.parse_args()
    folder = a.keep or Path(tempfile.mkdtemp(prefix="nu_mpi_"))
    folder.mkdir(parents=True, exist_ok=True)
    net = coba()
    script = nu.export.nest(net, folder / "run_coba.py", duration=a.duration)
    py = shlex.quote(a.nest_python)
    results = folder / "run_coba_results.npz"
    runs = {}
    for label, cmd in (
        ("1 process, 2 threads", f"{py} run_coba.py --threads 2"),
        ("2 MPI ranks, 1 thread each", f"mpirun -n 2 {py} run_coba.py && {py} run_coba.py --merge"),
        ("1 process, 1 thread", f"{py} run_coba.py"),
    ):
        for f in folder.glob("run_coba_results*.npz"):
            f.unlink()
        seconds = _run(cmd, a.nest_vars, folder)
        runs[label] = (*_spikes(results), seconds)
        rate = runs[label][0].size / N / nu.Q_(a.duration).to("s").magnitude
        print(f"{label:28s} {runs[label][0].size:7d} spikes, {rate:6.2f} Hz, {seconds:6.1f} s")
    (t2, i2, _), (tm, im, _), (t1, _, _) = runs.values()
    same = t2.size == tm.size and np.array_equal(t2, tm) and np.array_equal(i2, im)
    print(f"2 ranks vs 2 threads: {'IDENTICAL' if same else 'DIFFERENT'} ({tm.size} vs {t2.size} spikes)")
    one = "identical" if np.array_equal(t1, t2) else "different"
    print(f"1 thread vs 2 threads: {one} (other Poisson streams)")
    res = nu.simulate(net, a.duration, threads=2)
    print(f"neurounits (its own Poisson streams): {res['P'].spikes.times.size} spikes, "
          f"{float(res['P'].rates.mean().to('Hz').magnitude):.2f} Hz")  # fmt: skip
    print(f"script and results in {folder} ({script.name})")
    sys.exit(0 if same else 1)


if __name__ == "__main__":
    main()
