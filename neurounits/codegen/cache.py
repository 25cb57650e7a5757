"""The kernel cache: generated modules, content-hashed, written once (atomically), imported once.

Generated sources go to ``$NEUROUNITS_CACHE_DIR`` or ``~/.cache/neurounits`` as
``nu_kernel_<hash of the source>.py``; being real files, numba's ``cache=True`` reuses their
compiled code across processes.  The source's header names the generator, the runtime helpers'
hash and the numba and llvmlite versions, so the hash (the cache key) changes with any of them.

When numba compiles a kernel (on its first call, unless numba's own cache already holds it), the
time it took is logged at INFO on the ``neurounits`` logger.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import logging
import os
import sys
import tempfile
import threading
import time
from functools import cache
from pathlib import Path
from typing import Any

__all__ = ["GEN_VERSION", "RUNTIME_HASH", "VECTORIZE_CHECKS", "cache_dir", "load", "loaded", "toolchain"]

GEN_VERSION = "5"
RUNTIME_HASH = hashlib.sha256(Path(__file__).with_name("runtime.py").read_bytes()).hexdigest()[:12]
# LLVM gives up vectorising a loop that needs more than 128 run-time pointer-overlap checks by
# default; a model's per-neuron loop reads and writes dozens of arrays (measured: the rkf45 trial
# loop of aeif_cond_alpha needs several hundred).  The setting is part of the generated header.
VECTORIZE_CHECKS = 4096
_LLVM_CONFIGURED = False
_LOADED: dict[str, Any] = {}
_LOCK = threading.Lock()
_KERNEL_MODULE = "neurounits_kernels."
_WHAT: dict[str, str] = {}  # kernel module name -> "model 'LIF', method exact"
log = logging.getLogger("neurounits")


@cache
def toolchain() -> str:
    """The numba and llvmlite versions (from package metadata: numba is not imported here)."""
    return ", ".join(f"{p} {importlib.metadata.version(p)}" for p in ("numba", "llvmlite"))


def loaded() -> list[str]:
    """The content hashes of the kernel modules this process has loaded, sorted."""
    return sorted(_LOADED)


def cache_dir() -> Path:
    """Where generated kernels are written: ``$NEUROUNITS_CACHE_DIR`` or ``~/.cache/neurounits``."""
    env = os.environ.get("NEUROUNITS_CACHE_DIR")
    if env:
        return Path(env).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "neurounits"


def _configure_llvm() -> None:
    """Set the LLVM option once, before the first kernel compiles (not at import time)."""
    global _LLVM_CONFIGURED
    if not _LLVM_CONFIGURED:
        import llvmlite.binding as llvm

        llvm.set_option("", f"-vectorize-memory-check-threshold={VECTORIZE_CHECKS}")
        _watch_compiles()
        _LLVM_CONFIGURED = True


def _watch_compiles() -> None:
    """Log each compilation of a kernel function (numba's ``numba:compile`` event, which numba
    sends only when it compiles, not when it loads from its cache) and the time it took."""
    from numba.core import event

    state = threading.local()

    class CompileLog(event.Listener):
        def on_start(self, ev: Any) -> None:
            state.depth = getattr(state, "depth", 0) + 1
            if state.depth == 1:  # the outermost compilation (it compiles what it calls inside)
                state.t0, state.dispatcher = time.perf_counter(), ev.data["dispatcher"]

        def on_end(self, ev: Any) -> None:
            state.depth -= 1
            if state.depth == 0:
                module = getattr(getattr(state.dispatcher, "py_func", None), "__module__", "") or ""
                if module.startswith(_KERNEL_MODULE):
                    log.info("compiled the kernel of %s (%s, %s) in %.2f s; cached for later runs",
                             _WHAT.get(module, module), state.dispatcher.py_func.__name__,
                             module[len(_KERNEL_MODULE):], time.perf_counter() - state.t0)

    event.register("numba:compile", CompileLog())


def _write_once(folder: Path, path: Path, source: str) -> None:
    """Write ``source`` to ``path`` atomically unless it is already there."""
    if path.exists() and path.read_text() == source:
        return
    fd, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")
    with os.fdopen(fd, "w") as fh:
        fh.write(source)
    os.replace(tmp, path)


def load(source: str) -> Any:
    """Write ``source`` to the cache (once) and import it; returns the module."""
    digest = hashlib.sha256(source.encode()).hexdigest()[:24]
    _configure_llvm()
    with _LOCK:
        mod = _LOADED.get(digest)
        if mod is not None:
            return mod
        folder = cache_dir()
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"nu_kernel_{digest}.py"
        _write_once(folder, path, source)
        name = f"{_KERNEL_MODULE}nu_kernel_{digest}"
        _WHAT[name] = source.split("\n", 1)[0].removeprefix("# neurounits kernel for ")
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec is not None and spec.loader is not None  # a .py file always has a source loader
        mod = importlib.util.module_from_spec(spec)
        sys.modules[name] = mod
        spec.loader.exec_module(mod)
        _LOADED[digest] = mod
        return mod
