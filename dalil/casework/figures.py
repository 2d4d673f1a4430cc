"""The association's figures: reports, claims, confirmed identifications and two shares, by branch and month."""

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db.models import Count

from dalil.identification.matching import branch_key
from dalil.identification.models import Claim, Identification, MissingPersonReport


@dataclass
class Row:
    label: str = ""
    reports: int = 0
    claims: int = 0
    confirmed: int = 0
    gave_details: int = 0
    would_testify: int = 0
    bar: int = field(default=0)  # reports as a percentage of the largest row, for the bar chart

    def share(self, count: int) -> int:
        return round(100 * count / self.reports) if self.reports else 0

    @property
    def details_share(self) -> int:
        return self.share(self.gave_details)

    @property
    def testify_share(self) -> int:
        return self.share(self.would_testify)


def _add(row: Row, report, claims: int, confirmed: int) -> None:
    row.reports += 1
    row.claims += claims
    row.confirmed += confirmed
    row.gave_details += report.gave_victim_details
    row.would_testify += report.would_testify == MissingPersonReport.Testify.YES


def compute(reports=None) -> dict:
    """{'total': Row, 'maybe_testify': int, 'by_branch': [Row], 'by_month': [Row]} over `reports`."""
    if reports is None:
        reports = MissingPersonReport.objects.all()
    reports = reports.only("pk", "created_at", "arresting_branch", "first_name_ar", "first_name_latin",
                           "arrest_date", "distinguishing_marks", "would_testify")
    claims = dict(Claim.objects.values_list("report_id").annotate(n=Count("pk")))
    confirmed = Counter(Identification.objects.filter(state=Identification.State.CONFIRMED)
                        .values_list("report_id", flat=True))
    total, maybe = Row(""), 0
    by_branch, by_month = defaultdict(Row), defaultdict(Row)
    for report in reports:
        n_claims, n_confirmed = claims.get(report.pk, 0), confirmed.get(report.pk, 0)
        _add(total, report, n_claims, n_confirmed)
        _add(by_branch[branch_key(report.arresting_branch)], report, n_claims, n_confirmed)
        _add(by_month[report.created_at.strftime("%Y-%m")], report, n_claims, n_confirmed)
        maybe += report.would_testify == MissingPersonReport.Testify.MAYBE
    branches = [_labelled(k, v) for k, v in sorted(by_branch.items(), key=lambda kv: (kv[0] == "", -kv[1].reports,
                                                                                     kv[0]))]
    months = [_labelled(k, v) for k, v in sorted(by_month.items())]
    for rows in (branches, months):
        top = max((r.reports for r in rows), default=0)
        for row in rows:
            row.bar = round(100 * row.reports / top) if top else 0
    return {"total": total, "maybe_testify": maybe, "by_branch": branches, "by_month": months}


def _labelled(label: str, row: Row) -> Row:
    row.label = label
    return row
