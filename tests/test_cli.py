"""The neurounits command."""

from __future__ import annotations

import neurounits as nu
from neurounits.cli import main


def test_demo_prints_summary_with_units_and_writes_plot(tmp_path, capsys):
    png = tmp_path / "demo.png"
    assert main(["demo", "--n", "20", "--duration", "50 ms", "--plot", str(png)]) == 0
    out = capsys.readouterr().out
    assert "LIF: 20 neuron(s), 50 ms at dt = 0.1 ms, method exact" in out
    assert "Hz" in out and "mV" in out
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_demo_reports_unit_mistakes(capsys):
    assert main(["demo", "--n", "2", "--tau-m", "10 mV"]) == 2
    assert "parameter 'tau_m': expected a value in ms (time), got 10 mV" in capsys.readouterr().err


def test_models_and_cache(capsys):
    assert main(["models"]) == 0
    out = capsys.readouterr().out
    for name in nu.models.__all__:
        if isinstance(getattr(nu.models, name), type):
            assert f"{name}:" in out
    assert main(["cache"]) == 0
    assert "kernels" in capsys.readouterr().out
