"""The rules for the names of a model's declarations (parameters, states, inputs, receptors, ...).

A name is a plain ASCII identifier, ``[A-Za-z_][A-Za-z0-9_]*``, that is not a Python keyword and
not reserved.  Every name of a model ends up in the source of its generated kernel (as the suffix
of the kernel's own variables: ``P_<name>``, ``X_<name>``, ``x_<name>``, ``B_<receptor>``, ...), so
nothing else may pass: a name is checked where it enters, when the model is declared.

Reserved names:

- ``t`` and ``dt``: time and the time step;
- ``lastspike`` and ``not_refractory``: the time of the last spike and the refractory flag
  (:mod:`.refractory`);
- ``xi`` and ``xi_<suffix>``: white noise in equations;
- a name starting with an underscore (``_x``, dunders): neurounits' own symbols start with one
  (``_prev_V``, ``_n_xi``, ``_rb_ex``, ...).

Because the kernel always puts a prefix of its own before a model's name, no other name (``i``,
``n``, ``np``, ``math``, ``exp``) can collide with the generated code.
"""

from __future__ import annotations

import keyword
import re
from typing import Any

__all__ = ["NAME", "RESERVED", "name_problem"]

NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
RESERVED = {"t": "time", "dt": "the time step", "lastspike": "the time of the last spike",
            "not_refractory": "the refractory flag"}
_NOISE = re.compile(r"xi(_[A-Za-z0-9_]+)?")


def name_problem(kind: str, name: Any) -> str | None:
    """What is wrong with ``name`` as the name of a ``kind`` ("parameter", "state", ...), or None.

    >>> name_problem("parameter", "tau_m") is None
    True
    >>> print(name_problem("input", "g.L"))
    the input name 'g.L' is not a plain identifier ([A-Za-z_][A-Za-z0-9_]*); rename it, e.g. 'g_L'
    >>> print(name_problem("parameter", "lambda"))
    the parameter name 'lambda' is a Python keyword; rename it, e.g. 'lambda_'
    """
    if not isinstance(name, str):
        return f"the {kind} name {name!r} is not a string; names are identifiers such as 'tau_m'"
    if not NAME.fullmatch(name):
        tip = re.sub(r"[^A-Za-z0-9_]+", "_", name.encode("ascii", "replace").decode()).strip("_")
        tip = tip if NAME.fullmatch(tip or "-") and len(tip) <= 30 else ""
        return f"the {kind} name {name!r} is not a plain identifier ([A-Za-z_][A-Za-z0-9_]*); rename it" + (
            f", e.g. {tip!r}" if tip else ""
        )
    if keyword.iskeyword(name):
        return f"the {kind} name {name!r} is a Python keyword; rename it, e.g. {name + '_'!r}"
    if name in RESERVED:
        return f"the {kind} name {name!r} is reserved ({RESERVED[name]}); rename the {kind}"
    if _NOISE.fullmatch(name):
        return f"the {kind} name {name!r} is reserved (white noise in equations: xi, xi_<suffix>); rename it"
    if name.startswith("_"):
        return (
            f"the {kind} name {name!r} is reserved (names starting with '_' are neurounits' own); "
            f"rename it, e.g. {name.lstrip('_') or 'x'!r}"
        )
    return None
