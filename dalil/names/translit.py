"""Latin spellings written in Arabic letters, from the learned table plus rules for Syrian names.

`latin_to_arabic("Halabi")` gives the few most likely folded Arabic spellings
(dalil.names.script.fold_arabic), best first. The table comes from
tools/train_names.py (trained on the names corpus's train split); the lexicon
of common Syrian names below gives the Arabic of spellings the corpus, mined from
Wikipedia's mostly foreign names, learns poorly (Mhd, Abdulrahman, Khaled).
"""

import heapq
from functools import lru_cache

from dalil.names import learned
from dalil.names.lexicon import lexicon_arabic
from dalil.names.script import fold_arabic, latin_plain

_MAX_GROUP = max(len(k) for k in learned.LATIN)
BEAM = 6
# Latin compounds as dalil.names.parts writes them, and their folded Arabic first word.
_COMPOUNDS = (("abdal", "ابدال"), ("abu", "ابو"))


@lru_cache(maxsize=200_000)
def _decode(marked: str, keep: int) -> tuple[tuple[str, float], ...]:
    """Beam search over the ways to cut `marked` (^word$) into learned Latin groups."""
    beams: list[list[tuple[float, str]]] = [[] for _ in range(len(marked) + 1)]
    beams[0] = [(0.0, "")]
    for i in range(len(marked)):
        if not beams[i]:
            continue
        for di in range(1, min(_MAX_GROUP, len(marked) - i) + 1):
            options = learned.LATIN.get(marked[i:i + di])
            if not options:
                continue
            for score, text in beams[i]:
                for arabic, logp in options:
                    beams[i + di].append((score + logp, text + arabic))
        if beams[i + 1:]:
            for k in range(i + 1, min(i + _MAX_GROUP, len(marked)) + 1):
                if len(beams[k]) > BEAM * 4:
                    beams[k] = heapq.nlargest(BEAM * 4, beams[k])
    best: dict[str, float] = {}
    for score, text in sorted(beams[len(marked)], reverse=True):
        if text not in best:
            best[text] = score
        if len(best) >= keep:
            break
    return tuple(best.items())


def latin_to_arabic(latin: str, keep: int = 3) -> list[str]:
    """Folded Arabic spellings of one Latin name part, most likely first (lexicon first, then learned)."""
    plain = latin_plain(latin)
    if not plain:
        return []
    out = [fold_arabic(a) for a in lexicon_arabic(plain)]
    for prefix, arabic in _COMPOUNDS:
        if plain.startswith(prefix) and len(plain) > len(prefix) + 1:
            # عبد الرحمن, أبو بكر: the first word is always spelled the same, the rest is learned.
            rest = plain[len(prefix):]
            out += [arabic + fold_arabic(a) for a in lexicon_arabic(rest)]
            out += [arabic + text for text, _s in _decode("^" + rest + "$", keep) if text]
            break
    for text, _score in _decode("^" + plain + "$", keep):
        if text and text not in out:
            out.append(text)
    return list(dict.fromkeys(out))
