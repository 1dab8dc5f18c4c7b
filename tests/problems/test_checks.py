import numpy as np
import pytest

from problems.checks import PermutationWords, binary_vector, permutation_vector
from problems.errors import InfeasibleSolution

WORDS = PermutationWords(solution="tour", slot="stop", item="city", items="city indices",
                         repeated="city {value} at stops {first} and {second}, city {missing} "
                                  "nowhere ({count} visits)")


def test_permutation_vector_returns_int64_and_accepts_integral_floats():
    p = permutation_vector(np.array([2.0, 0.0, 1.0]), 3)
    assert p.dtype == np.int64 and p.tolist() == [2, 0, 1]


@pytest.mark.parametrize("solution,message,constraint", [
    ([0, 1], "the tour has 2 entries, expected 3: a permutation of 3 city indices", "form"),
    ([[0, 1, 2]], "1-D sequence of city indices", "form"),
    ([0, 1.5, 2], "stop 1 is 1.5, not an integer", "form"),
    ([0, np.nan, 2], "stop 1 is nan, not an integer", "form"),
    ([True, False, True], "integer city indices, got dtype bool", "form"),
    ([0, 3, 1], "stop 1 is at city 3, outside 0..2", "stop 1"),
    ([2, 0, 2], r"city 2 at stops 0 and 2, city 1 nowhere \(2 visits\)", "city 2"),
])
def test_permutation_vector_names_the_first_fault_in_the_problems_words(solution, message,
                                                                        constraint):
    with pytest.raises(InfeasibleSolution, match=message) as error:
        permutation_vector(solution, 3, WORDS)
    assert error.value.constraint == constraint


def test_binary_vector_rejects_other_values_and_shapes():
    assert binary_vector(np.array([1.0, 0.0]), 2).dtype == np.int8
    with pytest.raises(InfeasibleSolution, match="entry 1 is 2, expected 0 or 1"):
        binary_vector([0, 2], 2)
    with pytest.raises(InfeasibleSolution, match="vector of 3 entries"):
        binary_vector([0, 1], 3)
