"""What other parts of dalil have committed to a case, so that a merge or a split never breaks it silently.

The archive knows cases and photos; it does not know missing-person reports,
claims or identifications (dalil.identification builds on the archive, not the
other way round). So an app that hangs something on a case registers a
`CaseCommitments` here (dalil.identification does, in its AppConfig.ready()),
and the case operations (dalil.archive.views.cases.edits) ask the registry:

- `on(case)`: what is committed to the case (a claim, a proposal, an
  identification), each with a sentence and a link for the person who must
  resolve it;
- `carry_over(source, target, ...)`: a merge moves them to the surviving case
  (or refuses with a sentence, e.g. two confirmed identifications would meet);
  it returns a JSON record that `put_back()` uses when the merge is undone.

A change refused because of them raises `CaseCommitted`, whose message is a
sentence and whose `commitments` the page lists with their links.
"""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Commitment:
    kind: str  # "claim", "proposal", "identification": what it is, for code
    text: str  # what it is, translated, for the person (e.g. "identification #2 (confirmed) with report DL-…")
    url: str = ""  # where it is resolved
    final: bool = False  # a confirmed identification: the family has been told


class CaseCommitted(Exception):
    """A case change refused because of commitments on the case; str() is a sentence saying what to do."""

    def __init__(self, message: str, commitments=()):
        super().__init__(message)
        self.commitments = list(commitments)


class CaseCommitments:
    """What an app registers; the default commits nothing."""

    key = "base"

    def on(self, case) -> list[Commitment]:
        return []

    def carry_over(self, source, target, note: str, actor: str) -> dict:
        """Move what is committed to `source` onto `target` (in the caller's transaction); raise CaseCommitted
        when it cannot be done; return what moved, as JSON, for put_back()."""
        return {}

    def put_back(self, record: dict, actor: str) -> None:
        """Undo carry_over(): what it moved goes back, where it is still where carry_over left it."""


@dataclass
class _Registry:
    hooks: dict = field(default_factory=dict)

    def register(self, hook: CaseCommitments) -> None:
        self.hooks[hook.key] = hook  # by key: registering twice (tests, reloads) does not ask twice

    def on(self, case) -> list[Commitment]:
        return [c for hook in self.hooks.values() for c in hook.on(case)]

    def carry_over(self, source, target, note: str, actor: str) -> dict:
        return {key: hook.carry_over(source, target, note, actor) for key, hook in self.hooks.items()}

    def put_back(self, record: dict, actor: str) -> None:
        for key, moved in (record or {}).items():
            if key in self.hooks and moved:
                self.hooks[key].put_back(moved, actor)


registry = _Registry()
register = registry.register
