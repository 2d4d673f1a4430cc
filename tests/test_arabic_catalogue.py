"""Every string a family or a staff member reads has an Arabic translation.

Two checks, per catalogue and per app:
- every entry of every dalil/**/locale/ar/LC_MESSAGES/django.po has a non-empty msgstr (all plural forms),
  is not fuzzy, and the catalogue passes `msgfmt --check` (placeholders kept, headers right);
- Django's own `makemessages` run over a copy of each app's templates and Python finds no string that is
  missing from the Arabic catalogues. Django merges every catalogue at run time, so a string translated in
  another app's catalogue counts; the project catalogue (dalil/locale) covers dalil/templates, dalil/lib and
  the apps that have no catalogue of their own.
"""

import os
import shutil
import subprocess
from pathlib import Path

import polib
import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parents[1] / "dalil"
CATALOGUES = sorted(ROOT.glob("**/locale/ar/LC_MESSAGES/django.po"))
APPS = [po.parents[3] for po in CATALOGUES]  # dalil/<app> (dalil itself for the project catalogue)


def _name(path: Path) -> str:
    return str(path.relative_to(ROOT.parent))


def untranslated(po: polib.POFile) -> list[str]:
    """The msgids of `po` with no Arabic (an empty msgstr or plural form) or marked fuzzy."""
    out = []
    for entry in po:
        if entry.obsolete or not entry.msgid:
            continue
        empty = any(not s.strip() for s in entry.msgstr_plural.values()) if entry.msgid_plural else \
            not entry.msgstr.strip()
        if empty or entry.fuzzy:
            out.append(("fuzzy: " if entry.fuzzy else "") + entry.msgid)
    return out


def _keys(po: polib.POFile) -> set:
    return {(entry.msgctxt, entry.msgid) for entry in po if not entry.obsolete and entry.msgid}


@pytest.mark.parametrize("catalogue", CATALOGUES, ids=_name)
def test_it_has_an_arabic_translation_for_every_entry_of_the_catalogue(catalogue):
    missing = untranslated(polib.pofile(str(catalogue)))
    assert not missing, f"{_name(catalogue)}: {len(missing)} entries without Arabic:\n" + "\n".join(missing)
    check = subprocess.run(["msgfmt", "--check", "-o", os.devnull, str(catalogue)], capture_output=True, text=True)
    assert check.returncode == 0, f"msgfmt --check {_name(catalogue)}:\n{check.stderr}"


@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    """What `makemessages -l ar` finds in each app's sources: {app folder: set of (context, msgid)}."""
    copy = tmp_path_factory.mktemp("extract") / "dalil"
    shutil.copytree(ROOT, copy, ignore=shutil.ignore_patterns("*.po", "*.mo", "__pycache__", "fonts", "*.pyc"))
    found, here = {}, os.getcwd()
    for app in APPS:
        # The project catalogue's run leaves out the apps that keep their own catalogue.
        others = [str(a.relative_to(app)) for a in APPS if a != app and app in a.parents]
        os.chdir(copy / app.relative_to(ROOT))
        try:
            call_command("makemessages", locale=["ar"], verbosity=0, no_obsolete=True,
                         ignore_patterns=[*others, "static", "fonts"])
        finally:
            os.chdir(here)
        fresh = copy / app.relative_to(ROOT) / "locale" / "ar" / "LC_MESSAGES" / "django.po"
        found[app] = _keys(polib.pofile(str(fresh))) if fresh.exists() else set()
    return found


@pytest.mark.parametrize("app", APPS, ids=lambda app: _name(app) if app != ROOT else "dalil (project)")
def test_it_finds_every_string_of_the_code_in_the_arabic_catalogues(extracted, app):
    known = set().union(*(_keys(polib.pofile(str(po))) for po in CATALOGUES))
    missing = sorted(extracted[app] - known, key=lambda k: k[1])
    assert extracted[app], f"makemessages found no strings at all in {_name(app)}: the extraction itself is broken"
    assert not missing, (f"{len(missing)} strings of {_name(app)} are in no Arabic catalogue (add them to "
                         f"{_name(app / 'locale/ar/LC_MESSAGES/django.po')}):\n"
                         + "\n".join(f"{ctx + ' | ' if ctx else ''}{msgid}" for ctx, msgid in missing))


def test_it_notices_an_empty_a_fuzzy_and_a_missing_plural_translation():
    po = polib.POFile()
    po.append(polib.POEntry(msgid="Case", msgstr="الحالة"))
    po.append(polib.POEntry(msgid="Body", msgstr=""))
    po.append(polib.POEntry(msgid="Seal", msgstr="الختم", flags=["fuzzy"]))
    po.append(polib.POEntry(msgid="%(n)s photo", msgid_plural="%(n)s photos", msgstr_plural={0: "صورة", 1: ""}))
    assert untranslated(po) == ["Body", "fuzzy: Seal", "%(n)s photo"]
