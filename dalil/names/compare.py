"""Scores between name parts and whole names, each with the reasons a caseworker reads.

A part score is 0-100 (rapidfuzz's normalised Indel similarity): Latin against
Latin on phonetic keys, Arabic against Arabic on folded letters, and across
scripts on the folded Arabic a Latin part most likely stands for. Whole names
are compared part by part: each query part takes its best partner among the
record's parts (roles first: a first name against a first name), a part with no
partner counts as missing, and parts found in another order cost a little.
"""

from dataclasses import dataclass

from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

from dalil.names.parts import Part
from dalil.names.reasons import say_all

PART_MATCH = 70  # a part scoring below this is not taken as the same name
ORDER_PENALTY = 4  # points off a whole-name score for each part found out of order


def part_score(a: Part, b: Part) -> float:
    """How alike two name parts are, 0-100, whichever script each is written in."""
    if a.known and b.known and not a.known & b.known:
        return 50.0  # two different common names (Mahmoud, محمد), however close their letters
    if not a.arabic and not b.arabic:
        latin = fuzz.ratio(a.key, b.key)
        if latin >= 95:
            return latin
        return max(latin, _best(a.folded, b.folded) - 5)  # two Latin spellings of one Arabic name
    return _best(a.folded, b.folded)


def _best(left: list[str], right: list[str]) -> float:
    # Levenshtein over the longer length: one letter off in a short name (محمود, محمد) costs more than Indel's.
    return max((100 * Levenshtein.normalized_similarity(x, y) for x in left for y in right if x and y), default=0.0)


@dataclass
class NameMatch:
    """A whole-name comparison: the score (0-100), matched part pairs and reasons."""

    score: float
    matched: list[tuple[Part, Part, float]]
    missing: int
    reasons: list[dict]  # dalil.names.reasons: data, put into words when shown

    @property
    def sentences(self) -> list[str]:
        return say_all(self.reasons)


def compare_names(query: list[Part], record: list[Part]) -> NameMatch:
    """Compare a query's parts with a record's: each query part with its best unused record part."""
    if not query or not record:
        return NameMatch(0.0, [], len(query), [])
    scored = []
    for qi, q in enumerate(query):
        for ri, r in enumerate(record):
            s = part_score(q, r)
            if s >= PART_MATCH:
                same_role = bool(q.role) and q.role == r.role
                scored.append((s + (3 if same_role else 0), s, qi, ri))
    scored.sort(key=lambda t: (-t[0], t[2], t[3]))
    used_q, used_r, pairs = set(), set(), []
    for _rank, s, qi, ri in scored:
        if qi not in used_q and ri not in used_r:
            used_q.add(qi)
            used_r.add(ri)
            pairs.append((qi, ri, s))
    pairs.sort()
    out_of_order = sum(1 for (a, b) in zip(pairs, pairs[1:]) if b[1] < a[1])
    missing = len(query) - len(pairs)
    total = sum(s for _qi, _ri, s in pairs) / len(query) - ORDER_PENALTY * out_of_order
    reasons = [{"kind": "part", "role": record[ri].role or query[qi].role, "a": query[qi].text, "b": record[ri].text}
               for qi, ri, _s in pairs]
    if out_of_order:
        reasons.append({"kind": "order"})
    if missing:
        reasons.append({"kind": "missing", "n": missing})
    return NameMatch(max(0.0, round(total, 1)), [(query[qi], record[ri], s) for qi, ri, s in pairs], missing, reasons)
