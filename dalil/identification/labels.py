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
