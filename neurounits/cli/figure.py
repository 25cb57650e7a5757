"""A small figure of a run for ``--plot``: recorded traces and the spike raster, axes with units.

Used while :class:`~neurounits.Results` has no ``plot`` method of its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..units import fmt_unit
from .common import CliError

__all__ = ["save_figure"]

MAX_TRACES = 4  # neurons drawn per recorded variable


def save_figure(res: Any, path: str, labels: Sequence[str] | None = None) -> None:
    """Write a PNG (or any format matplotlib knows from the suffix) of ``res`` to ``path``;
    ``labels`` name the neurons drawn (by default their indices)."""
    plot = getattr(res, "plot", None)
    if plot is not None and labels is None:
        drawn = plot()
        figure = drawn if hasattr(drawn, "savefig") else np.ravel(drawn)[0].figure
        _save(figure, path)
        return
    plt = _pyplot()
    names = list(res.traces) if hasattr(res, "traces") else []
    fig, axes = plt.subplots(
        len(names) + 1, 1, figsize=(8, 2.2 * (len(names) + 1)), sharex=True, squeeze=False
    )
    t = res.t.to("ms").magnitude
    picks = np.linspace(0, res.n - 1, min(res.n, MAX_TRACES)).astype(int)
    for ax, name in zip(axes[:-1, 0], names):
        trace = res[name]
        for i in picks:
            label = labels[i] if labels is not None else f"neuron {i}"
            ax.plot(t, trace[:, i].magnitude, lw=0.8, label=label)
        ax.set_ylabel(f"{name} ({fmt_unit(trace.units)})")
    if names:
        axes[0, 0].legend(loc="upper right", fontsize=8)
    raster = axes[-1, 0]
    raster.plot(res.spikes.times.to("ms").magnitude, res.spikes.indices, "|k", ms=3)
    raster.set_ylabel("neuron")
    raster.set_xlabel("t (ms)")
    raster.set_xlim(0, float(res.duration.to("ms").magnitude))
    fig.suptitle(f"{res.model}: {res.n} neurons, method {res.method}")
    fig.tight_layout()
    _save(fig, path)


def _pyplot() -> Any:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:  # pragma: no cover - depends on the installation
        raise CliError("--plot needs matplotlib: pip install 'neurounits[plot]'") from None
    return plt


def _save(fig: Any, path: str) -> None:
    plt = _pyplot()
    try:
        fig.savefig(path, dpi=120)
    except (OSError, ValueError) as exc:  # unwritable path, unknown format
        raise CliError(f"--plot: cannot write {path}: {exc}") from None
    finally:
        plt.close(fig)
