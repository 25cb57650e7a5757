"""Save a run and a sweep with their units, load them back identical, and plot them.

    python examples/save_and_plot.py [plot.png]

Needs ``pip install 'neurounits[io,plot]'`` (xarray, h5netcdf, pandas, matplotlib).
"""

import sys
import tempfile
from pathlib import Path

import numpy as np

import neurounits as nu
from neurounits import Q_

folder = Path(tempfile.mkdtemp())

# a run: ten LIF neurons with different membrane time constants
lif = nu.models.LIF(n=10, tau_m=Q_(np.linspace(10.0, 20.0, 10), "ms"))
res = nu.simulate(lif, "100 ms", "0.1 ms", inputs={"I": "0.3 nA"}, record=("V",), seed=1)
path = res.save(folder / "run.nc")
again = nu.load(path)
assert np.array_equal(again["V"].magnitude, res["V"].magnitude) and again["V"].units == res["V"].units
assert np.array_equal(again.spikes.indices, res.spikes.indices)
print(f"saved and loaded {path.name}: {again}")
tau = again.parameters["tau_m"]
print(f"  parameters: tau_m from {tau[0]:~} to {tau[-1]:~}; dt = {again.dt:~}, seed = {again.seed}")

ds = res.to_xarray()
print(f"  as xarray: dims {dict(ds.sizes)}, V in {ds['V'].attrs['units']}")
mean_v = float(ds["V"].sel(neuron=9).mean())
print(f"  mean V of neuron 9 over the run: {mean_v:.3f} {ds['V'].attrs['units']}")

# a sweep: the f-I curve, grid values kept exactly as given (0.2 nA stays 0.2 nA)
fi = nu.fi_curve(nu.models.LIF, Q_(np.round(np.linspace(0.1, 0.6, 11), 2), "nA"), duration="500 ms")
fi_path = fi.save(folder / "fi.nc")
fi_again = nu.load(fi_path)
assert np.array_equal(fi_again["rate"].magnitude, fi["rate"].magnitude)
rate = float(fi.to_xarray().sel(I=0.2)["rate"])
print(f"saved and loaded {fi_path.name}: {fi_again}; rate at 0.2 nA: {rate:g} Hz")

if len(sys.argv) > 1:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(3, 1, figsize=(6.4, 8.0))
    nu.plot.traces(again, "V", neurons=[0, 9], ax=axes[0])
    nu.plot.raster(again, ax=axes[1])
    nu.plot.fi_curve(fi_again, ax=axes[2])
    fig.tight_layout()
    fig.savefig(sys.argv[1], dpi=100)
    print("wrote", sys.argv[1])
