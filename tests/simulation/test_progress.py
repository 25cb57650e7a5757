"""Progress bars of long runs, and the log line of a kernel's first compilation."""

from __future__ import annotations

import io
import logging
import uuid

import numpy as np
import pytest
from conftest import FakeBar

import neurounits as nu
from neurounits.simulation import progress


def test_who_shows_a_bar(monkeypatch):
    long_run = progress.LONG_RUN
    assert progress.wants_progress(True, 1, 1) and not progress.wants_progress(False, 10**6, 10**6)
    monkeypatch.setattr(progress.sys, "stderr", io.StringIO())  # not a terminal
    assert not progress.wants_progress(None, long_run, 1)
    tty = io.StringIO()
    tty.isatty = lambda: True  # type: ignore[method-assign]
    monkeypatch.setattr(progress.sys, "stderr", tty)
    assert progress.wants_progress(None, long_run, 1) and not progress.wants_progress(None, long_run - 1, 1)
    assert progress.chunks(1001, 100) == [11] + [10] * 99 and progress.chunks(0) == []


def test_a_run_with_a_bar_gives_the_bits_of_one_without(monkeypatch):
    FakeBar.made.clear()
    monkeypatch.setattr("neurounits.simulation.progress.make_bar", FakeBar)
    lif = nu.models.LIF(n=3, tau_m=nu.Q_([8.0, 10.0, 12.0], "ms"))
    kw = dict(inputs={"I": "0.35 nA"}, record_every=3)
    plain = nu.simulate(lif, "101.3 ms", **kw)
    shown = nu.simulate(lif, "101.3 ms", progress=True, **kw)
    (bar,) = FakeBar.made
    assert bar.total == 1013 and sum(bar.updates) == 1013 and len(bar.updates) == 100 and bar.closed
    assert bar.desc == "simulate LIF"
    np.testing.assert_array_equal(plain["V"].magnitude, shown["V"].magnitude)
    np.testing.assert_array_equal(plain.spikes.times.magnitude, shown.spikes.times.magnitude)
    np.testing.assert_array_equal(plain.t.magnitude, shown.t.magnitude)
    assert shown.duration == plain.duration
    sim = nu.Simulation(lif, inputs={"I": "0.35 nA"})
    sim.run("20 ms", progress=False)  # no bar: not chunked
    assert len(FakeBar.made) == 1


def test_text_bar_without_tqdm(capsys):
    bar = progress.TextBar(200, "simulate LIF")
    bar.update(50)
    bar.update(150)
    bar.close()
    err = capsys.readouterr().err
    assert "\rsimulate LIF   0% [" in err and "\rsimulate LIF  25% [########" in err
    assert "\rsimulate LIF 100% [" + "#" * 30 + "]" in err and err.endswith("\r")


def test_first_compilation_is_logged_with_its_time(caplog):
    tag = uuid.uuid4().int % 997 + 2  # a structure no earlier run compiled (numba's cache would load it)

    class Fresh(nu.Model):
        tau = nu.Parameter("10 ms")
        V = nu.State("mV", initial="1 mV")
        equations = f"dV/dt = -V/tau/{tag}"

    with caplog.at_level(logging.INFO, logger="neurounits"):
        nu.simulate(Fresh(), "1 ms", method="euler")
    compiled = [r.getMessage() for r in caplog.records if r.getMessage().startswith("compiled the kernel")]
    assert any(
        m.startswith("compiled the kernel of model 'Fresh', method euler (_body, nu_kernel_")
        and m.endswith(" s; cached for later runs")
        for m in compiled
    ), compiled
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="neurounits"):
        nu.simulate(Fresh(), "1 ms", method="euler")
    assert not [r for r in caplog.records if r.getMessage().startswith("compiled")]


@pytest.mark.parametrize("progress_arg", [None, False])
def test_default_and_false_never_chunk_in_tests(monkeypatch, progress_arg):
    FakeBar.made.clear()
    monkeypatch.setattr("neurounits.simulation.progress.make_bar", FakeBar)
    monkeypatch.setattr(progress, "LONG_RUN", 1)  # every run is long, but stderr is not a terminal
    nu.simulate(nu.models.LIF(), "5 ms", progress=progress_arg)
    assert FakeBar.made == []
