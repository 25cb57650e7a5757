"""The kernel cache: generated modules, content-hashed, written once (atomically), imported once.

Generated sources go to ``$NEUROUNITS_CACHE_DIR`` or ``~/.cache/neurounits`` as
``nu_kernel_<hash of the source>.py``; being real files, numba's ``cache=True`` reuses their
compiled code across processes.  The source's header names the generator, the runtime helpers'
hash and the numba and llvmlite versions, so the hash (the cache key) changes with any of them.

When numba compiles a kernel (on its first call, unless numba's own cache already holds it), the
time it took is logged at INFO on the ``neurounits`` logger.

The cache heals (each time with a :class:`~neurounits.CacheWarning` that says what happened): a
damaged kernel file is rewritten; a numba cache entry (``.nbi``/``.nbc``) that cannot be read is
deleted and the function compiled and cached again; a cache folder that cannot be written (no
permission, a read-only file system or home) is replaced, for this process, by a temporary folder.
"""

from __future__ import annotations

import contextlib
import glob
import hashlib
import importlib.metadata
import importlib.util
import logging
import os
import sys
import tempfile
import threading
import time
import warnings
from functools import cache
from pathlib import Path
from typing import Any

from .. import diskcache
from ..errors import CacheWarning

__all__ = ["GEN_VERSION", "RUNTIME_HASH", "VECTORIZE_CHECKS", "cache_dir", "load", "loaded", "toolchain"]

GEN_VERSION = "5"
# the modules that the runtime helpers (``runtime`` and what it re-exports) consist of: a change in any of
# them changes the hash, so kernels compiled against the old helpers are not reused
RUNTIME_MODULES = ("runtime.py", "intrinsics.py", "linalg.py", "rng.py", "compiler.py", "sync.py")
RUNTIME_HASH = hashlib.sha256(b"".join(Path(__file__).with_name(m).read_bytes()
                                       for m in RUNTIME_MODULES)).hexdigest()[:12]
# LLVM gives up vectorising a loop that needs more than 128 run-time pointer-overlap checks by
# default; a model's per-neuron loop reads and writes dozens of arrays (measured: the rkf45 trial
# loop of aeif_cond_alpha needs several hundred).  The setting is part of the generated header.
VECTORIZE_CHECKS = 4096
_LLVM_CONFIGURED = False
_LOADED: dict[str, Any] = {}
_LOCK = threading.Lock()
_KERNEL_MODULE = "neurounits_kernels."
_WHAT: dict[str, str] = {}  # kernel module name -> "model 'LIF', method exact"
_FALLBACK: list[Path] = []  # the temporary folder used when the cache folder cannot be written
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
    return diskcache.cache_dir()


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
    """Write ``source`` to ``path`` atomically unless it is already there (a damaged file, one
    with other contents, is replaced, with a warning)."""
    data = source.encode()
    try:
        old = path.read_bytes()
    except FileNotFoundError:
        old = None
    if old == data:
        return
    if old is not None:  # files are written whole (os.replace): another content is damage
        warnings.warn(f"neurounits: discarded the damaged kernel file {path} ({len(old)} bytes, not the "
                      "generated source); it is written again and its kernel compiled again", CacheWarning,
                      stacklevel=4)
    fd, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _fallback(folder: Path, exc: BaseException) -> Path:
    """A temporary folder for this process's kernels, when ``folder`` cannot be used (warned once)."""
    if not _FALLBACK:
        tmp = Path(tempfile.mkdtemp(prefix="neurounits-kernels-"))
        _FALLBACK.append(tmp)
        how = ("set NEUROUNITS_CACHE_DIR to a writable folder" if os.environ.get("NEUROUNITS_CACHE_DIR")
               else "set NEUROUNITS_CACHE_DIR (or XDG_CACHE_HOME) to a writable folder, e.g. "
               "export NEUROUNITS_CACHE_DIR=/tmp/neurounits-cache")
        warnings.warn(f"neurounits: cannot use the kernel cache folder {folder} ({type(exc).__name__}: "
                      f"{exc}); kernels of this process are written to the temporary folder {tmp} instead, "
                      f"and compiled again in every new process. To keep compiled kernels, {how}.",
                      CacheWarning, stacklevel=4)
    return _FALLBACK[0]


def _place(digest: str, source: str) -> Path:
    """The kernel file for ``source``, written (once) to the cache folder, or to the fallback."""
    folder = _FALLBACK[0] if _FALLBACK else cache_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"nu_kernel_{digest}.py"
        _write_once(folder, path, source)
        return path
    except OSError as exc:
        if _FALLBACK and folder == _FALLBACK[0]:
            raise
        folder = _fallback(folder, exc)
        path = folder / f"nu_kernel_{digest}.py"
        _write_once(folder, path, source)
        return path


def _heal(mod: Any) -> None:
    """Make every numba function of ``mod`` survive a damaged cache entry: a load that fails
    (truncated, empty or garbled ``.nbi``/``.nbc`` file) deletes the entry, warns, and compiles
    again; a save that cannot write warns instead of failing the run."""
    from numba.core.dispatcher import Dispatcher

    for fn in list(vars(mod).values()):
        c = getattr(fn, "_cache", None) if isinstance(fn, Dispatcher) else None
        if c is None or not hasattr(c, "_cache_file") or getattr(c, "_nu_heals", False):
            continue
        c.load_overload = _healing_load(c, c.load_overload, fn.py_func.__qualname__, mod.__name__)
        c.save_overload = _healing_save(c.save_overload, c)
        c._nu_heals = True


def _healing_load(c: Any, load: Any, name: str, module: str) -> Any:
    def load_overload(sig: Any, target_context: Any) -> Any:
        try:
            return load(sig, target_context)
        except Exception as exc:  # anything from unpickling a damaged file: drop it, compile again
            cf = c._cache_file
            pattern = os.path.join(glob.escape(cf._cache_path), glob.escape(cf._data_name_pattern).replace(
                "{number:d}", "*"))
            files = [cf._index_path, *glob.glob(pattern)]
            for f in files:
                with contextlib.suppress(OSError):
                    os.unlink(f)
            warnings.warn(f"neurounits: discarded a damaged numba cache entry of {name} in "
                          f"{_WHAT.get(module, module)} ({type(exc).__name__}: {exc}; deleted "
                          f"{', '.join(os.path.basename(f) for f in files)} in {cf._cache_path}); it is "
                          "compiled and cached again", CacheWarning, stacklevel=2)
            return None
    return load_overload


def _healing_save(save: Any, c: Any) -> Any:
    def save_overload(sig: Any, data: Any) -> None:
        try:
            save(sig, data)
        except OSError as exc:
            warnings.warn(f"neurounits: cannot write numba's cache in {c._cache_path} ({type(exc).__name__}: "
                          f"{exc}); the kernel is compiled again in every new process. Set NUMBA_CACHE_DIR "
                          "(or NEUROUNITS_CACHE_DIR) to a writable folder.", CacheWarning, stacklevel=2)
    return save_overload


def _execute(name: str, path: Path) -> Any:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None  # a .py file always has a source loader
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    try:
        spec.loader.exec_module(mod)
    except BaseException:
        sys.modules.pop(name, None)
        raise
    return mod


def load(source: str) -> Any:
    """Write ``source`` to the cache (once) and import it; returns the module."""
    digest = hashlib.sha256(source.encode()).hexdigest()[:24]
    _configure_llvm()
    with _LOCK:
        mod = _LOADED.get(digest)
        if mod is not None:
            return mod
        path = _place(digest, source)
        name = f"{_KERNEL_MODULE}nu_kernel_{digest}"
        _WHAT[name] = source.split("\n", 1)[0].removeprefix("# neurounits kernel for ")
        try:
            mod = _execute(name, path)
        except RuntimeError as exc:  # numba: "cannot cache function ...: no locator available"
            if "no locator" not in str(exc) or (_FALLBACK and path.parent == _FALLBACK[0]):
                raise
            path = _fallback(path.parent, exc) / path.name
            _write_once(path.parent, path, source)
            mod = _execute(name, path)
        _heal(mod)
        if hasattr(mod, "_rt"):  # the runtime helpers' cache entries too, in every module of the runtime
            for part in RUNTIME_MODULES:
                _heal(sys.modules[f"{__package__}.{part.removesuffix('.py')}"])
        _LOADED[digest] = mod
        return mod
