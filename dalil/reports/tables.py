"""A table of counts as every page, chart and report shows it: rows with a key, a label, a value and its text.

One shape for staff and public figures: public tables are passed through
`dalil.reports.suppression` by `Table.protected`, which replaces small counts
by "<5" and complementary ones by "withheld", and never changes a staff table.
"""

from dataclasses import dataclass, field, replace

from django.utils.translation import gettext as _

from dalil.reports import suppression


def number(value: int) -> str:
    """A count as text: digits grouped by thousands, the same in both languages."""
    return f"{value:,}"


@dataclass
class Row:
    key: str  # what was counted: "215", "2012-05", "custody"; "" for "not recorded"
    label: str  # the key as a reader sees it, in the active language
    value: int
    hidden: str = ""  # "", suppression.SMALL or suppression.WITHHELD
    text: str = ""  # the value as shown: "1,234", "<5", "withheld"

    def __post_init__(self):
        if not self.text:
            self.text = number(self.value)


@dataclass
class Table:
    name: str  # a stable identifier: "cases_by_branch"
    rows: list[Row] = field(default_factory=list)
    additive: bool = True  # the rows add up to `total` (false for, e.g., injury codes: a case may have several)
    total: int | None = None  # when not additive: the count the rows are shares of (e.g. coded cases)
    total_hidden: bool = False
    suppressed: bool = False  # small cells were looked for (a public table)

    def __post_init__(self):
        if self.total is None:
            self.total = sum(row.value for row in self.rows)

    @property
    def total_text(self) -> str:
        if self.total_hidden:
            return _("withheld")
        return number(self.total)

    @property
    def largest(self) -> int:
        return max((row.value for row in self.rows if not row.hidden), default=0)

    @property
    def has_hidden(self) -> bool:
        return self.total_hidden or any(row.hidden for row in self.rows)

    def protected(self, min_cell: int) -> "Table":
        """A copy with small cells (and the cells that would give them away) hidden."""
        result = suppression.protect([row.value for row in self.rows], min_cell, additive=self.additive)
        rows = []
        for i, row in enumerate(self.rows):
            kind = result.hidden.get(i, "")
            text = (_("<%(n)s") % {"n": min_cell} if kind == suppression.SMALL
                    else _("withheld") if kind == suppression.WITHHELD else row.text)
            rows.append(replace(row, hidden=kind, text=text))
        total_hidden = result.total_hidden or (not self.additive and 0 < self.total < min_cell)
        return replace(self, rows=rows, total_hidden=total_hidden, suppressed=True)

    def as_dict(self) -> dict:
        """For `--json`: hidden cells carry no value."""
        return {"name": self.name, "additive": self.additive,
                "total": None if self.total_hidden else self.total,
                "rows": [{"key": r.key, "label": r.label, "value": None if r.hidden else r.value,
                          "shown": r.text, "hidden": r.hidden} for r in self.rows]}
