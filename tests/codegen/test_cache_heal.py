"""The kernel cache heals (#14): damaged files are discarded and recompiled, an unwritable cache
folder falls back to a temporary one, concurrent processes compiling one model agree.

Each case runs in fresh processes (a process loads a kernel once); three tiny kernels (one model,
three methods) are compiled once in a prime run and damaged in different ways in the next.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = """
import json, os, warnings
import neurounits as nu
M = nu.Model.from_equations("dx/dt = (u - x)/tau : 1", parameters={"tau": "1 ms"}, inputs={"u": "1"},
                            name="Tiny")
out = {"x": [], "warnings": []}
with warnings.catch_warnings(record=True) as ws:
    warnings.simplefilter("always")
    for method in os.environ.get("NU_TEST_METHODS", "euler rk2 rk4").split():
        r = nu.simulate(M(), duration="1 ms", dt="0.1 ms", inputs={"u": 1.0}, method=method)
        out["x"].append(float(r["x"][-1, 0].m))
out["warnings"] = [[w.category.__name__, str(w.message)] for w in ws]
out["cache_dir"] = str(nu.codegen.cache_dir())
print(json.dumps(out))
"""
EXPECTED = [
    1 - 0.9**10,
    None,
    None,
]  # euler's value is a closed form; rk2 and rk4 checked against the prime run


# makes the folder NU_TEST_READ_ONLY read-only for this process, whoever runs it (root included): creating
# or writing a file, or a folder, below it fails with EACCES, as the kernel does for a folder without
# write permission (a read-only mode does not stop root, whose writes chmod cannot block)
READ_ONLY = """
import errno, os
_ro = os.path.realpath(os.environ["NU_TEST_READ_ONLY"])
_open, _mkdir = os.open, os.mkdir
def _below(path):
    return os.path.realpath(os.fspath(path)).startswith(_ro + os.sep)
def _ro_open(path, flags, *args, **kw):
    if flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT) and _below(path):
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), os.fspath(path))
    return _open(path, flags, *args, **kw)
def _ro_mkdir(path, *args, **kw):
    if _below(path):
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), os.fspath(path))
    return _mkdir(path, *args, **kw)
os.open, os.mkdir = _ro_open, _ro_mkdir
"""


def _run(env: dict[str, str], check: bool = True, preamble: str = "") -> dict:
    out = subprocess.run(
        [sys.executable, "-c", preamble + SCRIPT], env=env, capture_output=True, text=True, timeout=300
    )
    if check:
        assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def _env(tmp_path: Path, methods: str = "euler", **extra: str) -> dict[str, str]:
    env = dict(
        os.environ, NEUROUNITS_CACHE_DIR=str(tmp_path / "kernels"), NUMBA_CACHE_DIR=str(tmp_path / "numba")
    )
    env.update(extra, NU_TEST_METHODS=methods)
    return env


def _cache_warnings(out: dict) -> list[str]:
    return [msg for cat, msg in out["warnings"] if cat == "CacheWarning"]


def test_damaged_cache_files_are_discarded_and_recompiled(tmp_path):
    env = _env(tmp_path, "euler rk2 rk4")
    prime = _run(env)
    assert prime["x"][0] == pytest.approx(EXPECTED[0]) and not _cache_warnings(prime)
    kernels = sorted((tmp_path / "kernels").glob("nu_kernel_*.py"))
    assert len(kernels) == 3
    index = {k: sorted((tmp_path / "numba").rglob(f"{k.stem}._body-*.nbi")) for k in kernels}
    data = {k: sorted((tmp_path / "numba").rglob(f"{k.stem}._body-*.nbc")) for k in kernels}
    assert all(len(v) == 1 for v in index.values()) and all(len(v) == 1 for v in data.values())
    a, b, c = kernels
    index[a][0].write_bytes(index[a][0].read_bytes()[:20])  # a truncated index (UnpicklingError)
    data[b][0].write_bytes(b"")  # an empty data file (EOFError)
    c.write_bytes(os.urandom(300))  # a garbled kernel module (UnicodeDecodeError / SyntaxError)
    healed = _run(env)
    assert healed["x"] == prime["x"]
    msgs = _cache_warnings(healed)
    assert len(msgs) == 3, msgs
    assert any("discarded a damaged numba cache entry of _body" in m and "UnpicklingError" in m for m in msgs)
    assert any("discarded a damaged numba cache entry of _body" in m and "EOFError" in m for m in msgs)
    assert any(f"discarded the damaged kernel file {c}" in m for m in msgs)
    again = _run(env)  # cached anew: no warning, same values
    assert again["x"] == prime["x"] and not _cache_warnings(again)
    for f in data[a]:  # a deleted data file is recompiled quietly (numba's own handling)
        f.unlink()
    assert _run(env)["x"] == prime["x"]


@pytest.mark.parametrize("where", ["NEUROUNITS_CACHE_DIR", "HOME"])
def test_unusable_cache_folder_falls_back_to_a_temporary_one(tmp_path, where):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")  # a folder below a file cannot be created, even by root
    if where == "HOME":
        env = _env(tmp_path, HOME=str(blocker))
        for k in ("NEUROUNITS_CACHE_DIR", "XDG_CACHE_HOME", "NUMBA_CACHE_DIR"):
            env.pop(k, None)
    else:
        env = _env(tmp_path, NEUROUNITS_CACHE_DIR=str(blocker / "kernels"))
    out = _run(env)
    assert out["x"][0] == pytest.approx(EXPECTED[0])
    msgs = _cache_warnings(out)
    assert len(msgs) == 1, msgs  # once per process
    assert "cannot use the kernel cache folder" in msgs[0] and "temporary folder" in msgs[0]
    assert "set NEUROUNITS_CACHE_DIR" in msgs[0]


def test_read_only_cache_folder_falls_back(tmp_path):
    folder = tmp_path / "kernels"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        if os.access(folder, os.W_OK):
            pytest.skip(
                "running as root (or with CAP_DAC_OVERRIDE): chmod does not block writes here; "
                "test_read_only_cache_folder_falls_back_also_as_root makes the folder read-only in the child"
            )
        out = _run(_env(tmp_path))
    finally:
        folder.chmod(0o755)
    assert out["x"][0] == pytest.approx(EXPECTED[0])
    msgs = _cache_warnings(out)
    assert len(msgs) == 1 and "PermissionError" in msgs[0] and "NEUROUNITS_CACHE_DIR" in msgs[0], msgs


def test_read_only_cache_folder_falls_back_also_as_root(tmp_path):
    """The read-only folder of the test above, made read-only in the child itself (every write below it
    fails with EACCES), so that the fallback is tested where chmod cannot block writes (CI runs as
    root); the cache folder exists and holds a kernel of the prime run, which is still used."""
    folder = tmp_path / "kernels"
    env = _env(tmp_path)
    prime = _run(env)
    kernels = sorted(folder.glob("nu_kernel_*.py"))
    assert len(kernels) == 1
    env_ro = dict(env, NU_TEST_READ_ONLY=str(folder), NU_TEST_METHODS="euler rk4")
    out = _run(env_ro, preamble=READ_ONLY)
    assert out["x"][0] == prime["x"][0] == pytest.approx(EXPECTED[0])
    rk4 = 1 - 0.1 + 0.1**2 / 2 - 0.1**3 / 6 + 0.1**4 / 24  # one rk4 step of dx/dt = -x, h = 0.1
    assert out["x"][1] == pytest.approx(1 - rk4**10, rel=1e-12)
    msgs = _cache_warnings(out)
    assert len(msgs) == 1, msgs  # once per process, for the new (rk4) kernel
    assert "cannot use the kernel cache folder" in msgs[0] and "PermissionError" in msgs[0]
    assert "Permission denied" in msgs[0] and "NEUROUNITS_CACHE_DIR" in msgs[0]
    assert sorted(folder.glob("nu_kernel_*.py")) == kernels  # nothing written below the read-only folder
    assert not list(folder.glob("*.tmp"))


def test_concurrent_processes_compile_the_same_model(tmp_path):
    env = _env(tmp_path)
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", SCRIPT], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(3)
    ]
    outs = []
    for p in procs:
        stdout, stderr = p.communicate(timeout=300)
        assert p.returncode == 0, stderr[-3000:]
        outs.append(json.loads(stdout.strip().splitlines()[-1]))
    assert outs[0]["x"] == outs[1]["x"] == outs[2]["x"]
    assert outs[0]["x"][0] == pytest.approx(EXPECTED[0])
    assert not any(_cache_warnings(o) for o in outs)
    assert len(list((tmp_path / "kernels").glob("nu_kernel_*.py"))) == 1
    assert not list((tmp_path / "kernels").glob("*.tmp"))
