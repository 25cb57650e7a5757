"""The neurounits command: in-process through ``main`` (fast), and a few real processes for what
only a process shows (exit statuses, no traceback, a closed pipe, ``python -m neurounits``)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import neurounits as nu
from neurounits.cli import main

ROOT = Path(__file__).resolve().parents[1]
PNG = b"\x89PNG\r\n\x1a\n"

GOOD = """\
import neurounits as nu


class Leak(nu.Model):
    tau = nu.Parameter("10 ms")
    V = nu.State("mV", initial="0 mV")
    I = nu.Input("mV/ms")
    equations = "dV/dt = -V/tau + I"
"""

BAD = '''\
import neurounits as nu


class Broken(nu.Model):
    tau = nu.Parameter("10 ms")
    E = nu.Parameter("-70 mV")
    V = nu.State("mV", initial="E")
    w = nu.State("pA", initial="0 pA")
    equations = """
        dV/dt = (E - V) * tau
        dw/dt = -w/tau
    """
    threshold = "V > 3 ms"


class Fine(nu.Model):
    tau = nu.Parameter("10 ms")
    V = nu.State("mV", initial="0 mV")
    equations = "dV/dt = -V/tau"


class Typo(Fine):
    equations = "dV/dt = -V/taux"
'''


def run_main(capsys, *argv: str) -> tuple[int, str, str]:
    """``main(argv)``'s exit status (argparse's SystemExit included), stdout and stderr."""
    try:
        status = main(list(argv))
    except SystemExit as exc:
        status = exc.code if isinstance(exc.code, int) else 1
    out, err = capsys.readouterr()
    return status, out, err


def cli(*argv: str, stdin_pipe: bool = False) -> subprocess.CompletedProcess:
    """``python -m neurounits ARGV`` in a new process, with this repository first on the path."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    return subprocess.run(
        [sys.executable, "-m", "neurounits", *argv],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
    )


# --------------------------------------------------------------------------- demo, cache
def test_demo_prints_summary_with_units_and_writes_plot(tmp_path, capsys):
    png = tmp_path / "demo.png"
    status, out, _ = run_main(capsys, "demo", "--n", "20", "--duration", "50 ms", "--plot", str(png))
    assert status == 0
    assert "LIF: 20 neuron(s), 50 ms at dt = 0.1 ms, method exact" in out
    assert "Hz" in out and "mV" in out
    assert png.read_bytes()[:8] == PNG


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["--n", "2", "--tau-m", "10 mV"],
            "neurounits demo: error: invalid values for model 'LIF': model 'LIF', parameter 'tau_m': "
            "expected a value in ms (time), got 10 mV (voltage). Hint: did you mean ms?\n",
        ),
        (
            ["--n", "-5"],
            "neurounits demo: error: argument --n: expected a number >= 1, got -5 "
            "(see 'neurounits demo --help')\n",
        ),
        (
            ["--n", "x"],
            "neurounits demo: error: argument --n: expected a whole number, got 'x' "
            "(see 'neurounits demo --help')\n",
        ),
        (
            ["--current-min", "1 mV"],
            "neurounits demo: error: --current-min: expected a value in nA, got '1 mV' "
            "(mV); express it in nA or a compatible unit\n",
        ),
        (
            ["--current-max", "lots"],
            "neurounits demo: error: --current-max: cannot read 'lots' as a quantity",
        ),
        (
            ["--plot", "/no/such/folder/x.png"],
            "neurounits demo: error: --plot: cannot write /no/such/folder/x.png: the folder /no/such/folder "
            "does not exist\n",
        ),
    ],
)
def test_demo_mistakes_are_one_line_with_status_2(capsys, argv, message):
    status, out, err = run_main(capsys, "demo", *argv)
    assert status == 2 and out == ""
    assert err.startswith(message) and err.count("\n") == 1


def test_cache_shows_the_folder(capsys):
    status, out, _ = run_main(capsys, "cache")
    assert status == 0 and out.startswith(str(nu.codegen.cache_dir())) and out.endswith("kernels)\n")


# --------------------------------------------------------------------------- models
def test_models_lists_every_model_with_parameters_units_and_defaults(capsys):
    status, out, _ = run_main(capsys, "models")
    assert status == 0
    for name in nu.models.__all__:
        if isinstance(getattr(nu.models, name), type):
            assert f"\n{name}: " in f"\n{out}"
    for name in nu.models.nest.__all__:
        assert f"\nnest.{name}: " in f"\n{out}"
    assert "\n    tau_m        ms         10 ms        membrane time constant\n" in out
    assert "\n    C_m          pF         250 pF       membrane capacitance\n" in out  # nest.iaf_psc_exp


def test_models_name_shows_one_model(capsys):
    status, out, _ = run_main(capsys, "models", "nest.iaf_psc_exp")
    assert status == 0
    assert out.startswith("nest.iaf_psc_exp: NEST's iaf_psc_exp")
    assert "states: V_m [mV], I_syn_ex [pA], I_syn_in [pA]\n" in out
    assert "inputs: I [pA], I_1 [pA]\n" in out and "  E_L          mV         -70 mV" in out
    status, _, err = run_main(capsys, "models", "nest.iaf_psc_expp")
    assert status == 2
    assert err == (
        "neurounits models: error: unknown model 'nest.iaf_psc_expp'. Did you mean "
        "'nest.iaf_psc_exp'? 'neurounits models' lists the library models; a model of your own "
        "is FILE.py:CLASS\n"
    )


# --------------------------------------------------------------------------- run
def test_run_library_model_with_values_inputs_and_record(tmp_path, capsys):
    png = tmp_path / "run.png"
    status, out, err = run_main(
        capsys,
        "run",
        "LIF",
        "--set",
        "tau_m=12ms",
        "--set",
        "V_th=-52 mV",
        "--input",
        "I=0.3nA",
        "--duration",
        "50ms",
        "--n",
        "3",
        "--record",
        "V",
        "--plot",
        str(png),
    )
    assert status == 0, err
    lines = out.splitlines()
    assert lines[0] == (
        "LIF(n=3, tau_m=12 ms, V_rest=-65 mV, V_reset=-65 mV, V_th=-52 mV, R=100 MOhm, t_ref=2 ms)"
    )
    assert lines[1].startswith("LIF: 3 neuron(s), 50 ms at dt = 0.1 ms, method exact")
    ref = nu.simulate(nu.models.LIF(n=3, tau_m="12 ms", V_th="-52 mV"), "50 ms", inputs={"I": "0.3 nA"})
    assert f"spikes: {len(ref.spikes.times)} in total" in lines[2]
    assert lines[3].startswith("V: 501 samples")
    assert lines[-1] == f"wrote {png}" and png.read_bytes()[:8] == PNG


def test_run_model_from_file_and_nest_name(tmp_path, capsys):
    (tmp_path / "mymodels.py").write_text(GOOD)
    status, out, err = run_main(
        capsys,
        "run",
        f"{tmp_path / 'mymodels.py'}:Leak",
        "--input",
        "I=1 mV/ms",
        "--duration",
        "20 ms",
        "--record",
        "none",
    )
    assert status == 0, err
    assert out.startswith("Leak(n=1, tau=10 ms)\nLeak: 1 neuron(s), 20 ms at dt = 0.1 ms")
    status, out, err = run_main(capsys, "run", "iaf_psc_exp", "--duration", "5 ms", "--record", "V_m")
    assert status == 0, err
    assert "iaf_psc_exp: 1 neuron(s), 5 ms" in out and "\nV_m: 51 samples" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["LIFF"],
            "unknown model 'LIFF'. Did you mean 'LIF'? 'neurounits models' lists the library models; "
            "a model of your own is FILE.py:CLASS",
        ),
        (
            ["LIF", "--set", "tau_m=12 mV"],
            "invalid values for model 'LIF': model 'LIF', parameter 'tau_m': "
            "expected a value in ms (time), got 12 mV (voltage). Hint: did you mean ms?",
        ),
        (["LIF", "--set", "tau_m"], "--set: expected NAME=VALUE (e.g. --set tau_m=12ms), got 'tau_m'"),
        (["LIF", "--duration", "1 mV"], "--duration: expected a value in ms, got '1 mV' (mV); "),
        (
            ["LIF", "--input", "I=2 mV", "--duration", "1 ms"],
            "cannot simulate model 'LIF': model 'LIF', input 'I': expected a value in pA (current), got 2 mV",
        ),
        (["LIF", "--record", "W", "--duration", "1 ms"], "cannot simulate model 'LIF': "),
        (["missing.py:Model"], "missing.py does not exist"),
        (["tests:Model"], "tests is a folder, not a file"),
        (
            ["LIF", "--plot", "/no/such/folder/x.png"],
            "--plot: cannot write /no/such/folder/x.png: the folder /no/such/folder does not exist",
        ),
    ],
)
def test_run_mistakes_are_one_line_with_status_2(capsys, argv, message):
    status, out, err = run_main(capsys, "run", *argv)
    assert status == 2 and out == ""
    assert err.startswith(f"neurounits run: error: {message}") and err.count("\n") == 1, err


def test_run_file_without_the_class(tmp_path, capsys):
    (tmp_path / "m.py").write_text(GOOD)
    status, _, err = run_main(capsys, "run", f"{tmp_path / 'm.py'}:Leek")
    assert status == 2
    assert (
        err == f"neurounits run: error: {tmp_path / 'm.py'} has no model class 'Leek'. Did you mean 'Leak'?\n"
    )


def test_run_save_writes_results_that_load_back(tmp_path, capsys):
    out_nc = tmp_path / "out.nc"
    status, out, err = run_main(capsys, "run", "LIF", "--n", "3", "--duration", "20ms", "--input", "I=0.3nA",
                                "--save", str(out_nc))
    assert status == 0, err
    assert f"wrote {out_nc}" in out
    res = nu.load(out_nc)
    assert res.model == "LIF" and res.n == 3
    assert res["V"].units == nu.ureg.mV and res["V"].shape == (201, 3)
    assert res.spikes.indices.size > 0


# --------------------------------------------------------------------------- check
def test_check_reports_every_problem_of_every_model_with_its_line(tmp_path, capsys):
    good, bad = tmp_path / "good.py", tmp_path / "bad.py"
    good.write_text(GOOD)
    bad.write_text(BAD)
    status, out, err = run_main(capsys, "check", str(good), str(bad))
    assert status == 1
    lines = [ln for ln in out.splitlines() if not ln.startswith("    ")]  # hints are indented
    assert lines == [
        f"{good}: OK (1 model declared, checked)",
        f"{bad}:10: model 'Broken', equation for 'V': expected the right-hand side in mV/ms (voltage/time), "
        "got ms mV (time*voltage) from term  E",
        f"{bad}:10: model 'Broken', equation for 'V': expected the right-hand side in mV/ms (voltage/time), "
        "got ms mV (time*voltage) from term  V",
        f"{bad}:13: model 'Broken', threshold: cannot compare V (mV, voltage) with 3*ms (ms, time)",
        f"{bad}:23: model 'Typo', equation for 'V': unknown name 'taux': it is not a parameter, state, "
        "input, named expression, function or unit of this model. Did you mean 'tau'?",
    ]
    assert err == "1 of 2 file(s) with problems\n"
    status, out, _ = run_main(capsys, "check", str(good))
    assert status == 0 and out == f"{good}: OK (1 model declared, checked)\n"


def test_check_reports_syntax_errors_and_errors_while_executing(tmp_path, capsys):
    (tmp_path / "syntax.py").write_text("import neurounits as nu\nx = (\n")
    (tmp_path / "crash.py").write_text("import neurounits as nu\n\nnu.models.LIF(tau_m='1 mV')\n")
    status, out, _ = run_main(capsys, "check", str(tmp_path / "syntax.py"), str(tmp_path / "crash.py"))
    assert status == 1
    assert out.startswith(f"{tmp_path / 'syntax.py'}:2: syntax error: ")
    assert (
        f"\n{tmp_path / 'crash.py'}:3: error while executing the file: DimensionError: invalid values "
        "for model 'LIF'" in out
    )
    status, _, err = run_main(capsys, "check", str(tmp_path / "nothing.py"))
    assert status == 2 and err == f"neurounits check: error: {tmp_path / 'nothing.py'}: no such file\n"


def test_pre_commit_hook_definition():
    text = (ROOT / ".pre-commit-hooks.yaml").read_text()
    for line in (
        "- id: neurounits-check",
        "  entry: neurounits check",
        "  language: python",
        "  files: \\.py$",
    ):
        assert f"\n{line}\n" in text


# --------------------------------------------------------------------------- real processes
def test_process_mistake_is_one_line_on_stderr_with_status_2():
    p = cli("run", "LIFF")
    assert p.returncode == 2 and p.stdout == ""
    assert p.stderr == (
        "neurounits run: error: unknown model 'LIFF'. Did you mean 'LIF'? 'neurounits "
        "models' lists the library models; a model of your own is FILE.py:CLASS\n"
    )


def test_process_check_exits_1_on_problems(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text(BAD)
    p = cli("check", str(bad))
    assert p.returncode == 1 and "Traceback" not in p.stderr
    assert f"{bad}:13: model 'Broken', threshold: cannot compare V" in p.stdout


def test_process_models_into_a_closed_pipe_has_no_traceback():
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    script = textwrap.dedent(f"""
        {sys.executable!r} -m neurounits models | head -n 2
        echo "status=${{PIPESTATUS[0]}}"
    """)
    p = subprocess.run(["bash", "-c", script], capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)
    lines = p.stdout.splitlines()
    assert lines[0] == "LIF: Leaky integrate-and-fire neuron with refractory period."
    assert lines[-1] == "status=0" and p.stderr == ""


def test_process_version():
    p = cli("--version")
    assert p.returncode == 0 and p.stdout == f"neurounits {nu.__version__}\n"


def test_usage_errors_are_one_line(capsys):
    status, out, err = run_main(capsys, "frobnicate")
    assert status == 2 and out == ""
    assert err.startswith("neurounits: error: argument COMMAND: invalid choice: 'frobnicate'")
    assert err.count("\n") == 1
    status, _, err = run_main(capsys, "run")
    assert status == 2
    assert err == ("neurounits run: error: the following arguments are required: MODEL "
                   "(see 'neurounits run --help')\n")
