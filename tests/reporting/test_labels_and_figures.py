"""Keys become words; a share of nothing says so; a count carries exactly its records."""

from __future__ import annotations

from decimal import Decimal

import pytest

from integrita.domain.disclosure import DrillRow, Figure, Unit
from integrita.services.core.report_labels import label
from tests.reporting.pdf_text import SNAKE_CASE


@pytest.mark.parametrize(
    ("key", "words"),
    [
        ("qa_failed", "Qa failed"),
        ("customer_informed", "Customer informed"),
        ("strs_transferred", "of which transferred"),
        ("on_time_first_response_rate", "Initial response within 24 h"),
        ("band_very_high", "Band very high"),
        ("aml.str.handed_over", "Aml str handed over"),
    ],
)
def test_a_key_prints_as_words(key: str, words: str) -> None:
    assert label(key) == words
    assert not SNAKE_CASE.search(label(key))


def test_a_share_of_no_records_reads_zero_and_says_why() -> None:
    empty = Figure.share("s", "k", "Share", [], 0)
    assert (empty.value, empty.denominator, empty.note) == (Decimal(0), 0, "no records to measure")
    two_of_three = Figure.share("s", "k", "Share", [DrillRow("t", "1", "one")] * 2, 3)
    assert two_of_three.value == Decimal("66.7") and two_of_three.unit is Unit.PERCENT


def test_a_count_must_carry_exactly_the_records_it_counts() -> None:
    rows = [DrillRow("str", str(i), f"STR-{i}") for i in range(3)]
    assert Figure.count("s", "k", "Count", rows).value == 3
    with pytest.raises(ValueError, match="3 counted but 2 records"):
        Figure("s", "k", "Count", Decimal(3), Unit.COUNT, tuple(rows[:2]))
