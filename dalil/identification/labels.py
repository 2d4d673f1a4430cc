"""The choice labels of the identification models (and case categories), marked for translation.

The models keep plain-string labels (changing them would mean a migration for
every consumer); pages translate them at display time with
`{% translate obj.get_state_display %}` or gettext(label), and these no-op
markers put the strings in this app's Arabic catalogue.
"""

from django.utils.translation import gettext_noop

LABELS = [
    # Identification.State
    gettext_noop("claimed"), gettext_noop("corroborated"), gettext_noop("confirmed"), gettext_noop("rejected"),
    # MissingPersonReport.Status
    gettext_noop("received"), gettext_noop("being reviewed"), gettext_noop("a possible match is being checked"),
    gettext_noop("identification confirmed"), gettext_noop("closed"),
    # Sex, Testify, SearchRequest.Status
    gettext_noop("unknown"), gettext_noop("male"), gettext_noop("female"),
    gettext_noop("yes"), gettext_noop("no"), gettext_noop("maybe, later"), gettext_noop("open"), gettext_noop("done"),
    # BodyCase.Category (archive), as shown in matching reasons
    gettext_noop("died in custody"), gettext_noop("soldier or security forces"), gettext_noop("attack scene"),
]

# An identification in the state "claimed" was opened either by the family (a Claim on the same case) or by a
# caseworker's proposal; the pages say which, so a proposal never reads as if the family had claimed it.
CLAIMED_BY_FAMILY = gettext_noop("claimed by the family")
PROPOSED_BY_CASEWORKER = gettext_noop("proposed by a caseworker")


def family_claimed(ident) -> bool:
    """Whether the report's family claimed the identification's case (read from `family_claimed` when a
    query annotated it)."""
    known = getattr(ident, "family_claimed", None)
    if known is not None:
        return bool(known)
    from dalil.identification.models import Claim

    return Claim.objects.filter(report_id=ident.report_id, case_id=ident.case_id).exists()


def identification_label(ident) -> str:
    """The state in words, translated: who opened it while it is "claimed", the state itself after that."""
    from django.utils.translation import gettext

    if ident.state == "claimed":
        return gettext(CLAIMED_BY_FAMILY if family_claimed(ident) else PROPOSED_BY_CASEWORKER)
    return gettext(ident.get_state_display())
