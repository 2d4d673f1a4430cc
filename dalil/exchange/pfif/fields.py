"""PFIF 1.1-1.4: namespaces, fields per version, renames to 1.4 names, and value checks.

Reference: http://zesty.ca/pfif/ and google/personfinder's app/pfif.py. Every
record read here is turned into PFIF 1.4 field names (first_name -> given_name,
last_name -> family_name, home_zip -> home_postal_code, found ->
author_made_contact, other -> description); dalil writes 1.4 only.
"""

import datetime
import re

NAMESPACES = {
    "http://zesty.ca/pfif/1.1": "1.1",
    "http://zesty.ca/pfif/1.2": "1.2",
    "http://zesty.ca/pfif/1.3": "1.3",
    "http://zesty.ca/pfif/1.4": "1.4",
}
NS_1_4 = "http://zesty.ca/pfif/1.4"
# dalil's own extension elements: report fields PFIF has no element for (Arabic name parts,
# arrest, marks, consents), so that dalil -> dalil exchange loses nothing. Other readers ignore them.
DALIL_NS = "urn:dalil:pfif-extension:1"

_PERSON_1_1 = ["person_record_id", "entry_date", "author_name", "author_email", "author_phone", "source_name",
               "source_date", "source_url", "first_name", "last_name", "home_city", "home_state",
               "home_neighborhood", "home_street", "home_zip", "photo_url", "other"]
_PERSON_1_2 = ["person_record_id", "entry_date", "author_name", "author_email", "author_phone", "source_name",
               "source_date", "source_url", "first_name", "last_name", "sex", "date_of_birth", "age", "home_street",
               "home_neighborhood", "home_city", "home_state", "home_postal_code", "home_country", "photo_url",
               "other"]
_PERSON_1_3 = _PERSON_1_2[:2] + ["expiry_date"] + _PERSON_1_2[2:8] + ["full_name"] + _PERSON_1_2[8:]
PERSON_1_4 = ["person_record_id", "entry_date", "expiry_date", "author_name", "author_email", "author_phone",
              "source_name", "source_date", "source_url", "full_name", "given_name", "family_name",
              "alternate_names", "description", "sex", "date_of_birth", "age", "home_street", "home_neighborhood",
              "home_city", "home_state", "home_postal_code", "home_country", "photo_url", "profile_urls"]
_NOTE_1_1 = ["note_record_id", "entry_date", "author_name", "author_email", "author_phone", "source_date", "found",
             "email_of_found_person", "phone_of_found_person", "last_known_location", "text"]
_NOTE_1_2 = ["note_record_id", "person_record_id", "linked_person_record_id", "entry_date", "author_name",
             "author_email", "author_phone", "source_date", "found", "status", "email_of_found_person",
             "phone_of_found_person", "last_known_location", "text"]
NOTE_1_4 = ["note_record_id", "person_record_id", "linked_person_record_id", "entry_date", "author_name",
            "author_email", "author_phone", "source_date", "author_made_contact", "status", "email_of_found_person",
            "phone_of_found_person", "last_known_location", "text", "photo_url"]

FIELDS = {
    "1.1": {"person": _PERSON_1_1, "note": _NOTE_1_1},
    "1.2": {"person": _PERSON_1_2, "note": _NOTE_1_2},
    "1.3": {"person": _PERSON_1_3, "note": _NOTE_1_2},
    "1.4": {"person": PERSON_1_4, "note": NOTE_1_4},
}
# Written even when empty, as the 1.4 schema requires them.
MANDATORY_1_4 = {"person": ["person_record_id", "source_date", "full_name"],
                 "note": ["note_record_id", "author_name", "source_date"]}
RENAMED = {"home_zip": "home_postal_code", "first_name": "given_name", "last_name": "family_name",
           "found": "author_made_contact", "other": "description"}

SEX_VALUES = ("female", "male", "other")
STATUS_VALUES = ("information_sought", "is_note_author", "believed_alive", "believed_missing", "believed_dead")
# Contact details: never kept in clear, never leave without the family's consent and the profile's.
PERSON_PRIVATE = ("author_name", "author_email", "author_phone")
NOTE_PRIVATE = ("author_name", "author_email", "author_phone", "email_of_found_person", "phone_of_found_person")

_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
_BIRTH = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
_AGE = re.compile(r"^(\d{1,3})(?:-(\d{1,3}))?$")
_RECORD_ID = re.compile(r"^([A-Za-z0-9](?:[A-Za-z0-9-]{0,62}\.)*[A-Za-z0-9-]{1,63})/(\S.*)$")
_DESCRIPTION = "description:"


def field_of(version: str, kind: str, local: str) -> str | None:
    """The 1.4 name of element `local` in a `kind` record of PFIF `version`, or None if the version lacks it."""
    if local not in FIELDS[version][kind]:
        return None
    return RENAMED.get(local, local)


def other_to_description(other: str) -> str:
    """PFIF <=1.3 `other` holding only a "description:" entry becomes the 1.4 description (as Person Finder does)."""
    lines, labelled = [], False
    for line in other.splitlines(True):
        if line.startswith(_DESCRIPTION):
            labelled = True
            line = line[len(_DESCRIPTION):]
            if not line.strip():
                continue
        elif re.match(r"\S+:", line):
            return other
        lines.append(line.strip(" \t"))
    return "".join(lines) if labelled else other


def domain_of(record_id: str) -> str:
    match = _RECORD_ID.match(record_id or "")
    return match.group(1).lower() if match else ""


def check_record_id(value: str, name: str) -> str | None:
    """A reason when `value` is not "domain/identifier" (PFIF record ids); None when it is."""
    if not _RECORD_ID.match(value):
        return f"{name} {value!r} is not a domain name, a slash and an identifier (e.g. example.org/person.1)"
    return None


def _real_datetime(value: str) -> bool:
    """The syntax PFIF gives (yyyy-mm-ddThh:mm:ssZ) and a real moment: 1234-56-78T90:12:34Z is refused."""
    if not _DATETIME.match(value):
        return False
    try:
        datetime.datetime.strptime(value[:19], "%Y-%m-%dT%H:%M:%S")
    except ValueError:
        return False
    return True


def _real_birth_date(value: str) -> bool:
    """yyyy, yyyy-mm or yyyy-mm-dd, each part a real year, month or day."""
    if not _BIRTH.match(value):
        return False
    parts = [int(p) for p in value.split("-")]
    try:
        datetime.date(parts[0], parts[1] if len(parts) > 1 else 1, parts[2] if len(parts) > 2 else 1)
    except ValueError:
        return False
    return True


def check_value(name: str, value: str) -> str | None:
    """A reason when a (1.4-named) field's value breaks the format PFIF gives it; None when it is fine."""
    if not value:
        return None
    if name in ("entry_date", "source_date", "expiry_date") and not _real_datetime(value):
        return f"{name} {value!r} is not a UTC date and time written yyyy-mm-ddThh:mm:ssZ"
    if name == "sex" and value not in SEX_VALUES:
        return f"sex {value!r} is not one of {', '.join(SEX_VALUES)}"
    if name == "status" and value not in STATUS_VALUES:
        return f"status {value!r} is not one of {', '.join(STATUS_VALUES)}"
    if name == "date_of_birth" and not _real_birth_date(value):
        return f"date_of_birth {value!r} is not written yyyy, yyyy-mm or yyyy-mm-dd"
    if name == "age":
        match = _AGE.match(value)
        if not match or (match.group(2) and int(match.group(2)) < int(match.group(1))):
            return f"age {value!r} is not a number or a range low-high"
    if name == "author_made_contact" and value.lower() not in ("true", "false", "1", "0"):
        return f"author_made_contact {value!r} is not true or false"
    if name in ("linked_person_record_id",):
        return check_record_id(value, name)
    return None


def boolean(value: str) -> str:
    """PFIF booleans as written by dalil: 'true' or 'false' ('' stays '')."""
    if not value:
        return ""
    return "true" if value.strip().lower() in ("true", "1") else "false"
