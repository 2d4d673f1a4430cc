"""A custody row's details as labelled fields in the reader's language, not as JSON.

The log stores each row's details as JSON with English keys and codes (they are part of the hashed row and
never change); this module turns them into (label, value, technical) triples for the custody page. Codes
(an outcome, a quarantine problem, an acquisition or export kind, a profile) are shown in words; paths,
hashes, addresses and keys are technical values shown left to right; an unknown key is shown as it is, so
nothing stored is ever hidden.
"""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from dalil.archive.views import labels
from dalil.reports import labels as code_labels

FIELDS = {
    "source": gettext_lazy("Source"),
    "kind": gettext_lazy("Kind"),
    "received_from": gettext_lazy("Received from"),
    "medium": gettext_lazy("Medium"),
    "bag_info": gettext_lazy("Package information (bag-info)"),
    "path": gettext_lazy("Path"),
    "raw_path_b64": gettext_lazy("Path as stored (base64)"),
    "member_index": gettext_lazy("Position in the zip file"),
    "size": gettext_lazy("Size (bytes)"),
    "outcome": gettext_lazy("Outcome"),
    "problem": gettext_lazy("Problem"),
    "complete": gettext_lazy("Read completely"),
    "job": gettext_lazy("Export job"),
    "profile": gettext_lazy("Profile"),
    "scope": gettext_lazy("Scope"),
    "recipient": gettext_lazy("Recipient"),
    "output_sha256": gettext_lazy("Output fingerprint (SHA-256)"),
    "output_size": gettext_lazy("Output size (bytes)"),
    "ok": gettext_lazy("Result"),
    "items_checked": gettext_lazy("Files checked"),
    "problems": gettext_lazy("Problems"),
    "first_problems": gettext_lazy("First problems"),
    "anchors_checked": gettext_lazy("Anchors checked"),
    "root": gettext_lazy("Merkle root"),
    "tree_size": gettext_lazy("Files under the seal"),
    "key_fingerprint": gettext_lazy("Signing key fingerprint"),
    "seal_id": gettext_lazy("Seal"),
    "statement_sha256": gettext_lazy("Seal statement fingerprint (SHA-256)"),
    "custody_rows": gettext_lazy("Custody log rows sealed"),
    "custody_head": gettext_lazy("Last custody log row's hash"),
    "ip": gettext_lazy("Address (IP)"),
}
TECHNICAL = {"source", "bag_info", "path", "raw_path_b64", "output_sha256", "root", "key_fingerprint",
             "statement_sha256", "custody_head", "ip", "first_problems", "scope"}
KINDS = {  # acquisition kinds (ingest) and export kinds
    "folder": gettext_noop("folder"), "zip": gettext_noop("zip file"), "bagit": gettext_noop("BagIt package"),
    "file": gettext_noop("single file"), "bag": gettext_noop("evidence package (BagIt)"),
    "pfif": gettext_noop("missing-person records (PFIF 1.4)"), "report": gettext_noop("report document"),
    "statistics": gettext_noop("statistics"),
}
PROFILES = {"prosecutor": gettext_noop("Prosecutor"), "partner": gettext_noop("Partner organisation"),
            "public": gettext_noop("Public")}


def _value(key: str, value):
    if isinstance(value, bool):
        if key == "ok":
            return _("no problem found") if value else _("problems found")
        return _("yes") if value else _("no")
    if key == "outcome":
        return labels.outcome(value)
    if key == "problem":
        return code_labels.label(code_labels.QUARANTINE, value)
    if key == "kind":
        return _(KINDS[value]) if value in KINDS else value
    if key == "profile":
        return _(PROFILES[value]) if value in PROFILES else value
    if isinstance(value, dict):
        return ", ".join(f"{k}: {v}" for k, v in value.items())
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    return value


def fields(details: dict) -> list[tuple[str, object, bool]]:
    """(label, value, technical) for each detail, in FIELDS' order, then any key FIELDS does not know."""
    details = details or {}
    known = [k for k in FIELDS if k in details]
    rest = sorted(k for k in details if k not in FIELDS)
    out = []
    for key in known + rest:
        value = details[key]
        if value in ("", None, [], {}):
            continue
        label = FIELDS.get(key, key)
        technical = key in TECHNICAL or key not in FIELDS or isinstance(value, (dict, list))
        out.append((label, _value(key, value), technical))
    return out
