"""Small-cell suppression: no count from 1 to 4 is shown, and none can be worked out from what is shown."""

import itertools

from django.utils import translation

from dalil.reports import suppression
from dalil.reports.tables import Row, Table

MIN = 5


def _shown(counts, additive=True):
    result = suppression.protect(counts, MIN, additive=additive)
    return [None if i in result.hidden else c for i, c in enumerate(counts)], result


def _solutions(counts, result):
    """Every table consistent with what is published: shown cells, the total, "<5" = 1..4, withheld >= 5."""
    total = None if result.total_hidden else sum(counts)
    hidden = sorted(result.hidden)
    ranges = [range(1, MIN) if result.hidden[i] == suppression.SMALL else range(MIN, sum(counts) + 1)
              for i in hidden]
    shown_sum = sum(c for i, c in enumerate(counts) if i not in result.hidden)
    found = []
    for values in itertools.product(*ranges):
        if total is None or shown_sum + sum(values) == total:
            found.append(dict(zip(hidden, values)))
    return found


def test_it_shows_a_table_without_small_counts_as_it_is():
    shown, result = _shown([12, 7, 0, 30])
    assert shown == [12, 7, 0, 30] and not result.total_hidden


def test_it_hides_a_small_count_and_the_smallest_other_count_so_the_total_does_not_give_it_away():
    shown, result = _shown([15, 10, 5, 5, 3])
    assert result.hidden == {4: suppression.SMALL, 2: suppression.WITHHELD}
    assert shown == [15, 10, None, 5, None]


def test_it_keeps_hiding_while_two_small_counts_could_only_be_ones():
    shown, result = _shown([20, 1, 1, 9])
    assert result.hidden[1] == result.hidden[2] == suppression.SMALL
    assert result.hidden[3] == suppression.WITHHELD


def test_it_hides_the_total_when_every_count_is_small():
    _, result = _shown([1, 2, 0])
    assert result.total_hidden and set(result.hidden) == {0, 1}


def test_it_leaves_no_hidden_count_that_can_be_worked_out_in_any_small_table():
    for counts in itertools.product([0, 1, 2, 4, 5, 6, 9], repeat=4):
        counts = list(counts)
        _, result = _shown(counts)
        if not result.hidden:
            continue
        solutions = _solutions(counts, result)
        assert {i: counts[i] for i in result.hidden} in solutions
        for i in result.hidden:
            assert len({s[i] for s in solutions}) > 1, (counts, result)


def test_it_only_hides_small_counts_where_the_rows_do_not_add_up_to_a_total():
    shown, result = _shown([7, 3, 2], additive=False)
    assert shown == [7, None, None] and not result.total_hidden


def test_a_protected_table_shows_less_than_five_and_withheld_in_words():
    table = Table("t", [Row("215", "Branch 215", 40), Row("227", "Branch 227", 3), Row("235", "Branch 235", 6)])
    with translation.override("en"):
        public = table.protected(MIN)
    assert [r.text for r in public.rows] == ["40", "<5", "withheld"]
    assert public.total_text == "49" and table.rows[1].text == "3"  # the staff table is untouched
    assert public.as_dict()["rows"][1]["value"] is None
