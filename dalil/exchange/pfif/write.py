"""Writing PFIF 1.4 XML: persons with their notes nested, then notes about persons not held here.

Fields go in the 1.4 schema's order; the 1.4 mandatory fields are written even
when empty (as Person Finder does); dalil's extension fields ("x:" keys) follow
in the dalil namespace. The same records always give the same bytes.
"""

import re

from dalil.exchange.pfif import fields as F
from dalil.exchange.pfif.report import EXTENSION

_INVALID = re.compile("[^\x09\x0a\x0d\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def escape(text: str) -> str:
    text = _INVALID.sub("", text)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")


def _fields(kind: str, record: dict, indent: str) -> list[str]:
    lines = []
    for name in (F.PERSON_1_4 if kind == "person" else F.NOTE_1_4):
        value = record.get(name, "")
        if value or name in F.MANDATORY_1_4[kind]:
            lines.append(f"{indent}<pfif:{name}>{escape(value)}</pfif:{name}>")
    if kind == "person":
        for name in EXTENSION:
            if value := record.get(f"x:{name}", ""):
                lines.append(f"{indent}<dalil:{name}>{escape(value)}</dalil:{name}>")
    return lines


def _note(note: dict, indent: str) -> list[str]:
    return [f"{indent}<pfif:note>", *_fields("note", note, indent + "  "), f"{indent}</pfif:note>"]


def document(persons: list[tuple[dict, list[dict]]], loose_notes: list[dict]) -> bytes:
    """PFIF 1.4 for (person, its notes) pairs and notes whose person is not included."""
    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             f'<pfif:pfif xmlns:pfif="{F.NS_1_4}" xmlns:dalil="{F.DALIL_NS}">']
    for person, notes in persons:
        lines.append("  <pfif:person>")
        lines += _fields("person", person, "    ")
        for note in notes:
            lines += _note(note, "    ")
        lines.append("  </pfif:person>")
    for note in loose_notes:
        lines += _note(note, "  ")
    lines.append("</pfif:pfif>")
    return ("\n".join(lines) + "\n").encode("utf-8")
