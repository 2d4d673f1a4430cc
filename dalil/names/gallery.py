"""An in-memory set of single names searched across scripts: retrieve by folded letters, rank by part_score.

For lists held in memory (the benchmark, a spreadsheet being mapped): rapidfuzz
picks the RETRIEVE nearest folded spellings in C, then dalil.names.compare's
part_score (phonetic keys, the lexicon, learned spellings) orders those few.
"""

from rapidfuzz import fuzz, process

from dalil.names.compare import part_score
from dalil.names.parts import Part

RETRIEVE = 40


class Gallery:
    def __init__(self, names: list[str]):
        self.parts = [Part(n) for n in names]
        self._strings, self._owner = [], []
        for i, part in enumerate(self.parts):
            for folded in part.folded:
                if folded:
                    self._strings.append(folded)
                    self._owner.append(i)

    def search(self, name: str, top: int = 10) -> list[tuple[int, float]]:
        """[(index into the gallery's names, score 0-100)], best first."""
        query = Part(name)
        found: dict[int, None] = {}
        for folded in query.folded:
            for _text, _score, k in process.extract(folded, self._strings, scorer=fuzz.ratio, limit=RETRIEVE):
                found.setdefault(self._owner[k])
        ranked = sorted(((i, part_score(query, self.parts[i])) for i in found), key=lambda t: (-t[1], t[0]))
        return ranked[:top]

    def names_at(self, ranked: list[tuple[int, float]]) -> list[str]:
        """The names of search()'s answer, in its order."""
        return [self.parts[i].text for i, _score in ranked]
