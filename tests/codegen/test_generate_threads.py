"""Code generation from several threads at once (a sweep builds networks in threads): every parse
of Python text goes through one lock (neurounits.pyparse), since CPython 3.11's AST constructor is
not safe under concurrent parses ("SystemError: AST constructor recursion depth mismatch")."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import neurounits as nu
from neurounits import codegen
from neurounits.simulation import make_plan


def test_generators_in_threads_give_the_sources_of_one_thread():
    specs = []
    for model in (nu.models.nest.aeif_cond_alpha(n=2), nu.models.nest.iaf_psc_exp(n=2), nu.models.AdEx(n=2)):
        plan, _, _ = make_plan(model, "0.1 ms")
        specs.append(plan.choice.kernel_spec())
    alone = [codegen.generate(ks) for ks in specs]
    with ThreadPoolExecutor(6) as pool:
        sources = list(pool.map(codegen.generate, specs * 2))
    assert sources == alone * 2  # the same source whatever the interleaving


def test_every_parse_of_python_text_is_one_at_a_time(monkeypatch):
    """Equations parsed in one thread while kernels are generated in others: neurounits' parses of
    Python text (equations, generated code, inlined functions) go through one lock."""
    import ast

    from neurounits import pyparse

    inside, most = 0, 0
    lock = threading.Lock()
    real = ast.parse

    def watched(*args, **kwargs):  # sleeps (releasing the GIL) so that unlocked parses would overlap
        nonlocal inside, most
        with lock:
            inside += 1
            most = max(most, inside)
        try:
            time.sleep(0.001)
            return real(*args, **kwargs)
        finally:
            with lock:
                inside -= 1

    monkeypatch.setattr(pyparse.ast, "parse", watched)
    plan, _, _ = make_plan(nu.models.nest.aeif_cond_alpha(n=2), "0.1 ms")
    spec = plan.choice.kernel_spec()

    def declare(k):
        M = nu.Model.from_equations(
            f"dV/dt = (E_L - V)/tau + {k}*mV/ms*exp((V - E_L)/(2*mV))*0 : mV",
            parameters={"E_L": "-70 mV", "tau": "10 ms"}, name=f"Declared{k}")
        return M(n=1).spec.name

    with ThreadPoolExecutor(6) as pool:
        jobs = [pool.submit(codegen.generate, spec) for _ in range(3)]
        jobs += [pool.submit(declare, k) for k in range(12)]
        results = [j.result() for j in jobs]
    assert results[0] == results[1] == results[2] and results[3] == "Declared0"
    assert most == 1
