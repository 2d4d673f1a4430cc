"""What one spreadsheet row would do (create, update, skip, invalid) and why: the dry run shows exactly this."""

from dataclasses import asdict, dataclass, field


@dataclass
class RowPlan:
    row: int
    action: str  # create | update | skip | invalid
    reasons: list = field(default_factory=list)
    values: dict = field(default_factory=dict)
    key: str = ""
    external_id: str = ""
    target: str = ""  # the report reference or case it concerns
    match: str = ""  # victims: matched | unmatched | conflict | ambiguous
    case: int | None = None

    def as_dict(self, private: tuple = ()) -> dict:
        out = asdict(self)
        out["values"] = {k: v for k, v in self.values.items() if k not in private}
        out.pop("key")
        return out

    def line(self) -> str:
        what = f" {self.target}" if self.target else ""
        match = f" [{self.match}]" if self.match else ""
        return f"row {self.row:>5}: {self.action}{what}{match}" + (f" — {'; '.join(self.reasons)}" if self.reasons
                                                                   else "")
