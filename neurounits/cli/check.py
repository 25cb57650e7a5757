"""``neurounits check FILE.py...``: dimension-check every model declared in each file.

Each file is executed (not as ``__main__``, so a script's main block does not run) while the
creation of :class:`~neurounits.Model` subclasses is intercepted: a model whose declaration is
wrong is recorded with every problem it has and the file goes on executing, so every problem of
every model of every file is reported, each as ``file:line: model 'X', equation for 'V': ...``.
Exit status 0 when every file is clean, 1 when anything is wrong.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import sys
import traceback
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ..equations import Model
from ..errors import NeurounitsError
from .common import RUN_NAME, CliError, load_file

__all__ = ["FileReport", "add_parser", "check_file"]


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "check",
        help="dimension-check every model declared in Python files",
        description="Execute each FILE and dimension-check every nu.Model subclass it "
        "declares; print each problem as FILE:LINE: ... and exit 1 if there is "
        "any, 0 if every file is clean.",
    )
    p.add_argument("files", nargs="+", metavar="FILE.py", help="Python files that declare models")
    p.set_defaults(func=run_check)


@dataclass
class FileReport:
    """What checking one file found: the models declared, and each problem as a printed line."""

    path: str
    models: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def run_check(args: argparse.Namespace) -> int:
    for path in args.files:  # a missing file is a mistake in the command, not in the file
        if not Path(path).is_file():
            raise CliError(
                f"{path}: " + ("is a folder, not a file" if Path(path).is_dir() else "no such file")
            )
    bad = 0
    for path in args.files:
        report = check_file(path)
        for line in report.problems:
            print(line)
        if report.problems:
            bad += 1
        else:
            n = len(report.models)
            print(
                f"{path}: OK ({n} model{'s' if n != 1 else ''} declared, checked)"
                if n
                else f"{path}: OK (no model declared)"
            )
    if bad:
        print(f"{bad} of {len(args.files)} file(s) with problems", file=sys.stderr)
    return 1 if bad else 0


def check_file(path: str) -> FileReport:
    """Execute ``path`` and check every model it declares."""
    report = FileReport(path)
    source = Path(path).read_text(errors="replace").splitlines()
    with _intercept(path, source, report):
        try:
            load_file(path)
        except SyntaxError as exc:
            report.problems.append(f"{path}:{exc.lineno or 0}: syntax error: {exc.msg}")
        except (Exception, SystemExit) as exc:
            line = _line_in(path, exc.__traceback__)
            first = (str(exc).splitlines() or [""])[0]
            if isinstance(exc, NeurounitsError) and any(
                p in "\n".join(report.problems) for p in exc.problems
            ):
                return report  # the use of a model already reported as wrong
            report.problems.append(
                f"{path}:{line}: error while executing the file: {type(exc).__name__}: {first}"
            )
    return report


@contextlib.contextmanager
def _intercept(path: str, source: list[str], report: FileReport) -> Iterator[None]:
    """While active, a Model subclass whose declaration fails is recorded in ``report``."""
    original = Model.__dict__["__init_subclass__"]
    target = os.path.realpath(path)

    def checking(cls: type, **kwargs: object) -> None:
        if cls.__module__ == RUN_NAME:  # declared in the file (not a library model it uses)
            report.models.append(cls.__name__)
        try:
            original.__func__(cls, **kwargs)
        except NeurounitsError as exc:
            line = _caller_line(target)
            for problem in exc.problems or (exc.msg,):
                report.problems.append(_format(path, cls.__name__, problem, _line_of(problem, source, line)))

    Model.__init_subclass__ = classmethod(checking)  # type: ignore[assignment,method-assign]
    try:
        yield
    finally:
        Model.__init_subclass__ = original  # type: ignore[method-assign]


def _caller_line(target: str) -> int:
    """The line of the checked file executing now (a class statement, or the import that led to it)."""
    frame = sys._getframe(1)
    while frame is not None:
        if os.path.realpath(frame.f_code.co_filename) == target:
            return frame.f_lineno
        frame = frame.f_back  # type: ignore[assignment]
    return 0


def _line_in(path: str, tb: object) -> int:
    target = os.path.realpath(path)
    lines = [f.lineno for f in traceback.extract_tb(tb) if os.path.realpath(f.filename) == target]  # type: ignore[arg-type]
    return (lines[-1] or 0) if lines else 0


_WHAT = re.compile(
    r"^model '[^']*', (equation for '(?P<eq>\w+)'|(?P<kw>threshold|reset|refractory|constraint)"
    r"|parameter '(?P<par>\w+)'|state '(?P<st>\w+)')"
)


def _line_of(problem: str, source: list[str], class_line: int) -> int:
    """The line of the class body that ``problem`` is about (its equation, threshold, ...), or the
    class statement's line."""
    m = _WHAT.match(problem)
    if not m or class_line < 1:
        return class_line
    if m["eq"]:  # its ODE, else its named expression
        patterns = [rf"\bd{m['eq']}\s*/\s*dt\b", rf"^\s*{m['eq']}\s*=.*:"]
    elif m["kw"]:
        patterns = [rf"^\s*{m['kw']}s?\s*="]
    else:
        patterns = [rf"^\s*{m['par'] or m['st']}\s*="]
    body = _class_body(source, class_line)
    for pattern in patterns:
        for number in body:
            if re.search(pattern, source[number - 1]):
                return number
    return class_line


def _class_body(source: list[str], class_line: int) -> range:
    """Line numbers of the body of the class statement at ``class_line`` (1-based)."""
    header = source[class_line - 1] if class_line <= len(source) else ""
    indent = len(header) - len(header.lstrip())
    end = class_line
    for end in range(class_line + 1, len(source) + 1):
        text = source[end - 1]
        if (
            text.strip()
            and not text.lstrip().startswith("#")
            and len(text) - len(text.lstrip()) <= indent
            and not _inside_string(source, class_line, end)
        ):
            return range(class_line, end)
    return range(class_line, end + 1)


def _inside_string(source: list[str], start: int, line: int) -> bool:
    """Whether ``line`` falls inside a triple-quoted string begun after ``start`` (an equation block)."""
    quotes = sum(source[i - 1].count('"""') + source[i - 1].count("'''") for i in range(start, line))
    return quotes % 2 == 1


def _format(path: str, model: str, problem: str, line: int) -> str:
    text = problem if problem.startswith(f"model '{model}'") else f"model '{model}': {problem}"
    first, *rest = text.splitlines()
    return "\n".join([f"{path}:{line}: {first}"] + ["    " + r.strip() for r in rest])
