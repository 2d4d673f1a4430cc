"""Every staff page, in Arabic, shows no English a reader has to decode.

Each GET route of tests/test_routes.py that a staff role may open is rendered for that role with the language
cookie set to Arabic, on the same small ingested archive. The visible text (tags, scripts and styles
stripped; title, placeholder and aria-label attributes included) must hold no Latin word, except:
- inside an element that says it is not Arabic or sets its own direction: lang="en", dir="ltr", <bdi>,
  <code>, <kbd>, <samp>, <time> (hashes, paths, technical details, dates, a stored name);
- numbers, and the words of ALLOWED below, each with its reason.
"""

import re
from html.parser import HTMLParser

import pytest

from tests.test_routes import ROLE_PERSONAS, ROUTES, _send, _user, world  # noqa: F401 (world is a fixture)

pytestmark = pytest.mark.django_db

# Latin words an Arabic staff page may show outside an isolate, and why.
ALLOWED = {
    "dalil": "the software's name, as the command line and the documents spell it",
    "SHA": "the name of the hash algorithm (SHA-256), as every standard and tool writes it",
    "UTC": "the time standard's international abbreviation",
    "PFIF": "the name of the missing-person record format (People Finder Interchange Format)",
    "BagIt": "the name of the package format (RFC 8493) the recipient's tools look for",
    "PDF": "the file format's name",
    "HTML": "the file format's name",
    "CSV": "the file format's name",
    "XLSX": "the file format's name",
    "ZIP": "the file format's name",
    "zip": "the file format's name",
    "TOTP": "the name of the authenticator standard the apps show",
    "EXIF": "the name of the photo metadata standard, headed as the cameras and tools write it",
    "XMP": "the name of the photo metadata standard, headed as the cameras and tools write it",
    "UTF": "the text encoding's name (UTF-8), as spreadsheet programs offer it",
    "USB": "the device's name, as written on it",
    "English": "the language switch names each language in itself (endonyms)",
    # Data values of the fixtures (tests/test_routes.World) shown where no element can isolate them: the
    # options of a <select> and the page's <title>.
    "routes": "the fixtures' collection name, an option of the collection filters",
    "route": "the fixtures' usernames (route-admin, ...), options of the assignment filter and the staff list",
    "admin": "the fixtures' usernames (route-admin), options of the assignment filter and the staff list",
    "reviewer": "the fixtures' usernames (route-reviewer-0) in the staff page's title",
}
# Stored identifiers shown in a page's <title>, where no element can isolate them: a SHA-256 prefix, a report
# reference (DL-XXXX-XXXX).
IDENTIFIERS = re.compile(r"\b[0-9a-f]{8,64}\b|\bDL-[0-9A-Z]{4}-[0-9A-Z]{4}\b")

SKIP_TAGS = {"script", "style", "bdi", "code", "kbd", "samp", "time", "pre", "template"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
VISIBLE_ATTRIBUTES = ("title", "placeholder", "aria-label", "alt")


class VisibleText(HTMLParser):
    """The text a reader sees outside isolates and elements marked as another language or direction."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.parts, self.in_title = [], [], False

    def handle_starttag(self, tag, attrs):
        self.in_title = tag == "title"
        attrs = dict(attrs)
        skipped = (tag in SKIP_TAGS or attrs.get("dir") == "ltr" or (attrs.get("lang") or "ar")[:2] != "ar"
                   or attrs.get("type") == "hidden" or "hidden" in attrs)
        if not self.skipping and not skipped:
            self.parts += [attrs[a] for a in VISIBLE_ATTRIBUTES if attrs.get(a)]
            if tag == "input" and attrs.get("type") in ("submit", "button") and attrs.get("value"):
                self.parts.append(attrs["value"])
        if tag not in VOID:
            self.stack.append(skipped)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.stack.pop()

    def handle_endtag(self, tag):
        self.in_title = False
        if tag not in VOID and self.stack:
            self.stack.pop()

    @property
    def skipping(self) -> bool:
        return any(self.stack)

    def handle_data(self, data):
        if not self.skipping:
            self.parts.append(IDENTIFIERS.sub(" ", data) if self.in_title else data)


WORD = re.compile(r"[A-Za-z][A-Za-z'’]+")


def _visible(html: str) -> str:
    parser = VisibleText()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def english_words(html: str, allowed=frozenset(ALLOWED)) -> list[str]:
    return sorted({w for w in WORD.findall(_visible(html)) if w not in allowed})


def english_in_context(html: str, allowed=frozenset(ALLOWED)) -> list[str]:
    """Each English word with the visible text around it, to find it in the template."""
    text = _visible(html)
    return [f"{m.group(0)!r} in …{text[max(m.start() - 40, 0):m.end() + 40]}…" for m in WORD.finditer(text)
            if m.group(0) not in allowed]


STAFF_GET_ROUTES = [(name, next(p for p in ("admin", *ROLE_PERSONAS) if p in route.allowed))
                    for name, route in ROUTES.items()
                    if "GET" in route.methods and route.allowed & set(ROLE_PERSONAS)
                    and not name.startswith("portal:") and name not in ("login", "logout", "set_language")]


def test_it_checks_the_staff_pages_of_every_role():
    assert len(STAFF_GET_ROUTES) > 20, STAFF_GET_ROUTES
    assert {"archive:custody", "archive:quarantine", "exports:jobs", "casework:queue", "reports:staff"} <= {
        name for name, _ in STAFF_GET_ROUTES}


@pytest.mark.parametrize("persona", sorted({p for _, p in STAFF_GET_ROUTES}))
def test_it_shows_no_english_on_the_arabic_staff_pages(world, persona):  # noqa: F811
    from django.test import Client

    client = Client(raise_request_exception=False)
    client.cookies["django_language"] = "ar"
    client.force_login(_user(persona))
    leaks = {}
    for name, who in STAFF_GET_ROUTES:
        if who != persona:
            continue
        response = _send(client, "GET", world.url(name, ROUTES[name]), {})
        if (response.status_code != 200 or getattr(response, "streaming", False)
                or "html" not in response.get("Content-Type", "")):
            continue
        html = response.content.decode("utf-8")
        assert '<html lang="ar"' in html, f"{name} is not served in Arabic"
        words = english_in_context(html)
        if words:
            leaks[name] = words
    assert not leaks, "English on Arabic staff pages:\n" + "\n".join(
        f"{name}:\n  " + "\n  ".join(words) for name, words in leaks.items())


def test_it_finds_english_outside_isolates_and_not_inside_them():
    page = ('<p>الختم <bdi>demo</bdi> <code>a1b2</code> <span dir="ltr">2026-11-29</span> '
            '<span lang="en">technical detail</span> SHA-256 <input type="submit" value="Save"> '
            '<a title="Open">فتح</a> corrupt file</p>')
    assert english_words(page) == ["Open", "Save", "corrupt", "file"]


def test_it_shows_custody_details_as_labelled_fields_in_arabic():
    from django.utils import translation

    from dalil.archive.views.custody_details import fields

    with translation.override("ar"):
        shown = fields({"source": "/media/usb3", "kind": "zip", "outcome": "quarantined", "problem": "truncated",
                        "complete": False, "size": 120, "new_key": 1})
    labels = [str(label) for label, _value, _technical in shown]
    values = {str(label): value for label, value, _technical in shown}
    assert labels[:2] == ["المصدر", "النوع"] and "new_key" in labels, labels
    assert values["النوع"] == "ملف zip" and values["قُرئ كاملًا"] == "لا", values
    assert not english_words(" ".join(str(v) for label, v, technical in shown if not technical) + " ".join(labels[:-1]),
                             allowed=frozenset({"zip"}))


def test_it_isolates_latin_and_numbers_in_arabic_and_leaves_english_alone():
    from django.utils import translation

    from dalil.lib.templatetags.dalil_text import isolate_text

    with translation.override("ar"):
        assert isolate_text("المجموعة «demo»: 69 صورة في 2026-11-29، أقل من <5") == (
            'المجموعة «<bdi dir="ltr">demo</bdi>»: <bdi dir="ltr">69</bdi> صورة في <bdi dir="ltr">2026-11-29</bdi>،'
            ' أقل من <bdi dir="ltr">&lt;5</bdi>')
    with translation.override("en"):
        assert isolate_text("collection demo: 69 photos <5") == "collection demo: 69 photos &lt;5"
