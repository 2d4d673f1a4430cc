"""Small-cell suppression: public figures that cannot be used to pick out a person or a family.

A count of 1 to `min_cell - 1` is *primary* suppressed (shown as "<5" when
min_cell is 5). When a table's cells add up to a total that is shown, hiding
one small cell is not enough: the total minus the other cells gives it back.
So *complementary* cells (the smallest counts still shown) are withheld too,
until no hidden cell can be worked out exactly from the total, the knowledge
that a "<5" cell is 1..min_cell-1 and that a withheld cell is at least
min_cell. If no cell is left to withhold, the total is hidden instead. Zero
counts are shown: an empty cell describes nobody.
"""

from dataclasses import dataclass

SMALL = "small"  # 1..min_cell-1, shown as "<min_cell"
WITHHELD = "withheld"  # a complementary cell: min_cell or more, hidden so a small cell cannot be backed out


@dataclass
class Protected:
    hidden: dict[int, str]  # index of a cell -> SMALL or WITHHELD
    total_hidden: bool = False


def protect(counts: list[int], min_cell: int, additive: bool = True) -> Protected:
    """Which cells of a table to hide. `additive`: the cells add up to a total that is published."""
    if min_cell <= 1:
        return Protected({})
    small = {i for i, value in enumerate(counts) if 0 < value < min_cell}
    hidden = dict.fromkeys(small, SMALL)
    if not additive or not small:
        return Protected(hidden)
    total = sum(counts)
    if total < min_cell:  # every non-zero cell is small, and so is the total: hide it with them
        return Protected(hidden, total_hidden=True)
    while not _safe(counts, hidden, min_cell):
        shown = sorted((value, i) for i, value in enumerate(counts) if value > 0 and i not in hidden)
        if not shown:
            return Protected(hidden, total_hidden=True)
        hidden[shown[0][1]] = WITHHELD
    return Protected(hidden)


def _safe(counts: list[int], hidden: dict[int, str], min_cell: int) -> bool:
    """Whether the sum of the hidden cells (total minus the shown ones) pins none of them down.

    With m small cells (each 1..min_cell-1) and n withheld ones (each >= min_cell) summing
    to S: with n >= 1 the withheld cells have no upper bound, so the only exact answer is
    the lowest one (S == n*min_cell + m: every small cell 1, every withheld cell min_cell);
    with n == 0 both extremes (all 1, all min_cell-1) give the cells away, and one hidden
    cell alone is always given away.
    """
    small = sum(1 for kind in hidden.values() if kind == SMALL)
    withheld = len(hidden) - small
    total = sum(counts[i] for i in hidden)
    if len(hidden) < 2:
        return False
    if withheld:
        return total > withheld * min_cell + small
    return small < total < small * (min_cell - 1)
