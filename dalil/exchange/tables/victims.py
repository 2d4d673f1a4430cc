"""Rows of a file detailing the victims, linked to body cases by their three numbers, never merged silently.

Numbers compare as grouping compares them (ASCII digits, no leading zeros). The
examination number names a body: one case with it, agreeing on branch and
detainee number, is a match. A case that has one of the row's numbers but
disagrees on another is a conflict; several cases fitting is ambiguous; none is
unmatched. Every row is kept with its outcome and reason for an analyst; only a
match sets the case. A row with the same values as one imported before (from
any file) is skipped; another row for the same numbers is kept beside it.
"""

from dalil.archive.models import BodyCase
from dalil.exchange.models import VictimListEntry
from dalil.exchange.tables.plan import RowPlan
from dalil.exchange.tables.values import RowError, clean_row, digest

Match = VictimListEntry.Match


def _numbers(case: BodyCase) -> str:
    return f"case #{case.pk} ({case.branch or '?'}/{case.detainee_no or '?'}/{case.exam_no or '?'})"


def match_case(branch: str, detainee: str, exam: str) -> tuple[str, BodyCase | None, str]:
    """(outcome, the matched case or None, the reason in words)."""
    live = BodyCase.objects.filter(merged_into__isnull=True)
    body = list(live.filter(branch=branch, detainee_no=detainee).order_by("pk")[:5]) if branch and detainee else []
    if exam:
        by_exam = list(live.filter(exam_no=exam).order_by("pk")[:5])
        if len(by_exam) > 1:
            return Match.AMBIGUOUS, None, f"examination number {exam} is on {len(by_exam)} cases: " + ", ".join(
                _numbers(c) for c in by_exam)
        if by_exam:
            case = by_exam[0]
            for name, value, theirs in (("branch", branch, case.branch), ("detainee number", detainee,
                                                                           case.detainee_no)):
                if value and theirs and value != theirs:
                    return Match.CONFLICT, None, (f"examination number {exam} is {_numbers(case)}, whose {name} is "
                                                  f"{theirs}, not {value}")
            return Match.MATCHED, case, f"examination number {exam}: {_numbers(case)}"
        if body:
            return Match.CONFLICT, None, (f"branch {branch} detainee {detainee} is {_numbers(body[0])}, under "
                                          f"another examination number than {exam}")
        return Match.UNMATCHED, None, "no case has these numbers"
    if len(body) > 1:
        return Match.AMBIGUOUS, None, f"branch {branch} detainee {detainee} is on several cases: " + ", ".join(
            _numbers(c) for c in body)
    if body:
        return Match.MATCHED, body[0], f"branch {branch} detainee {detainee}: {_numbers(body[0])}"
    return Match.UNMATCHED, None, "no case has these numbers"


def plan_rows(table, mapping) -> list[RowPlan]:
    plans, seen, by_numbers = [], {}, {}
    for number, cells in table.rows:
        try:
            values = clean_row(cells, mapping.columns)
        except RowError as exc:
            plans.append(RowPlan(number, "invalid", [str(exc)]))
            continue
        branch, detainee, exam = (values.get(k, "") for k in ("branch", "detainee_no", "exam_no"))
        if not exam and not (branch and detainee):
            plans.append(RowPlan(number, "invalid", ["no examination number, nor branch and detainee number"]))
            continue
        key = digest(values)
        plan = RowPlan(number, "create", values=values, key=key)
        plan.target = "/".join(n or "?" for n in (branch, detainee, exam))
        if key in seen:
            plan.action, plan.reasons = "skip", [f"the same values as row {seen[key]}"]
            plans.append(plan)
            continue
        seen[key] = number
        before = VictimListEntry.objects.filter(content_key=key).select_related("run").first()
        if before is not None:
            plan.action = "skip"
            plan.reasons = [f"already imported from {before.run.file_name} row {before.row_number}"]
            plans.append(plan)
            continue
        plan.match, case, reason = match_case(branch, detainee, exam)
        plan.case = case.pk if case else None
        plan.reasons.append(reason)
        others = VictimListEntry.objects.filter(exam_no=exam) if exam else VictimListEntry.objects.filter(
            branch=branch, detainee_no=detainee)
        earlier = [f"row {by_numbers[plan.target]}"] if plan.target in by_numbers else []
        earlier += [f"{e.run.file_name} row {e.row_number}" for e in others.select_related("run")[:3]]
        if earlier:
            plan.reasons.append(f"another entry has these numbers ({', '.join(earlier)}): both kept, for an analyst")
        by_numbers.setdefault(plan.target, number)
        plans.append(plan)
    return plans


def apply_rows(plans: list[RowPlan], run, table, sha256: str) -> None:
    headers = [str(h) for h in table.headers]
    cells_by_row = dict(table.rows)
    for plan in plans:
        if plan.action != "create":
            continue
        cells = cells_by_row[plan.row]
        raw = {headers[i] if i < len(headers) else f"column {i + 1}": c for i, c in enumerate(cells) if c}
        values = plan.values
        name = values.get("full_name") or " ".join(values[k] for k in ("first_name", "father_name", "family_name")
                                                    if values.get(k))
        VictimListEntry.objects.create(
            run=run, source_sha256=sha256, sheet=table.sheet[:200], row_number=plan.row, content_key=plan.key,
            raw=raw, values=values, branch=values.get("branch", "")[:20], detainee_no=values.get("detainee_no", "")[:40],
            exam_no=values.get("exam_no", "")[:40], full_name=name[:400], match=plan.match,
            match_reason="; ".join(plan.reasons), case_id=plan.case)
