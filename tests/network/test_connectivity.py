"""Connectivity rules: degree laws (chi-squared against the exact law), exact sets, messages.

Every random test uses a fixed seed, so it is deterministic; a p-value below 1e-3
would mean a wrong law, not bad luck that can come and go.
"""

import itertools

import numpy as np
import pytest
import scipy.sparse
import scipy.stats

import neurounits as nu
from neurounits.errors import ParameterError
from neurounits.network import connectivity as conn
from neurounits.network import random_rules
from neurounits.network.connectivity import (
    AllToAll,
    Explicit,
    FixedInDegree,
    FixedOutDegree,
    FixedProbability,
    FixedTotalNumber,
    OneToOne,
    WeightMatrix,
    to_csr,
)

P_MIN = 1e-3


def rng(seed=0):
    return np.random.default_rng(seed)


def chi2_pvalue(values, dist):
    """p-value of a chi-squared test of integer ``values`` against the discrete scipy ``dist``.

    Bins are single values, merged from the tails inwards until each expects >= 5.
    """
    values = np.asarray(values)
    lo, hi = int(dist.ppf(1e-6)), int(dist.ppf(1 - 1e-6))
    support = np.arange(lo, hi + 1)
    expected = dist.pmf(support) * values.size
    expected[0] += dist.cdf(lo - 1) * values.size
    expected[-1] += dist.sf(hi) * values.size
    observed = np.bincount(np.clip(values, lo, hi) - lo, minlength=support.size).astype(float)
    obs, exp = [], []
    o = e = 0.0
    for oi, ei in zip(observed, expected):
        o, e = o + oi, e + ei
        if e >= 5:
            obs.append(o)
            exp.append(e)
            o = e = 0.0
    obs[-1] += o
    exp[-1] += e
    return scipy.stats.chisquare(obs, exp).pvalue


def uniform_pvalue(values, n):
    """p-value of a chi-squared test that ``values`` are uniform on range(n)."""
    counts = np.bincount(values, minlength=n)
    assert counts.size == n
    return scipy.stats.chisquare(counts).pvalue


def pairs(i, k, n_post):
    return i * n_post + k


# --------------------------------------------------------------------------- interface
@pytest.mark.parametrize("rule", [
    OneToOne(), AllToAll(), FixedProbability(0.3), FixedInDegree(3), FixedOutDegree(3),
    FixedTotalNumber(40), Explicit([0, 1], [2, 3]), WeightMatrix(np.ones((6, 6))),
])
def test_build_returns_int64_positions_of_equal_length(rule):
    i, k = rule.build(np.arange(6), np.arange(10, 16), rng())
    assert i.dtype == np.int64 and k.dtype == np.int64 and i.shape == k.shape and i.ndim == 1
    assert i.size and i.min() >= 0 and i.max() < 6 and k.min() >= 0 and k.max() < 6


@pytest.mark.parametrize("rule", [
    FixedProbability(0.3), FixedProbability(0.3, allow_autapses=False), FixedInDegree(3),
    FixedInDegree(3, allow_autapses=False, allow_multapses=False), FixedOutDegree(3),
    FixedOutDegree(3, allow_multapses=False), FixedTotalNumber(40),
    FixedTotalNumber(40, allow_autapses=False, allow_multapses=False),
])
def test_same_seed_same_synapses_other_seed_other_synapses(rule):
    ids = np.arange(30)
    a, b, c = (rule.build(ids, ids, rng(s)) for s in (1, 1, 2))
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
    assert not (np.array_equal(a[0], c[0]) and np.array_equal(a[1], c[1]))


def test_expected_counts():
    assert OneToOne().expected_count(5, 5) == 5
    assert AllToAll().expected_count(4, 5) == 20
    assert FixedProbability(0.1).expected_count(100, 30) == pytest.approx(300)
    assert FixedInDegree(7).expected_count(100, 30) == 210
    assert FixedOutDegree(7).expected_count(100, 30) == 700
    assert FixedTotalNumber(99).expected_count(100, 30) == 99
    assert Explicit([0, 1, 1], [0, 0, 1]).expected_count(2, 2) == 3
    assert WeightMatrix(np.eye(3)).expected_count(3, 3) == 3


def test_repr_shows_the_arguments_that_differ_from_nest_defaults():
    assert repr(OneToOne()) == "OneToOne()"
    assert repr(AllToAll(allow_autapses=False)) == "AllToAll(allow_autapses=False)"
    assert repr(FixedProbability(0.1)) == "FixedProbability(p=0.1)"
    assert repr(FixedInDegree(1000)) == "FixedInDegree(k=1000)"
    assert (repr(FixedOutDegree(5, allow_autapses=False, allow_multapses=False))
            == "FixedOutDegree(k=5, allow_autapses=False, allow_multapses=False)")
    assert (repr(FixedTotalNumber(10, allow_multapses=False))
            == "FixedTotalNumber(n=10, allow_multapses=False)")
    assert repr(Explicit([0], [1])) == "Explicit(1 synapses)"
    assert repr(WeightMatrix(nu.Q_(np.eye(2), "nS"))) == "WeightMatrix(<2x2 dense, 2 synapses, nS>)"


def test_nest_3_defaults_allow_autapses_and_multapses():
    for rule in (AllToAll(), FixedProbability(0.5), FixedInDegree(2), FixedOutDegree(2), FixedTotalNumber(2)):
        assert rule.allow_autapses is True
    for rule in (FixedInDegree(2), FixedOutDegree(2), FixedTotalNumber(2)):
        assert rule.allow_multapses is True


# --------------------------------------------------------------------------- deterministic rules
def test_one_to_one_and_all_to_all_exact_sets():
    i, k = OneToOne().build(np.arange(4), np.arange(4, 8), rng())
    assert i.tolist() == k.tolist() == [0, 1, 2, 3]
    i, k = OneToOne(allow_autapses=False).build(np.array([5, 6, 7]), np.array([5, 9, 7]), rng())
    assert i.tolist() == k.tolist() == [1]
    i, k = AllToAll().build(np.arange(3), np.arange(2), rng())
    assert list(zip(i.tolist(), k.tolist())) == list(itertools.product(range(3), range(2)))
    # overlapping views: pre ids 0..4, post ids 3..7 share neurons 3 and 4
    i, k = AllToAll(allow_autapses=False).build(np.arange(5), np.arange(3, 8), rng())
    expected = [(a, b) for a in range(5) for b in range(5) if a != b + 3]
    assert list(zip(i.tolist(), k.tolist())) == expected


def test_explicit_is_taken_as_given():
    i, k = Explicit(np.array([2, 0, 2, 2]), [1, 1, 0, 0]).build(np.arange(3), np.arange(2), rng())
    assert i.tolist() == [2, 0, 2, 2] and k.tolist() == [1, 1, 0, 0]
    i, k = Explicit([], []).build(np.arange(3), np.arange(2), rng())
    assert i.size == k.size == 0


def test_weight_matrix_dense_and_quantity():
    w = np.array([[0.0, 2.0, 0.0], [-1.0, 0.0, 3.0]])
    rule = WeightMatrix(w)
    i, k = rule.build(np.arange(2), np.arange(3), rng())
    assert i.tolist() == [0, 1, 1] and k.tolist() == [1, 0, 2]
    values, unit = rule.weights()
    assert values.tolist() == [2.0, -1.0, 3.0] and unit is None
    values, unit = WeightMatrix(nu.Q_(w, "pA")).weights()
    assert values.tolist() == [2.0, -1.0, 3.0] and unit == nu.ureg.pA


@pytest.mark.parametrize("make", [scipy.sparse.csr_matrix, scipy.sparse.coo_array, scipy.sparse.csc_array])
def test_weight_matrix_sparse_sums_duplicates_and_drops_stored_zeros(make):
    rows, cols, data = [1, 0, 1, 1, 0], [2, 1, 0, 2, 2], [1.0, 2.0, 5.0, 0.5, 0.0]
    w = make(scipy.sparse.coo_array((data, (rows, cols)), shape=(2, 3)))
    rule = WeightMatrix(w)
    i, k = rule.build(np.arange(2), np.arange(3), rng())
    assert i.tolist() == [0, 1, 1] and k.tolist() == [1, 0, 2]
    assert rule.weights()[0].tolist() == [2.0, 5.0, 1.5]
    assert repr(rule) == "WeightMatrix(<2x3 sparse, 3 synapses>)"


def test_weights_follow_build_order_for_a_large_sparse_matrix():
    w = scipy.sparse.random(300, 200, density=0.05, format="coo", random_state=1)
    rule = WeightMatrix(w)
    i, k = rule.build(np.arange(300), np.arange(200), rng())
    assert np.array_equal(rule.weights()[0], w.toarray()[i, k])
    dense_i, dense_k = WeightMatrix(w.toarray()).build(np.arange(300), np.arange(200), rng())
    assert np.array_equal(i, dense_i) and np.array_equal(k, dense_k)


# --------------------------------------------------------------------------- FixedProbability
def test_fixed_probability_in_degree_is_binomial():
    p, n_pre, n_post = 0.05, 1500, 2000
    i, k = FixedProbability(p).build(np.arange(n_pre), np.arange(n_pre, n_pre + n_post), rng(3))
    assert chi2_pvalue(np.bincount(k, minlength=n_post), scipy.stats.binom(n_pre, p)) > P_MIN
    assert chi2_pvalue(np.bincount(i, minlength=n_pre), scipy.stats.binom(n_post, p)) > P_MIN
    assert np.unique(pairs(i, k, n_post)).size == i.size  # each pair at most once


def test_fixed_probability_without_autapses_keeps_p_for_the_other_pairs():
    p, n = 0.05, 2000
    ids = np.arange(n)
    i, k = FixedProbability(p, allow_autapses=False).build(ids, ids, rng(4))
    assert not (i == k).any()
    assert chi2_pvalue(np.bincount(k, minlength=n), scipy.stats.binom(n - 1, p)) > P_MIN
    # with autapses about n * p of them are made
    i, k = FixedProbability(p).build(ids, ids, rng(4))
    assert abs((i == k).sum() - n * p) < 5 * np.sqrt(n * p)


@pytest.mark.parametrize("gaps", [None, 1])
def test_fixed_probability_every_pair_has_probability_p(monkeypatch, gaps):
    if gaps:  # one geometric gap per chunk: the continuation from one chunk to the next
        monkeypatch.setattr(random_rules, "_gaps", lambda mean: gaps)
    counts = np.zeros(12)
    for seed in range(1500):
        i, k = FixedProbability(0.3).build(np.arange(3), np.arange(4), rng(seed))
        counts += np.bincount(pairs(i, k, 4), minlength=12)
    assert scipy.stats.chisquare(counts).pvalue > P_MIN
    assert abs(counts.sum() - 1500 * 12 * 0.3) < 5 * np.sqrt(1500 * 12 * 0.3 * 0.7)


def test_fixed_probability_extremes():
    ids = np.arange(7)
    i, k = FixedProbability(0.0).build(ids, ids, rng())
    assert i.size == 0
    i, k = FixedProbability(1.0).build(ids, np.arange(5), rng())
    assert np.array_equal(pairs(i, k, 5), np.arange(35))
    i, k = FixedProbability(1, allow_autapses=False).build(ids, ids, rng())
    assert i.size == 42 and not (i == k).any()


def test_fixed_probability_law_holds_when_drawn_in_many_chunks(monkeypatch):
    monkeypatch.setattr(random_rules, "_gaps", lambda mean: 7)
    p, n_pre, n_post = 0.1, 400, 1000
    i, k = FixedProbability(p).build(np.arange(n_pre), np.arange(n_post), rng(5))
    assert chi2_pvalue(np.bincount(k, minlength=n_post), scipy.stats.binom(n_pre, p)) > P_MIN
    assert np.all(np.diff(pairs(i, k, n_post)) > 0)


# --------------------------------------------------------------------------- FixedInDegree
def test_fixed_in_degree_exact_degrees_and_uniform_sources():
    n_pre, n_post, kk = 500, 800, 40
    i, k = FixedInDegree(kk).build(np.arange(n_pre), np.arange(n_pre, n_pre + n_post), rng(6))
    assert np.array_equal(np.bincount(k, minlength=n_post), np.full(n_post, kk))
    assert uniform_pvalue(i, n_pre) > P_MIN
    # with multapses, a target's number of synapses from one source is Binomial(k, 1/n_pre)
    counts = np.bincount(pairs(i, k, n_post), minlength=n_pre * n_post)
    assert chi2_pvalue(counts, scipy.stats.binom(kk, 1 / n_pre)) > P_MIN


def test_fixed_in_degree_without_autapses_draws_uniformly_among_the_other_sources():
    n, kk = 300, 50
    ids = np.arange(100, 100 + n)
    i, k = FixedInDegree(kk, allow_autapses=False).build(ids, ids, rng(7))
    assert not (i == k).any()
    assert np.array_equal(np.bincount(k, minlength=n), np.full(n, kk))
    assert uniform_pvalue((i - k) % n - 1, n - 1) > P_MIN  # offsets uniform on 1 .. n-1


def test_fixed_in_degree_partial_overlap_excludes_only_the_shared_neurons():
    pre_ids, post_ids = np.arange(10), np.arange(5, 2005)  # targets 0..4 are sources 5..9
    i, k = FixedInDegree(20, allow_autapses=False).build(pre_ids, post_ids, rng(8))
    assert not (pre_ids[i] == post_ids[k]).any()
    assert uniform_pvalue(i[k >= 5], 10) > P_MIN


def test_fixed_in_degree_without_multapses_source_sets_are_uniform_subsets():
    # 5 sources, 2 each: the 10 possible sets equally likely (one multinomial draw per target)
    for kk in (2, 3):  # 3 > 5/2 draws the left-out sources
        i, _ = FixedInDegree(kk, allow_multapses=False).build(np.arange(5), np.arange(20_000), rng(9))
        sets = i.reshape(-1, kk)
        assert (np.diff(sets, axis=1) > 0).all()
        code = (2 ** sets).sum(axis=1)
        subsets = [sum(2 ** np.array(c)) for c in itertools.combinations(range(5), kk)]
        assert scipy.stats.chisquare([np.sum(code == s) for s in subsets]).pvalue > P_MIN


def test_fixed_in_degree_without_autapses_or_multapses_sets_of_other_sources_are_uniform():
    pre_ids = np.arange(6)
    post_ids = np.tile(np.arange(6), 4000)  # every target is one of the sources
    i, k = FixedInDegree(2, allow_autapses=False, allow_multapses=False).build(pre_ids, post_ids, rng(10))
    sets = i.reshape(-1, 2)
    own = post_ids[k.reshape(-1, 2)[:, 0]]
    assert not (sets == own[:, None]).any() and (sets[:, 0] != sets[:, 1]).all()
    relative = (sets - own[:, None]) % 6  # the other sources are 1..5 relative to the target
    code = (2 ** relative).sum(axis=1)
    subsets = [2 ** a + 2 ** b for a, b in itertools.combinations(range(1, 6), 2)]
    assert np.isin(code, subsets).all()
    assert scipy.stats.chisquare([np.sum(code == s) for s in subsets]).pvalue > P_MIN


def test_fixed_in_degree_without_multapses_large():
    n_pre, n_post, kk = 400, 300, 150
    i, k = FixedInDegree(kk, allow_multapses=False).build(np.arange(n_pre), np.arange(n_post), rng(11))
    assert np.unique(pairs(i, k, n_post)).size == i.size == n_post * kk
    assert uniform_pvalue(i, n_pre) > P_MIN
    i, k = FixedInDegree(n_pre, allow_multapses=False).build(np.arange(n_pre), np.arange(3), rng(11))
    assert np.array_equal(i, np.tile(np.arange(n_pre), 3))


# --------------------------------------------------------------------------- FixedOutDegree
def test_fixed_out_degree_in_degree_is_binomial_with_multapses():
    n_pre, n_post, kk = 600, 1000, 30
    i, k = FixedOutDegree(kk).build(np.arange(n_pre), np.arange(n_post), rng(12))
    assert np.array_equal(np.bincount(i, minlength=n_pre), np.full(n_pre, kk))
    assert chi2_pvalue(np.bincount(k, minlength=n_post), scipy.stats.binom(n_pre * kk, 1 / n_post)) > P_MIN


def test_fixed_out_degree_without_autapses_or_multapses():
    n, kk = 200, 60
    ids = np.arange(n)
    i, k = FixedOutDegree(kk, allow_autapses=False, allow_multapses=False).build(ids, ids, rng(13))
    assert np.array_equal(np.bincount(i, minlength=n), np.full(n, kk))
    assert not (i == k).any()
    assert np.unique(pairs(i, k, n)).size == i.size
    # a target is chosen by each other source with probability k/(n-1)
    assert chi2_pvalue(np.bincount(k, minlength=n), scipy.stats.binom(n - 1, kk / (n - 1))) > P_MIN


# --------------------------------------------------------------------------- FixedTotalNumber
def test_fixed_total_number_degrees_are_binomial():
    n_pre, n_post, n = 1000, 500, 20_000
    i, k = FixedTotalNumber(n).build(np.arange(n_pre), np.arange(n_pre, n_pre + n_post), rng(14))
    assert i.size == n
    assert chi2_pvalue(np.bincount(k, minlength=n_post), scipy.stats.binom(n, 1 / n_post)) > P_MIN
    assert chi2_pvalue(np.bincount(i, minlength=n_pre), scipy.stats.binom(n, 1 / n_pre)) > P_MIN


def test_fixed_total_number_without_autapses_is_uniform_over_the_other_pairs():
    m, n = 40, 30_000
    ids = np.arange(m)
    i, k = FixedTotalNumber(n, allow_autapses=False).build(ids, ids, rng(15))
    assert i.size == n and not (i == k).any()
    flat = i * (m - 1) + (k - (k > i))  # rank of the pair among the m(m-1) allowed ones
    assert uniform_pvalue(flat, m * (m - 1)) > P_MIN


def test_fixed_total_number_without_multapses_draws_distinct_allowed_pairs():
    ids = np.arange(30)
    for n in (100, 800):  # 800 of 870 allowed pairs draws the left-out ones
        i, k = FixedTotalNumber(n, allow_autapses=False, allow_multapses=False).build(ids, ids, rng(16))
        assert i.size == n and not (i == k).any()
        assert np.unique(pairs(i, k, 30)).size == n
    # every pair of 4 x 5 equally often over many builds
    counts = np.zeros(20)
    for seed in range(2000):
        i, k = FixedTotalNumber(7, allow_multapses=False).build(np.arange(4), np.arange(5), rng(seed))
        counts += np.bincount(pairs(i, k, 5), minlength=20)
    assert scipy.stats.chisquare(counts).pvalue > P_MIN


# --------------------------------------------------------------------------- check and errors
def test_check_messages():
    assert OneToOne().check(3, 3) == []
    assert OneToOne().check(3, 4) == [
        "OneToOne() connects source j to target j and needs as many targets as sources, got 3 sources "
        "and 4 targets; connect views of equal size."]
    assert FixedInDegree(20, allow_multapses=False).check(10, 5) == [
        "FixedInDegree(k=20, allow_multapses=False) draws 20 different sources for each target, but the "
        "source view has only 10 neurons; lower k to at most 10, enlarge the source view, or allow "
        "multapses."]
    assert FixedInDegree(20).check(10, 5) == []
    assert FixedInDegree(20).check(0, 5) == [
        "FixedInDegree(k=20) draws 20 sources for each target, but the source view is empty; give a "
        "source view with at least one neuron."]
    assert FixedInDegree(20).check(0, 0) == []
    assert FixedOutDegree(20, allow_multapses=False).check(5, 10) == [
        "FixedOutDegree(k=20, allow_multapses=False) draws 20 different targets for each source, but the "
        "target view has only 10 neurons; lower k to at most 10, enlarge the target view, or allow "
        "multapses."]
    assert FixedTotalNumber(200, allow_multapses=False).check(10, 10) == [
        "FixedTotalNumber(n=200, allow_multapses=False) makes 200 different synapses, but 10 sources and "
        "10 targets form only 100 pairs; lower n to at most 100, enlarge the views, or allow multapses."]
    assert FixedTotalNumber(5).check(3, 0) == [
        "FixedTotalNumber(n=5) makes 5 synapses, but the target view is empty; give views with at least "
        "one neuron each."]
    assert Explicit([0, 12], [0, 1]).check(10, 1) == [
        "Explicit(2 synapses) has a source position 12, but the source view has 10 neurons (positions 0 "
        "to 9); give positions within the view, not network-wide ids.",
        "Explicit(2 synapses) has a target position 1, but the target view has 1 neurons (positions 0 "
        "to 0); give positions within the view, not network-wide ids."]
    assert WeightMatrix(np.ones((3, 4))).check(5, 4) == [
        "WeightMatrix(<3x4 dense, 12 synapses>) has shape (3, 4), but the views have 5 sources and 4 "
        "targets; give a matrix of shape (n_pre, n_post) = (5, 4)."]
    for rule in (AllToAll(), FixedProbability(0.5)):
        assert rule.check(0, 7) == []


def test_build_raises_the_problems_of_check():
    with pytest.raises(ParameterError) as info:
        OneToOne().build(np.arange(3), np.arange(4), rng())
    assert str(info.value) == (
        "cannot connect the views: OneToOne() connects source j to target j and needs as many "
        "targets as sources, got 3 sources and 4 targets; connect views of equal size.")


@pytest.mark.parametrize(("make", "message"), [
    (lambda: FixedProbability(1.5), "invalid FixedProbability rule: p must be a number in [0, 1], got 1.5"),
    (lambda: FixedProbability(True), "invalid FixedProbability rule: p must be a number in [0, 1], got True"),
    (lambda: FixedProbability("0.1"),
     "invalid FixedProbability rule: p must be a number in [0, 1], got '0.1'"),
    (lambda: FixedProbability(float("nan")),
     "invalid FixedProbability rule: p must be a number in [0, 1], got nan"),
    (lambda: FixedInDegree(0), "invalid FixedInDegree rule: k must be a positive integer, got 0"),
    (lambda: FixedOutDegree(2.0), "invalid FixedOutDegree rule: k must be a positive integer, got 2.0"),
    (lambda: FixedTotalNumber(True), "invalid FixedTotalNumber rule: n must be a positive integer, got True"),
    (lambda: AllToAll(allow_autapses="no"),
     "invalid AllToAll rule: allow_autapses must be True or False, got 'no'"),
    (lambda: FixedInDegree(0, allow_multapses=1),
     "invalid FixedInDegree rule: 2 problems\n  1. k must be a positive integer, got 0\n"
     "  2. allow_multapses must be True or False, got 1"),
    (lambda: Explicit([0, 1], [0]),
     "invalid Explicit rule: pre and post must have equal lengths, got 2 and 1"),
    (lambda: Explicit([0.0], [1]),
     "invalid Explicit rule: pre must be a 1-d array of integer positions, got float64"),
    (lambda: Explicit([[0]], [1]),
     "invalid Explicit rule: pre must be a 1-d array of integer positions, got an array of shape (1, 1)"),
    (lambda: Explicit([0, -1], [1, 1]), "invalid Explicit rule: pre must hold positions >= 0, got -1"),
    (lambda: WeightMatrix(np.ones(3)),
     "invalid WeightMatrix rule: w must be a 2-d matrix (n_pre, n_post), got shape (3,)"),
    (lambda: WeightMatrix(np.array([[1.0, np.nan], [np.inf, 0.0]])),
     "invalid WeightMatrix rule: w must be finite, got nan at [0, 1] (2 such entries)"),
])
def test_constructor_errors(make, message):
    with pytest.raises(ParameterError) as info:
        make()
    assert type(info.value) is ParameterError
    assert str(info.value) == message


def test_impossible_without_autapses_is_found_when_building():
    ids = np.arange(5)
    with pytest.raises(ParameterError) as info:
        FixedInDegree(5, allow_autapses=False, allow_multapses=False).build(ids, ids, rng())
    assert str(info.value) == (
        "cannot connect with FixedInDegree(k=5, allow_autapses=False, allow_multapses=False): target 0 is "
        "also source 0 and may not connect to itself, which leaves 4 of the 5 sources for 5 different ones; "
        "lower k to at most 4, enlarge the source view, or allow autapses or multapses")
    rule = FixedOutDegree(2, allow_autapses=False, allow_multapses=False)
    with pytest.raises(ParameterError) as info:
        rule.build(np.array([4]), np.array([2, 4]), rng())
    assert str(info.value) == (
        "cannot connect with FixedOutDegree(k=2, allow_autapses=False, allow_multapses=False): source 0 is "
        "also target 1 and may not connect to itself, which leaves 1 of the 2 targets for 2 different ones; "
        "lower k to at most 1, enlarge the target view, or allow autapses or multapses")
    i, k = FixedOutDegree(3, allow_autapses=False).build(np.array([4]), np.array([2, 4]), rng())
    assert i.tolist() == [0, 0, 0] and k.tolist() == [0, 0, 0]  # with multapses, 3 times the other one
    with pytest.raises(ParameterError) as info:
        FixedInDegree(3, allow_autapses=False).build(np.array([4]), np.array([4]), rng())
    assert str(info.value) == (
        "cannot connect with FixedInDegree(k=3, allow_autapses=False): target 0 is also the only source "
        "and may not connect to itself, which leaves no source; enlarge the source view or allow autapses")
    with pytest.raises(ParameterError) as info:
        FixedTotalNumber(1, allow_autapses=False).build(np.array([7]), np.array([7]), rng())
    assert str(info.value) == (
        "cannot connect with FixedTotalNumber(n=1, allow_autapses=False): without autapses the views form "
        "only 0 pairs of different neurons; lower n to at most 0, enlarge the views, or allow autapses")
    with pytest.raises(ParameterError) as info:
        FixedInDegree(2, allow_autapses=False).build(np.array([1, 2, 1]), np.arange(3), rng())
    assert str(info.value) == (
        "cannot connect with FixedInDegree(k=2, allow_autapses=False): the source view holds neuron id 1 "
        "more than once; autapses can only be excluded among distinct neurons: remove the repeated ids or "
        "allow autapses")
    with pytest.raises(TypeError) as info:
        FixedInDegree(2).build(ids, ids, 0)
    assert str(info.value) == ("FixedInDegree(k=2).build: rng must be a numpy.random.Generator "
                               "(numpy.random.default_rng(seed)), got int")


# --------------------------------------------------------------------------- to_csr
@pytest.mark.parametrize(("n", "n_pre", "dtype"), [(0, 3, np.int64), (1, 1, np.int64), (5000, 37, np.int32),
                                                   (20_000, 1, np.int64)])
def test_to_csr_is_a_stable_grouping_by_source(n, n_pre, dtype):
    r = rng(17)
    i = r.integers(0, n_pre, size=n).astype(dtype)
    k = r.integers(0, 1000, size=n).astype(dtype)
    w = r.normal(size=n)
    ptr, order, k_sorted, w_sorted = to_csr(i, n_pre, k, w)
    expected = np.argsort(i, kind="stable")
    assert np.array_equal(order, expected) and order.dtype == np.int64
    assert np.array_equal(ptr, np.concatenate([[0], np.cumsum(np.bincount(i, minlength=n_pre))]))
    assert k_sorted.dtype == dtype and np.array_equal(k_sorted, k[expected])
    assert np.array_equal(w_sorted, w[expected])


def test_to_csr_packs_the_integer_columns_that_fit_and_gathers_the_rest():
    r = rng(18)
    n, n_pre = 100_000, 5000  # 13 + 17 bits: 33 left, for the 20-, 12- and 1-bit columns, not 2**40
    i = r.integers(0, n_pre, size=n)
    columns = (r.integers(0, 2**20, size=n), r.integers(0, 2**40, size=n),
               r.integers(0, 2**12, size=n).astype(np.uint16), r.normal(size=n), r.integers(0, 2, size=n))
    assert conn._packable(columns, 63 - 13 - 17) == {0: 20, 2: 12, 4: 1}
    _, order, *sorted_columns = to_csr(i, n_pre, *columns)
    expected = np.argsort(i, kind="stable")
    assert np.array_equal(order, expected)
    for c, s in zip(columns, sorted_columns):
        assert s.dtype == c.dtype and np.array_equal(s, c[expected])


def test_to_csr_columns_that_cannot_ride_in_the_key_are_gathered():
    i = np.array([1, 0, 1, 0])
    ptr, order, a, b = to_csr(i, 2, np.array([-5, 6, 7, 8]), np.array([0.5, 1.5, 2.5, 3.5]))
    assert ptr.tolist() == [0, 2, 4] and order.tolist() == [1, 3, 0, 2]
    assert a.tolist() == [6, 8, -5, 7] and b.tolist() == [1.5, 3.5, 0.5, 2.5]
    ptr, order = to_csr(i, 3)
    assert ptr.tolist() == [0, 2, 4, 4] and order.tolist() == [1, 3, 0, 2]


def test_to_csr_refuses_sources_out_of_range():
    with pytest.raises(ValueError, match=r"to_csr: source positions must be in \[0, 2\), got 0 to 2"):
        to_csr(np.array([0, 2]), 2)
