"""Words for stored codes, translated here (the models keep plain English codes)."""

from django.utils.translation import gettext_lazy as _

OUTCOMES = {
    "ingested": _("ingested"),
    "preserved": _("preserved (not a photo)"),
    "quarantined": _("quarantined"),
}

ACTIONS = {
    "acquired": _("acquired"),
    "ingested": _("ingested"),
    "quarantined": _("quarantined"),
    "sealed": _("sealed"),
    "verified": _("verified"),
    "exported": _("exported"),
    "original_viewed": _("original viewed"),
}

NEAR_DUPLICATE_STATUS = {
    "pending": _("awaiting review"),
    "same": _("same scene"),
    "different": _("different"),
}

NUMBER_FIELDS = {
    "branch": _("Branch"),
    "detainee_no": _("Detainee number"),
    "exam_no": _("Examination number"),
    "photo_date": _("Date"),
    "sequence": _("Photo in sequence"),
}


def outcome(code: str) -> str:
    return OUTCOMES.get(code, code)


def action(code: str) -> str:
    return ACTIONS.get(code, code)


def source(text: str) -> str:
    """Where a number came from: 'path' or 'sidecar row N'."""
    if text == "path":
        return _("the file's path")
    if text.startswith("sidecar row "):
        return _("the sidecar, row %(row)s") % {"row": text.removeprefix("sidecar row ")}
    return text
