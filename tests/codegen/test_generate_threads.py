"""Code generation from several threads at once (a sweep builds networks in threads): generators
run one at a time, since CPython 3.11's AST constructor, which generation uses, is not safe under
concurrent parses ("SystemError: AST constructor recursion depth mismatch")."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import neurounits as nu
from neurounits import codegen
from neurounits.codegen import cache
from neurounits.simulation import make_plan


def test_generators_run_one_at_a_time():
    specs = []
    for model in (nu.models.nest.aeif_cond_alpha(n=2), nu.models.nest.iaf_psc_exp(n=2), nu.models.AdEx(n=2)):
        plan, _, _ = make_plan(model, "0.1 ms")
        specs.append(plan.choice.kernel_spec())
    inside, most = 0, 0
    lock = threading.Lock()
    real = codegen.kernel.emit_block

    def watched(*args, **kwargs):  # called inside generate: counts the generators running at once
        nonlocal inside, most
        with lock:
            inside += 1
            most = max(most, inside)
        try:
            return real(*args, **kwargs)
        finally:
            with lock:
                inside -= 1

    codegen.kernel.emit_block = watched
    try:
        with ThreadPoolExecutor(6) as pool:
            sources = list(pool.map(codegen.generate, specs * 2))
    finally:
        codegen.kernel.emit_block = real
    assert sources[:3] == sources[3:]  # the same source whatever the interleaving
    assert most == 1
    assert isinstance(cache._GENERATING, type(threading.RLock()))
