"""pint manners: the user's application registry is kept, Quantities of other registries are
converted by dimension and magnitude, resistances print as pint names them."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pint

import neurounits as nu
from neurounits.units import as_quantity

ROOT = Path(__file__).resolve().parents[1]


def test_resistance_prints_as_megaohm_and_parses_as_written():
    assert str(nu.Q_(100, "MOhm")) == "100 megaohm"
    assert str(nu.models.LIF().parameters["R"].units) == "megaohm"
    assert nu.Q_(1, "GOhm").to("Mohm").magnitude == 1000
    assert nu.Q_(1, "kOhm") == nu.Q_(1000, "ohm")


def test_quantities_of_another_registry_convert_by_dimension():
    other = pint.UnitRegistry()
    other.formatter.default_format = "~L"  # its printed units are LaTeX
    other.define("millivoltish = 1e-3 * volt")
    q = as_quantity(other.Quantity([1.5, 2.0], "millivoltish"))
    assert isinstance(q, nu.ureg.Quantity) and q.units == nu.ureg.mV
    assert list(q.magnitude) == [1.5, 2.0]
    same = as_quantity(other.Quantity(0.25, "nA"))  # a unit defined alike: kept, no rounding
    assert same.units == nu.ureg.nA and same.magnitude == 0.25
    assert as_quantity(other.Unit("ms")) == nu.Q_(1, "ms")
    lif = nu.models.LIF(tau_m=other.Quantity(0.012, "s"), V_th=other.Quantity(-50, "millivoltish"))
    assert lif.parameters["tau_m"] == nu.Q_(12, "ms") and lif.parameters["V_th"] == nu.Q_(-50, "mV")


def test_application_registry_is_taken_only_when_untouched():
    # this process imported neurounits before anything used pint's default registry: it took its place
    assert pint.get_application_registry().get() is nu.ureg
    script = textwrap.dedent("""
        import pint
        mine = pint.UnitRegistry()
        mine.formatter.default_format = "L"
        pint.set_application_registry(mine)
        import neurounits as nu
        assert pint.get_application_registry().get() is mine, "replaced the user's registry"
        lif = nu.models.LIF(tau_m=mine.Quantity(12, "ms"), R=mine.Quantity(0.1, "gigaohm"))
        res = nu.simulate(lif, mine.Quantity(2, "ms"), mine.Quantity(0.1, "ms"),
                          inputs={"I": mine.Quantity(0.3, "nA")})
        print(lif.parameters["tau_m"], round(lif.parameters["R"].magnitude, 9), res.duration)
    """)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    p = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120)
    assert p.returncode == 0, p.stderr
    assert p.stdout == "12.0 millisecond 100.0 2.0 millisecond\n"
