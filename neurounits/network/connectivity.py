"""Connectivity rules: which neurons of a source view connect to which of a target view.

A rule is declared once and built for a pair of views (NEST's ``conn_spec``)::

    >>> import numpy as np
    >>> from neurounits.network.connectivity import FixedInDegree, to_csr
    >>> rule = FixedInDegree(3, allow_autapses=False)
    >>> ids = np.arange(5)                       # a population connected to itself
    >>> i, k = rule.build(ids, ids, np.random.default_rng(0))
    >>> np.bincount(k).tolist()                  # every target has 3 sources
    [3, 3, 3, 3, 3]
    >>> bool((i != k).all())                     # and none of them is itself
    True

:meth:`Rule.build` returns two int64 arrays ``(i, k)``: synapse ``s`` goes from
position ``i[s]`` of the source view to position ``k[s]`` of the target view.
The network-wide ids of the two views only serve to recognise autapses
(``pre_ids[i] == post_ids[k]``); they must be distinct within a view where a
rule has to exclude autapses.  :func:`to_csr` groups synapses by source.

Defaults follow NEST 3: autapses (self-connections) and multapses (several
synapses between one pair) are allowed unless switched off.  Every rule keeps
its exact law when they are: e.g. without autapses each of a target's
``FixedInDegree`` sources is uniform over the *other* sources.  All rules are
vectorised numpy; the ones without multapses draw distinct values by rounds of
redrawing the duplicates (exact by symmetry: the rounds treat every value
alike, so every set of ``k`` values is equally likely), about 10x slower
than with multapses (12.5 million synapses: 1 s instead of 0.1 s).

The rules live in ``rules`` (:class:`Rule`, :class:`OneToOne`, :class:`AllToAll`,
:class:`Explicit`, :class:`WeightMatrix`), ``random_rules`` (:class:`FixedProbability`,
:class:`FixedInDegree`, :class:`FixedOutDegree`, :class:`FixedTotalNumber`) and ``csr``
(:func:`to_csr`); this module (``nu.conn``) is their public name.
"""

from __future__ import annotations

from .csr import _or_shifted as _or_shifted
from .csr import _packable as _packable
from .csr import to_csr
from .random_rules import _MAX_ROUNDS as _MAX_ROUNDS
from .random_rules import FixedInDegree, FixedOutDegree, FixedProbability, FixedTotalNumber
from .random_rules import _bernoulli as _bernoulli
from .random_rules import _distinct_rows as _distinct_rows
from .random_rules import _fixed_degree as _fixed_degree
from .random_rules import _FixedDegree as _FixedDegree
from .random_rules import _gaps as _gaps
from .rules import AllToAll, Explicit, OneToOne, Rule, WeightMatrix
from .rules import _flag as _flag
from .rules import _flags as _flags
from .rules import _index_array as _index_array
from .rules import _positions as _positions

__all__ = [
    "AllToAll",
    "Explicit",
    "FixedInDegree",
    "FixedOutDegree",
    "FixedProbability",
    "FixedTotalNumber",
    "OneToOne",
    "Rule",
    "WeightMatrix",
    "to_csr",
]
