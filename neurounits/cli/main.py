"""The ``neurounits`` command: ``run``, ``check``, ``models``, ``demo`` and ``cache``.

A mistake in the command line (an unknown model, a value in the wrong unit, a missing file, an
output that cannot be written) is one message on stderr and exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from collections.abc import Sequence
from typing import NoReturn

from .. import __version__
from ..codegen import cache_dir
from ..errors import NeurounitsError
from . import check, demo, models, run
from .common import CliError

__all__ = ["main"]

DESCRIPTION = "Unit-safe neuron models: simulate, check and list models from the command line."


class Parser(argparse.ArgumentParser):
    """An ArgumentParser whose usage errors are one line (``neurounits run: error: ...``), status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="neurounits", description=DESCRIPTION)
    parser.add_argument("--version", action="version", version=f"neurounits {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=Parser)
    run.add_parser(sub)
    check.add_parser(sub)
    models.add_parser(sub)
    demo.add_parser(sub)
    cache = sub.add_parser("cache", help="show (or --clear) the kernel cache folder")
    cache.add_argument("--clear", action="store_true", help="delete every cached kernel")
    cache.set_defaults(func=_cache)
    return parser


def _cache(args: argparse.Namespace) -> int:
    folder = cache_dir()
    if args.clear and folder.exists():
        shutil.rmtree(folder)
        print(f"cleared {folder}")
    else:
        count = len(list(folder.glob("nu_kernel_*.py"))) if folder.exists() else 0
        print(f"{folder} ({count} kernels)")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command with ``argv`` (default ``sys.argv[1:]``); returns the exit status."""
    args = build_parser().parse_args(argv)
    try:
        status = args.func(args)
        sys.stdout.flush()  # a closed pipe shows here, inside the try
        return status
    except (CliError, NeurounitsError) as exc:
        print(f"neurounits {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyError as exc:  # e.g. Results[name] of a name not recorded: its message is the reason
        print(f"neurounits {args.command}: error: {exc.args[0] if exc.args else exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # `neurounits models | head`: the reader has what it wanted
        _silence_stdout()
        return 0
    except KeyboardInterrupt:
        print(f"neurounits {args.command}: interrupted", file=sys.stderr)
        return 130


def _silence_stdout() -> None:
    """Point stdout at /dev/null so that Python's flush at exit does not fail again."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # stdout is not a real file (captured in tests)
        pass
    finally:
        os.close(devnull)
