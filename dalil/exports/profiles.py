"""Export profiles: what may leave the archive, decided once, by the recipient's kind.

- prosecutor: originals byte for byte, full metadata (a camera's serial number
  authenticates a photo in court), the custody log, and the missing-person
  reports whose family consented to share with prosecutors (contact details
  only where the family also consented to be contacted); a confirmed
  identification may be stated as "believed dead".
- partner: a partner organisation (an association, a UN mechanism): originals
  and metadata without identifying fields (camera serial, owner, GPS, software
  and other private EXIF/XMP), reports whose family consented to share with
  other bodies, never contact details, never a death status.
- public: aggregates only, cells under `min_cell` suppressed; no file, case,
  report or person leaves under it.
"""

from dataclasses import dataclass


class ProfileError(Exception):
    pass


@dataclass(frozen=True)
class Profile:
    name: str
    label: str
    originals: bool  # the stored files themselves
    metadata: str  # "full", "redacted" (no identifying fields) or "none"
    custody: bool  # custody-log excerpts
    report_consent: str | None  # MissingPersonReport boolean field that must be true to include a report
    contact_details: bool  # reporter name/phone/email (only with consent_contact as well)
    believed_dead: bool  # a confirmed identification may be exported as believed_dead
    aggregates_only: bool
    min_cell: int = 0  # counts below this (but above 0) are suppressed in tables

    def allows_report(self, report) -> bool:
        return self.report_consent is not None and bool(getattr(report, self.report_consent))

    def allows_contact(self, report) -> bool:
        return self.contact_details and self.allows_report(report) and bool(report.consent_contact)


PROSECUTOR = Profile("prosecutor", "Prosecutor", originals=True, metadata="full", custody=True,
                     report_consent="consent_prosecutors", contact_details=True, believed_dead=True,
                     aggregates_only=False)
PARTNER = Profile("partner", "Partner organisation", originals=True, metadata="redacted", custody=True,
                  report_consent="consent_other_bodies", contact_details=False, believed_dead=False,
                  aggregates_only=False)
PUBLIC = Profile("public", "Public", originals=False, metadata="none", custody=False, report_consent=None,
                 contact_details=False, believed_dead=False, aggregates_only=True, min_cell=5)

PROFILES = {p.name: p for p in (PROSECUTOR, PARTNER, PUBLIC)}


def get(name: str) -> Profile:
    try:
        return PROFILES[name]
    except KeyError:
        raise ProfileError(f"unknown export profile {name!r}: choose one of {', '.join(PROFILES)}") from None
