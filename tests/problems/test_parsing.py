import pytest

from problems.errors import ProblemFormatError
from problems.parsing import (NumberedLines, NumberTokens, format_row, is_number, parse_float,
                              parse_int, text_lines)


def test_is_number_counts_non_finite_values_only_when_asked():
    assert is_number("-1.5e3") and not is_number("inf") and not is_number("1,5")
    assert is_number("inf", finite=False) and is_number("nan", finite=False)


@pytest.mark.parametrize("token,message", [
    ("x", "f.txt line 4: expected a number for a weight, but 'x' is not a number"),
    ("nan", "f.txt line 4: a weight must be a finite number, got nan"),
    ("-inf", "f.txt line 4: a weight must be a finite number, got -inf"),
])
def test_parse_float_names_what_file_and_line(token, message):
    with pytest.raises(ProblemFormatError, match=message) as error:
        parse_float(token, "a weight", path="dir/f.txt", line=4)
    assert (error.value.path, error.value.line) == ("dir/f.txt", 4)


def test_parse_int_checks_form_and_minimum():
    assert parse_int("-1", "node") == -1
    with pytest.raises(ProblemFormatError, match="g line 2: expected an integer node, got '1.0'"):
        parse_int("1.0", "node", path="g", line=2)
    with pytest.raises(ProblemFormatError, match="g line 2: node must be >= 1, got 0"):
        parse_int("0", "node", path="g", line=2, minimum=1)


def test_text_lines_refuses_missing_and_binary_files_unless_replacing(tmp_path):
    with pytest.raises(ProblemFormatError, match="no such file"):
        text_lines(tmp_path / "absent.txt")
    path = tmp_path / "latin1.txt"
    path.write_bytes(b"1 2\n\xe9t\xe9\n")
    with pytest.raises(ProblemFormatError, match="latin1.txt: not a text file"):
        text_lines(path)
    assert text_lines(path, errors="replace") == ["1 2", "\ufffdt\ufffd"]


def test_numbered_lines_skip_blank_lines_but_keep_their_numbers():
    lines = NumberedLines(["  a  ", "", "   ", "b"])
    assert lines.next() == (1, "a") and lines.peek() == (4, "b") and lines.next() == (4, "b")
    assert lines.next() is None and lines.last_line == 4


def test_number_tokens_report_the_line_of_the_bad_token():
    tokens = NumberTokens(["3", "1 2", "x"], path="t.dat")
    assert tokens.integer("size n") == 3
    with pytest.raises(ProblemFormatError, match="t.dat line 3: expected a number among the "
                                                 "values, got 'x'"):
        tokens.numbers(3, "values")
    with pytest.raises(ProblemFormatError, match="line 3: expected 4 values, but the data ends "
                                                 "after 3"):
        tokens.numbers(4, "values")


def test_format_row_writes_integers_without_a_point():
    assert format_row([1.0, 2.5, -3.0]) == "1 2.5 -3"
