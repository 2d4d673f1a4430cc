"""Families' contact details in an evidence package: encrypted to the recipient with age, or withheld.

A prosecutor package may carry the reporter's name, phone and email for the
reports whose family consented both to share with prosecutors and to be
contacted. Those three fields reach the family (the reporter, not the missing
person), so they never sit in clear in a package, which travels on disks and
through mail servers: they go into one file, data/contacts.age, encrypted
with age (https://age-encryption.org, X25519) to the public key(s) the
recipient gave, and listed in the manifests like any other payload file. The
rest of the package (the missing person's details, the evidence) stays
readable and checkable without the key, which is what a court clerk needs.

Contact details leave only when three things hold (`decide`):
1. the profile allows them (prosecutor; the partner profile never does),
2. whoever exports may see contact details themselves (caseworker or admin;
   an archivist may export evidence but may not open contact pages, so an
   archivist's package withholds them), and
3. a recipient key was given (without one they are withheld: there is nowhere
   safe to put them).
Whenever one fails the package is made without them, and the summary and the
README say so in a sentence.
"""

import json
from dataclasses import dataclass, field
from pathlib import Path

import pyrage

from dalil.lib.roles import FAMILY_CONTACT, has_role

FORMAT = "dalil-contacts/1"
FILE = "contacts.age"  # under data/
PATH = f"data/{FILE}"
CONTACT_ROLES = FAMILY_CONTACT  # who may see families' contact details in dalil: caseworker, admin (lib/roles.py)

WITHHELD_NO_KEY = ("the families' contact details were withheld: no recipient public key (age) was given to encrypt "
                   "them to")
WITHHELD_ROLE = ("the families' contact details were withheld: {actor} may not see contact details (only a "
                 "caseworker or an administrator may export them)")


class ContactKeyError(Exception):
    """A recipient key cannot be used; str() says what to give instead."""


def may_export_contacts(user) -> bool:
    return has_role(user, *CONTACT_ROLES)


def parse_keys(keys) -> list[pyrage.x25519.Recipient]:
    """age public keys (age1…), one per string, as the recipient gave them; refuses anything else by name."""
    recipients = []
    for key in keys:
        key = key.strip()
        if not key:
            continue
        try:
            recipients.append(pyrage.x25519.Recipient.from_str(key))
        except pyrage.RecipientError:
            shown = key if len(key) <= 24 else key[:20] + "…"
            hint = (" (that is a secret key: never send it; give the public key, the line age-keygen prints as "
                    "'Public key: age1…')" if key.upper().startswith("AGE-SECRET-KEY-") else "")
            raise ContactKeyError(f"{shown!r} is not an age public key{hint}: a public key starts with age1 and is "
                                  "62 characters long, as `age-keygen` or `rage-keygen` prints it") from None
    return recipients


def read_key_file(path) -> list[str]:
    """The keys of a recipients file, as `age -R` reads it: one public key a line, # comments and blank lines."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ContactKeyError(f"cannot read the recipient key file {path}: {getattr(exc, 'strerror', None) or exc}") \
            from None
    keys = [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    if not keys:
        raise ContactKeyError(f"{path} holds no age public key (one age1… key a line)")
    return keys


def normalise_keys(keys) -> list[str]:
    """The keys as they will be recorded: checked, stripped, without duplicates, in the order given."""
    parse_keys(keys)
    seen = []
    for key in (k.strip() for k in keys):
        if key and key not in seen:
            seen.append(key)
    return seen


@dataclass
class ContactBox:
    """Collects contact details while a package is written; sealed into data/contacts.age at the end.

    `include` is False when they must be withheld; `reason` then says why (one sentence for the README).
    """

    include: bool
    reason: str = ""
    why: str = ""  # "no_key" or "role" when withheld: the README says it in both languages
    keys: list[str] = field(default_factory=list)
    entries: dict[str, dict] = field(default_factory=dict)  # report reference -> contact details
    withheld_count: int = 0  # reports whose contact details could have left but were withheld

    def add(self, reference: str, name: str, phone: str, email: str) -> dict:
        """Keep one report's contact details; returns what the case file says in their place."""
        self.entries[reference] = {"name": name, "phone": phone, "email": email,
                                   "consent": "the family consented to be contacted"}
        return {"encrypted": PATH, "report": reference,
                "how_to_open": "decrypt data/contacts.age with the recipient's age identity (see README.txt); "
                               "the contact details of this report are under its reference"}

    def withhold(self) -> dict:
        """What the case file says instead of one report's contact details."""
        self.withheld_count += 1
        return {"withheld": self.reason}

    def seal(self, identifier: str) -> bytes:
        """The age-encrypted JSON of every contact collected, to every recipient key."""
        plain = json.dumps({"format": FORMAT, "package": identifier, "reports": self.entries}, ensure_ascii=False,
                           indent=2, sort_keys=True).encode("utf-8")
        return pyrage.encrypt(plain, parse_keys(self.keys))

    def summary(self) -> dict:
        """What the job, the README and the audit log record: never the details themselves."""
        if self.include and self.entries:
            return {"mode": "encrypted", "count": len(self.entries), "keys": self.keys, "file": PATH}
        if self.withheld_count:
            return {"mode": "withheld", "count": 0, "withheld": self.withheld_count, "reason": self.reason,
                    "why": self.why}
        return {"mode": "none", "count": 0}


def decide(profile, keys, allowed: bool, actor: str) -> ContactBox:
    """Whether this package may carry contact details (see the module's docstring), as a ContactBox.

    A key given for a profile that never carries contact details, or by someone who may not export them, is
    refused rather than silently ignored: whoever typed it expects the contacts to be there.
    """
    keys = normalise_keys(keys)
    if not profile.contact_details:
        if keys:
            raise ContactKeyError(f"the {profile.name} profile never includes contact details: leave out the "
                                  "recipient key")
        return ContactBox(include=False, reason="")
    if not allowed:
        if keys:
            raise ContactKeyError(f"{actor} may not export families' contact details (only a caseworker or an "
                                  "administrator may): leave out the recipient key, and the package is made without "
                                  "them")
        return ContactBox(include=False, reason=WITHHELD_ROLE.format(actor=actor), why="role")
    if not keys:
        return ContactBox(include=False, reason=WITHHELD_NO_KEY, why="no_key")
    return ContactBox(include=True, keys=keys)


def open_package_contacts(data: bytes, identities) -> dict:
    """Decrypt a package's contacts.age with age identities (AGE-SECRET-KEY-1… strings); for tests and tools."""
    parsed = [pyrage.x25519.Identity.from_str(i.strip()) for i in identities]
    return json.loads(pyrage.decrypt(data, parsed))
