"""Sweep the Izhikevich model's a and d on a grid and plot the firing rate as a heat map.

    python examples/sweep_izhikevich.py [rates.png]

All 80 parameter sets run as populations with per-neuron parameters (one kernel call per chunk,
chunks on all cores); the table keeps each column's unit in ``table.attrs["units"]``.
"""

import sys

import numpy as np

import neurounits as nu
from neurounits import Q_

if __name__ == "__main__":  # the guard lets backend="processes" spawn workers from this script
    sw = nu.sweep(
        nu.models.Izhikevich,
        grid={"a": Q_(np.linspace(0.02, 0.1, 10), "1/ms"), "d": Q_(np.linspace(2, 8, 8), "mV/ms")},
        duration="1 s", dt="0.1 ms", inputs={"I": "10 mV/ms"},
        measure=("spike_count", "rate", "first_spike_time"),
    )
    table = sw.table
    units = table.attrs["units"]
    print(sw)
    print(table.head().to_string())
    print("units:", units)
    rates = table.pivot(index="d", columns="a", values="rate")
    best = table.loc[table["rate"].idxmax()]
    print(f"highest rate {best['rate']:.0f} {units['rate']} at a = {best['a']:.3g} {units['a']}, "
          f"d = {best['d']:.3g} {units['d']}")
    assert not sw.failed and len(table) == 80

    if len(sys.argv) > 1:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(6, 4.5))
        mesh = ax.pcolormesh(rates.columns, rates.index, rates.to_numpy(), shading="nearest")
        fig.colorbar(mesh, label=f"rate ({units['rate']})")
        ax.set_xlabel(f"a ({units['a']})")
        ax.set_ylabel(f"d ({units['d']})")
        ax.set_title("Izhikevich, I = 10 mV/ms")
        fig.savefig(sys.argv[1], dpi=100)
        print("wrote", sys.argv[1])
