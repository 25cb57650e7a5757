"""The shared helpers of the lower layers: raise_problems, did_you_mean and the count checks."""

import pickle

import numpy as np
import pint
import pytest

import neurounits as nu
from neurounits.checks import check_count, is_count, is_integer, require_count
from neurounits.errors import (
    EquationError,
    ParameterError,
    Problem,
    did_you_mean,
    format_problems,
    raise_problems,
)


# --------------------------------------------------------------------------- raise_problems
def test_raise_problems_without_problems_returns_none():
    assert raise_problems("cannot simulate model 'LIF'", []) is None
    assert raise_problems("cannot simulate model 'LIF'", ()) is None


def test_raise_problems_one_problem_is_a_parameter_error_on_one_line():
    with pytest.raises(ParameterError) as info:
        raise_problems("cannot simulate model 'LIF'", [Problem("dt: must be > 0, got 0 ms")])
    assert type(info.value) is ParameterError
    assert str(info.value) == "cannot simulate model 'LIF': dt: must be > 0, got 0 ms"
    assert info.value.problems == ("dt: must be > 0, got 0 ms",)


def test_raise_problems_numbers_several_problems_and_indents_their_lines():
    with pytest.raises(ParameterError) as info:
        raise_problems("invalid values for model 'M'", [Problem("a"), Problem("b\nmore")])
    assert str(info.value) == "invalid values for model 'M': 2 problems\n  1. a\n  2. b\n     more"
    assert str(info.value) == format_problems("invalid values for model 'M'", ["a", "b\nmore"])
    assert info.value.problems == ("a", "b\nmore")


def test_raise_problems_raises_the_given_class():
    with pytest.raises(EquationError) as info:
        raise_problems("model 'M' is inconsistent", [Problem("x")], EquationError)
    assert type(info.value) is EquationError
    assert str(info.value) == "model 'M' is inconsistent: x"


@pytest.mark.parametrize("error", [ParameterError, EquationError])
def test_any_dimension_problem_makes_it_a_dimension_error(error):
    with pytest.raises(nu.DimensionError) as info:
        raise_problems("h", [Problem("a"), Problem("b", dimension=True)], error)
    assert type(info.value) is nu.DimensionError
    assert isinstance(info.value, pint.DimensionalityError)
    assert str(info.value) == "h: 2 problems\n  1. a\n  2. b"
    assert info.value.problems == ("a", "b")


def test_raise_problems_accepts_strings_which_are_not_dimension_problems():
    with pytest.raises(ParameterError) as info:
        raise_problems("cannot sweep model 'LIF'", ["first", Problem("second")])
    assert type(info.value) is ParameterError
    assert info.value.problems == ("first", "second")


def test_raised_problems_survive_pickling():
    for problems in ([Problem("a")], [Problem("a", dimension=True)]):
        with pytest.raises(nu.NeurounitsError) as info:
            raise_problems("h", problems)
        back = pickle.loads(pickle.dumps(info.value))
        assert type(back) is type(info.value)
        assert str(back) == "h: a" and back.problems == ("a",)


def test_problem_is_still_offered_by_parameters():
    from neurounits.parameters import Problem as FromParameters

    assert FromParameters is Problem
    assert Problem("m") == Problem("m", dimension=False)


# --------------------------------------------------------------------------- did_you_mean
def test_did_you_mean_names_the_closest_choice_with_a_leading_space():
    assert did_you_mean("tau_mm", ["V_th", "tau_m", "tau_s"]) == " Did you mean 'tau_m'?"


def test_did_you_mean_is_empty_without_a_close_choice():
    assert did_you_mean("xyz", ["tau_m", "V_th"]) == ""
    assert did_you_mean("tau", []) == ""


def test_did_you_mean_takes_any_iterable_of_names():
    assert did_you_mean("Vv", {"V": 1, "w": 2}) == " Did you mean 'V'?"
    assert did_you_mean("Vv", (k for k in ("V", "w"))) == " Did you mean 'V'?"


def test_did_you_mean_compares_the_text_of_a_name_that_is_not_a_string():
    assert did_you_mean(3, ["3", "ex"]) == " Did you mean '3'?"
    assert did_you_mean(7, ["ex", "in"]) == ""


def test_did_you_mean_in_the_messages_of_models_and_results():
    with pytest.raises(ParameterError, match=r"has no parameter 'tau_mm'\. Did you mean 'tau_m'\? "):
        nu.models.LIF(tau_mm="1 ms")
    with pytest.raises(EquationError, match=r"unknown function 'exq'\. Did you mean 'exp'\? Available: "):
        nu.Model.from_equations("dV/dt = -V/tau + 0*exq(1)*mV/ms : mV", parameters={"tau": "10 ms"})


# --------------------------------------------------------------------------- counts
@pytest.mark.parametrize("value", [1, 7, np.int64(3), np.int32(1), np.uint8(2)])
def test_counts_accept_python_and_numpy_integers(value):
    assert is_integer(value) and is_count(value)
    problems = []
    got = check_count("record_every", value, problems)
    assert got == int(value) and type(got) is int and problems == []
    assert require_count("record_every", value) == int(value)
    assert type(require_count("record_every", value)) is int


@pytest.mark.parametrize("value", [0, -1, np.int64(0), True, False, np.bool_(True), 2.0, np.float64(3),
                                   "3", None, [1]])
def test_counts_refuse_bools_floats_and_numbers_below_one(value):
    assert not is_count(value)
    problems = []
    assert check_count("record_every", value, problems) is None
    assert problems == [Problem(f"record_every must be a positive integer, got {value!r}")]
    with pytest.raises(ParameterError) as info:
        require_count("chunk_size", value)
    assert type(info.value) is ParameterError
    assert str(info.value) == f"chunk_size must be a positive integer, got {value!r}"


def test_is_integer_allows_zero_and_negatives_but_not_bools():
    assert is_integer(0) and is_integer(-3) and is_integer(np.int16(-1))
    assert not is_integer(True) and not is_integer(np.bool_(False)) and not is_integer(1.0)


def test_check_count_appends_to_the_problems_already_collected():
    problems = [Problem("earlier")]
    check_count("record_every", 0, problems)
    assert [p.message for p in problems] == ["earlier", "record_every must be a positive integer, got 0"]


def test_require_count_raises_the_given_class():
    with pytest.raises(EquationError) as info:
        require_count("ports", 0, EquationError)
    assert type(info.value) is EquationError
    assert str(info.value) == "ports must be a positive integer, got 0"


@pytest.mark.parametrize("n", [0, True, 2.0])
def test_the_number_of_neurons_is_a_count(n):
    with pytest.raises(ParameterError) as info:
        nu.models.LIF(n=n)
    assert type(info.value) is ParameterError
    assert str(info.value) == f"model 'LIF': n (the number of neurons) must be a positive integer, got {n!r}"
    assert nu.models.LIF(n=np.int64(2)).n == 2 and type(nu.models.LIF(n=np.int64(2)).n) is int
