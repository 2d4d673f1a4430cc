"""`dalil import table`: read, map, plan every row, then (unless a dry run) apply the plan in one transaction."""

from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

from django.db import transaction

from dalil.exchange import common
from dalil.exchange.models import ImportRun, Rejection
from dalil.exchange.tables import mapping as M
from dalil.exchange.tables import reports, victims
from dalil.exchange.tables.read import TableError, read_table

FIRST = 20


class TableImportError(Exception):
    """Nothing can be imported; str() says what to fix (a file, a sheet, a column)."""


@dataclass
class TableSummary:
    file: str
    sha256: str
    kind: str
    sheet: str = ""
    dry_run: bool = False
    run: int | None = None
    rows: int = 0
    counts: dict = field(default_factory=dict)  # action -> rows
    matches: dict = field(default_factory=dict)  # victims: outcome -> rows
    mapping: list = field(default_factory=list)  # "Header -> field" lines, for review
    unmapped: list = field(default_factory=list)
    plans: list = field(default_factory=list)  # per row: action, reasons, target (no contact details)

    def as_dict(self) -> dict:
        return asdict(self)


def import_table(path, kind: str, actor: str, sheet: str | None = None, overrides: str | None = None,
                 dry_run: bool = False, consents: dict | None = None) -> TableSummary:
    """The CLI's entry: a file on disk, its format by its name, the mapping automatic unless --map overrides it."""
    path = Path(path)
    if kind not in M.FIELDS:
        raise TableImportError(f"--kind must be one of {', '.join(M.FIELDS)}")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise TableImportError(f"{path}: cannot read it ({exc.strerror or exc})") from None
    return import_bytes(raw, path, kind, actor, sheet=sheet, overrides=overrides, dry_run=dry_run, consents=consents)


def load_table(raw: bytes, path, kind: str, sheet: str | None = None, overrides: str | None = None,
               columns: dict | None = None):
    """(table, mapping): `columns` (index -> field or "-", the web form) or else the automatic mapping + overrides."""
    path = Path(path)
    try:
        table = read_table(path, raw, sheet)
        mapping = M.from_columns(table.headers, kind, columns) if columns is not None else M.build(
            table.headers, kind, overrides)
    except (TableError, M.MappingError) as exc:
        raise TableImportError(f"{path.name}: {exc}") from None
    return table, mapping


def import_bytes(raw: bytes, path, kind: str, actor: str, sheet: str | None = None, overrides: str | None = None,
                 columns: dict | None = None, dry_run: bool = False, consents: dict | None = None,
                 request=None) -> TableSummary:
    """Plan every row of `raw` (read as `path` names it), then apply the plan unless a dry run.

    The CLI and the web pages both come here: `request`, when given, puts the web client's address on the audit rows.
    """
    path = Path(path)
    if kind not in M.FIELDS:
        raise TableImportError(f"--kind must be one of {', '.join(M.FIELDS)}")
    table, mapping = load_table(raw, path, kind, sheet, overrides, columns)
    summary = TableSummary(str(path), common.sha256_bytes(raw), kind, table.sheet, dry_run, rows=len(table.rows),
                           mapping=mapping.describe(table.headers), unmapped=mapping.unknown)
    module = reports if kind == "reports" else victims
    plans = module.plan_rows(table, mapping)
    summary.counts = dict(Counter(p.action for p in plans))
    summary.matches = dict(Counter(p.match for p in plans if p.match and p.action == "create"))
    if not dry_run:
        with transaction.atomic():
            run = ImportRun.objects.create(
                kind=kind, file_name=path.name[:500], file_sha256=summary.sha256, file_size=len(raw), actor=actor,
                options={"sheet": table.sheet, "mapping": {table.headers[i]: f for i, f in mapping.columns.items()},
                         "consents": consents or {}, **({"via": "web"} if request is not None else {})})
            summary.run = run.pk
            with common.audit_request(request):
                if kind == "reports":
                    reports.apply_rows(plans, run, consents or {}, actor)
                else:
                    victims.apply_rows(plans, run, table, summary.sha256)
                for plan in plans:
                    if plan.action == "invalid":
                        Rejection.objects.create(run=run, what=f"row {plan.row}", reason="; ".join(plan.reasons))
                run.summary = {"counts": summary.counts, "matches": summary.matches,
                               "invalid": [p.line() for p in plans if p.action == "invalid"][:FIRST]}
                run.save(update_fields=["summary"])
                common.record_audit(common.IMPORTED, f"import:{run.pk}", actor, kind=kind, file=path.name,
                                    sha256=summary.sha256, **summary.counts)
    summary.plans = [p.as_dict(private=reports.PRIVATE) for p in plans]
    return summary
