"""A body's name (from a list detailing the victims) against a report's names, as a likelihood ratio.

dalil.identification.matching fuses independent findings by their likelihood
ratios (LR = P(finding | same person) / P(finding | different person)); the
name is one more finding when a victim-list entry gives the body a name:

    name_lr(report, case) -> (LR, reason sentence) or None (no name on either side)

The victim list's name (first, father, [grandfather], family, by position) is
compared part by part with the report's names in both scripts
(dalil.names.compare). The score falls in a bin; each bin's LR comes from
synthetic reports (dalil.ingest.synth.synth_reports(3000, seed 7): the same
person's other report vs 20,000 pairs of different people, brothers and
namesakes included), written down below with a floor of 0.5 % on each side,
since a list can be wrong and a synthetic population is not Syria's:

    name score    same person   different people   LR (with the floor)
    >= 95         95.7 %        0.035 %            ×180 (the floor holds it: real namesakes are commoner)
    85-95          2.6 %        0.005 %            ×6.1
    70-85          0.0 %        0.0 %              ×1
    < 70           1.7 %       99.96 %             ÷46

Parts one side cannot speak to are left out: victim lists carry no mother's
name, and a list's father's name says nothing against a report without one.
"""

import math

from django.utils.translation import gettext_noop

from dalil.names.compare import compare_names
from dalil.names.index import positional_parts, report_parts
from dalil.names.parts import Part, split_name

FLOOR = 0.005
# (lowest score of the bin, P(bin | same), P(bin | different)), highest bin first; see the table above
BINS = ((95.0, 0.957, 0.00035), (85.0, 0.026, 0.00005), (70.0, 0.0, 0.0), (0.0, 0.017, 0.9996))


def _report_parts_from_row(row: dict) -> list[Part]:
    """A synthetic report row's parts (dalil.ingest.synth), as a report's (for calibrating the bins)."""
    out = []
    for script in ("ar", "latin"):
        for role in ("first", "father", "grandfather", "family", "mother"):
            if row.get(f"{role}_name_{script}"):
                out += split_name(row[f"{role}_name_{script}"], role)
    return out


def _victim_parts(full_name: str) -> list[Part]:
    return [p for role, text in positional_parts(full_name) for p in split_name(text, role)]


def name_score(report_parts: list[Part], victim_parts: list[Part]) -> float:
    """0-100: how well the list's name is found among the report's names (mother's name left out)."""
    report_parts, victim_parts = _comparable(report_parts, victim_parts)
    if not report_parts or not victim_parts:
        return 0.0
    return compare_names(victim_parts, report_parts).score


def _comparable(report_parts: list[Part], victim_parts: list[Part]) -> tuple[list[Part], list[Part]]:
    """The parts both sides can speak to: the mother's name is not on victim lists, and a list's father's
    name says nothing against a report that left the father out."""
    report_parts = [p for p in report_parts if p.role != "mother"]
    roles = {p.role for p in report_parts}
    return report_parts, [p for p in victim_parts if not p.role or p.role in roles]


def lr_for_score(score: float) -> float:
    for lowest, same, different in BINS:
        if score >= lowest:
            return (same + FLOOR) / (different + FLOOR)
    return 1.0


NAME_MESSAGE = gettext_noop("Name on the victim list: %(name)s (%(how)s).")


def _best(report, case):
    """(score, the list's name, NameMatch) of the case's victim-list name that best fits the report, or None."""
    if case.pk is None:
        return None
    # .all(): served from the ranking's prefetch (one query for every scored case), filtered here
    names = [e.full_name for e in case.victim_entries.all() if e.full_name.strip()]
    if not names:
        return None
    parts = [p for role, text in report_parts(report) for p in split_name(text, role)]
    best = None
    for name in names:
        mine, victim = _comparable(parts, _victim_parts(name))
        match = compare_names(victim, mine) if victim and mine else None
        if match and (best is None or match.score > best[0]):
            best = (match.score, name, match)
    return best


def name_lr(report, case) -> tuple[float, str] | None:
    """(LR, a reason sentence) for the best-matching name a victim list gives the case; None if no name."""
    from django.utils.translation import gettext as _

    best = _best(report, case)
    if best is None:
        return None
    score, name, match = best
    return lr_for_score(score), _(NAME_MESSAGE) % {"name": name, "how": "; ".join(match.sentences[:4]) or "—"}


def finding(report, case):
    """The name as a finding for dalil.identification.matching: (code, log10 LR, message, params), or None."""
    best = _best(report, case)
    if best is None:
        return None
    score, name, match = best
    ratio = lr_for_score(score)
    return ("name_matches" if ratio > 1 else "name_differs", math.log10(ratio), NAME_MESSAGE,
            {"name": name, "how": "; ".join(match.sentences[:4]) or "—"})
