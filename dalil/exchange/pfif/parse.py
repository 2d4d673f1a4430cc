"""Reading PFIF XML safely: records as plain dictionaries of 1.4 field names, each with its original bytes.

Parsed with expat directly (no DOM, no third-party parser). A PFIF document
needs no DTD, so any DOCTYPE, entity declaration or external entity is refused
before a single entity is expanded: that closes XXE (reading local files or
URLs) and "billion laughs" (entity expansion bombs). A reference to an
undeclared entity is then a well-formedness error, and the file is refused.
"""

import pyexpat
from dataclasses import dataclass, field

from dalil.exchange.pfif import fields as F

MAX_BYTES = 256 * 1024 * 1024
_SEP = "}"


class Refused(Exception):
    """The whole file cannot be read as PFIF; str() says why, for the person who gave it."""


@dataclass
class Record:
    """One <person> or <note>: its fields (PFIF 1.4 names, whitespace stripped) and where it was in the file."""

    kind: str
    line: int
    fields: dict = field(default_factory=dict)
    extension: dict = field(default_factory=dict)  # dalil's extension elements (DALIL_NS), by local name
    notes: list = field(default_factory=list)  # notes nested in a person
    ignored: list = field(default_factory=list)  # elements this version does not define, by name
    start: int = 0
    end: int = 0
    original: bytes = b""
    enclosing_person: str = ""  # for a note inside a <person>: that person's record id

    @property
    def record_id(self) -> str:
        return self.fields.get("person_record_id" if self.kind == "person" else "note_record_id", "")

    def label(self) -> str:
        ident = self.record_id
        return f"{self.kind} record {ident}" if ident else f"{self.kind} record at line {self.line}"


@dataclass
class Document:
    version: str
    persons: list = field(default_factory=list)
    notes: list = field(default_factory=list)  # every note, nested or not, in document order
    warnings: list = field(default_factory=list)
    dalil_export: bool = False  # the root declares dalil's extension namespace: written by a dalil instance


class _Reader:
    def __init__(self, data: bytes):
        self.data = data
        self.stack: list[tuple[str, str]] = []  # (namespace, local) of each open element
        self.version = ""
        self.ns = ""
        self.doc: Document | None = None
        self.person: Record | None = None
        self.note: Record | None = None
        self.text: list[str] | None = None
        self.parser = pyexpat.ParserCreate(namespace_separator=_SEP)
        p = self.parser
        p.SetParamEntityParsing(pyexpat.XML_PARAM_ENTITY_PARSING_NEVER)
        p.StartDoctypeDeclHandler = self._refuse_dtd
        p.EntityDeclHandler = self._refuse_entity
        p.ExternalEntityRefHandler = self._refuse_entity
        p.StartNamespaceDeclHandler = self._namespace
        self.declared: set[str] = set()
        p.StartElementHandler = self._start
        p.EndElementHandler = self._end
        p.CharacterDataHandler = self._chars
        p.buffer_text = True

    def _refuse_dtd(self, *args):
        raise Refused("the file declares a DTD (<!DOCTYPE>): PFIF needs none, and a DTD can carry entity attacks "
                      "(XXE, billion laughs); refused")

    def _refuse_entity(self, *args):
        raise Refused("the file declares or references an XML entity: refused (possible XXE or entity expansion)")

    def _namespace(self, prefix, uri):
        if not self.stack:  # declared on the root element
            self.declared.add(uri)

    @staticmethod
    def _split(name: str) -> tuple[str, str]:
        ns, _, local = name.rpartition(_SEP)
        return ns, local

    def _start(self, name, attrs):
        ns, local = self._split(name)
        depth = len(self.stack)
        self.stack.append((ns, local))
        p = self.parser
        if depth == 0:
            if local != "pfif" or ns not in F.NAMESPACES:
                raise Refused(f"the root element is {{{ns}}}{local}, not <pfif> in a PFIF 1.1-1.4 namespace "
                              f"({', '.join(F.NAMESPACES)})")
            self.ns, self.version = ns, F.NAMESPACES[ns]
            self.doc = Document(self.version, dalil_export=F.DALIL_NS in self.declared)
            return
        parent = self.stack[-2]
        if ns == self.ns and local == "person" and depth == 1:
            self.person = Record("person", p.CurrentLineNumber, start=p.CurrentByteIndex)
        elif ns == self.ns and local == "note" and (depth == 1 or (depth == 2 and self.person is not None
                                                                   and parent == (self.ns, "person"))):
            self.note = Record("note", p.CurrentLineNumber, start=p.CurrentByteIndex)
        elif depth in (2, 3) and self._current(depth) is not None:
            self.text = []
        elif depth == 1:
            self.doc.warnings.append(f"line {p.CurrentLineNumber}: ignored element {local!r} ({ns or 'no namespace'})")

    def _current(self, depth: int) -> Record | None:
        """The record a field element at `depth` belongs to."""
        if self.note is not None and depth == (3 if self.person is not None else 2):
            return self.note
        if self.person is not None and self.note is None and depth == 2:
            return self.person
        return None

    def _chars(self, data):
        if self.text is not None:
            self.text.append(data)

    def _close(self, record: Record) -> None:
        record.end = self.data.index(b">", self.parser.CurrentByteIndex) + 1
        record.original = self.data[record.start:record.end]

    def _end(self, name):
        ns, local = self.stack.pop()
        depth = len(self.stack)
        if depth == 1 and self.person is not None and (ns, local) == (self.ns, "person"):
            self._close(self.person)
            self.doc.persons.append(self.person)
            self.person = None
        elif (ns, local) == (self.ns, "note") and self.note is not None and depth in (1, 2):
            self._close(self.note)
            if self.person is not None:
                self.note.enclosing_person = self.person.fields.get("person_record_id", "")
                self.person.notes.append(self.note)
            self.doc.notes.append(self.note)
            self.note = None
        elif self.text is not None:
            record = self._current(depth)
            value = "".join(self.text).strip()
            self.text = None
            if record is None:
                return
            if ns == F.DALIL_NS:
                record.extension[local] = value
            elif ns == self.ns and (name_14 := F.field_of(self.version, record.kind, local)):
                if name_14 in record.fields and record.fields[name_14] != value:
                    record.ignored.append(f"{local} (given twice; the first kept)")
                else:
                    record.fields.setdefault(name_14, value)
            else:
                record.ignored.append(local if ns == self.ns else f"{{{ns}}}{local}")

    def read(self) -> Document:
        try:
            self.parser.Parse(self.data, True)
        except pyexpat.ExpatError as exc:
            raise Refused(f"not well-formed XML: {exc}") from None
        if self.doc is None:
            raise Refused("the file has no <pfif> root element")
        for note in self.doc.notes:  # nested notes inherit their person's id (PFIF 1.1 notes have no field for it)
            if note.enclosing_person:
                note.fields.setdefault("person_record_id", note.enclosing_person)
        for record in self.doc.persons + self.doc.notes:
            if self.version != "1.4" and "description" in record.fields and record.kind == "person":
                record.fields["description"] = F.other_to_description(record.fields["description"]).strip()
            if record.kind == "person" and not record.fields.get("full_name"):
                # PFIF 1.3 made full_name mandatory; older records get it from their name parts
                parts = (record.fields.get("given_name", ""), record.fields.get("family_name", ""))
                if any(parts):
                    record.fields["full_name"] = " ".join(p for p in parts if p)
            if "author_made_contact" in record.fields:
                record.fields["author_made_contact"] = record.fields["author_made_contact"].lower()
        return self.doc


def parse(data: bytes, max_bytes: int = MAX_BYTES) -> Document:
    """The PFIF document in `data` (any version 1.1-1.4); raises Refused when it cannot be read safely."""
    if len(data) > max_bytes:
        raise Refused(f"the file is {len(data):,} bytes, over the {max_bytes:,} a PFIF import accepts")
    if not data.strip():
        raise Refused("the file is empty")
    return _Reader(data).read()
