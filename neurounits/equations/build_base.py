"""The state shared by the steps of :func:`.builder.build_spec`: the model's declarations, the scope of
its names and the problems found so far."""

from __future__ import annotations

from typing import Any

from ..errors import Problem
from ..units import ureg
from .parse import Scope, translate
from .text import substitute_options

_MS = ureg.Unit("ms")


class _BuilderBase:
    def __init__(self, cls_name: str, decl: dict, attrs: dict, options: dict[str, str]) -> None:
        self.model = cls_name
        self.decl = dict(decl)
        self.attrs = {k: substitute_options(v, options, decl) for k, v in attrs.items()}
        self.options = options
        self.problems: list[Problem] = []
        self.scope = Scope(cls_name)
        self.noise: list[str] = []
        self._bad_units: set[str] = set()

    def fail(self, msg: str, dimension: bool = False) -> None:
        self.problems.append(Problem(f"model '{self.model}': {msg}", dimension))

    def fail_at(self, where: str, msg: str, dimension: bool = False) -> None:
        self.problems.append(Problem(f"model '{self.model}', {where}: {msg}", dimension))

    def tr(self, text: str, where: str, expected: Any = None, what: str = "the expression"):
        res, probs = translate(text, self.scope, where, expected=expected, what=what)
        self.problems.extend(probs)
        return res
