"""The forms of the import pages: the upload, and the column mapping (one choice of field per header)."""

import io
from pathlib import Path

from django import forms
from django.core.files.uploadedfile import InMemoryUploadedFile
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.utils.translation import gettext, gettext_lazy as _

from dalil.exchange import common
from dalil.exchange.tables import mapping as M
from dalil.exchange.tables.read import TableError, sniff_format

KIND_LABELS = {
    "reports": _("Missing-person reports (one row per missing person)"),
    "victims": _("A file detailing the victims (one row per body, with its numbers)"),
}
FIELD_LABELS = {
    "full_name": _("Full name"),
    "first_name": _("First name"),
    "father_name": _("Father's name"),
    "grandfather_name": _("Grandfather's name"),
    "family_name": _("Family name"),
    "mother_name": _("Mother's name"),
    "birth_date": _("Date of birth"),
    "arrest_date": _("Date of arrest"),
    "home_town": _("Home town"),
    "sex": _("Sex"),
    "external_id": _("The file's own id for the row"),
    "age_at_arrest": _("Age at arrest"),
    "arrest_place": _("Place of arrest"),
    "arresting_branch": _("Arresting branch"),
    "last_detention_place": _("Last place of detention"),
    "distinguishing_marks": _("Distinguishing marks"),
    "chronic_illnesses": _("Chronic illnesses"),
    "reporter_name": _("Reporter's name (encrypted)"),
    "reporter_phone": _("Reporter's phone (encrypted)"),
    "reporter_email": _("Reporter's email (encrypted)"),
    "reporter_relationship": _("Reporter's relationship"),
    "branch": _("Branch number"),
    "detainee_no": _("Detainee number"),
    "exam_no": _("Examination number"),
    "death_date": _("Date of death / of the photo"),
    "age": _("Age"),
    "notes": _("Notes"),
    "photos": _("Number of photos"),
}
CONSENT_LABELS = {
    "consent_contact": _("the families may be contacted"),
    "consent_prosecutors": _("the reports may be shared with prosecutors"),
    "consent_other_bodies": _("the reports may be shared with other bodies"),
}
REQUIRED_TEXT = {
    "reports": _("Required: a column for the missing person's name (full name or first name)."),
    "victims": _("Required: a column for the examination number, or columns for both the branch and the detainee "
                 "number."),
}


def field_label(name: str) -> str:
    return f"{FIELD_LABELS.get(name, name)} ({name})"


class LimitedMemoryUpload(FileUploadHandler):
    """Keeps an uploaded file in memory only (never a clear temporary file on disk) and drops one over `limit`."""

    def __init__(self, request=None, limit: int = 0):
        super().__init__(request)
        self.limit, self.too_large, self.buffer = limit, [], None

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.buffer, self.size = bytearray(), 0

    def receive_data_chunk(self, raw_data, start):
        self.size += len(raw_data)
        if self.size > self.limit:
            self.too_large.append(self.file_name)
            self.buffer = None
            raise SkipFile
        self.buffer += raw_data
        return None

    def file_complete(self, file_size):
        data, self.buffer = bytes(self.buffer or b""), None
        return InMemoryUploadedFile(io.BytesIO(data), self.field_name, self.file_name, self.content_type,
                                    len(data), self.charset, self.content_type_extra)


class UploadForm(forms.Form):
    file = forms.FileField(label=_("CSV or XLSX file"), allow_empty_file=True, required=False,
                           help_text=_("The first row names the columns. CSV in UTF-8 or Windows Arabic (1256)."))
    kind = forms.ChoiceField(label=_("What the file holds"), widget=forms.RadioSelect)

    def __init__(self, *args, kinds=(), limit=0, too_large=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(k, KIND_LABELS[k]) for k in kinds]
        if len(kinds) == 1:
            self.fields["kind"].initial = kinds[0]
        self.limit, self.too_large, self.raw, self.format = limit, list(too_large), b"", ""

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        name = Path(getattr(upload, "name", "") or "").name
        if upload is None:
            if self.too_large:
                raise forms.ValidationError(gettext("%(file)s: larger than %(limit)s MB; split it, or import it with "
                                                    "the command line (dalil import table)") % {
                    "file": Path(self.too_large[0]).name, "limit": self.limit // (1024 * 1024)})
            raise forms.ValidationError(gettext("Choose a CSV or XLSX file."))
        raw = upload.read()
        if len(raw) > self.limit:
            raise forms.ValidationError(gettext("%(file)s: larger than %(limit)s MB; split it, or import it with the "
                                                "command line (dalil import table)") % {
                "file": name, "limit": self.limit // (1024 * 1024)})
        if not raw:
            raise forms.ValidationError(gettext("%(file)s: the file is empty") % {"file": name})
        try:
            found = sniff_format(raw)
        except TableError as exc:
            raise forms.ValidationError(gettext("%(file)s: not a table dalil can read: %(reason)s") % {
                "file": name, "reason": exc}) from None
        suffix = Path(name).suffix.lower()
        named = "xlsx" if suffix in (".xlsx", ".xlsm") else "csv" if suffix in (".csv", ".tsv", ".txt") else ""
        if named and named != found:
            raise forms.ValidationError(gettext("%(file)s: named %(suffix)s but its content is %(found)s; give the "
                                                "file its right extension") % {
                "file": name, "suffix": suffix, "found": found.upper()})
        self.raw, self.format = raw, found
        return upload


class SourceForm(forms.Form):
    """What to read: the kind of rows, and the sheet of a workbook."""

    kind = forms.ChoiceField(label=_("What the file holds"))
    sheet = forms.ChoiceField(label=_("Sheet"), required=False)

    def __init__(self, *args, kinds=(), sheets=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(k, KIND_LABELS[k]) for k in kinds]
        if sheets:
            self.fields["sheet"].choices = [(s, s) for s in sheets]
        else:
            del self.fields["sheet"]


class MappingForm(forms.Form):
    """One select per header: a field of the kind, or "do not import"; consents for reports."""

    consents = forms.MultipleChoiceField(label=_("What the families agreed to on paper"), required=False,
                                         widget=forms.CheckboxSelectMultiple,
                                         choices=list(CONSENT_LABELS.items()))

    def __init__(self, *args, headers=(), kind="reports", suggested=None, samples=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.headers, self.kind = list(headers), kind
        required = set(M.REQUIRED[kind])
        choices = [(M.IGNORE, gettext("— do not import —"))] + [
            (name, field_label(name) + (" *" if name in required else "")) for name in M.FIELDS[kind]]
        suggested = suggested or {}
        for i, header in enumerate(self.headers):
            self.fields[f"col_{i}"] = forms.ChoiceField(
                label=str(header) or gettext("(column %(n)s, no header)") % {"n": i + 1}, choices=choices,
                initial=suggested.get(i, M.IGNORE), required=True)
            self.fields[f"col_{i}"].sample = (samples or {}).get(i, [])
            self.fields[f"col_{i}"].suggested = suggested.get(i, "")
        if kind != "reports":
            del self.fields["consents"]

    def column_fields(self):
        return [self[f"col_{i}"] for i in range(len(self.headers))]

    def clean(self):
        data = super().clean()
        columns = {i: data.get(f"col_{i}", M.IGNORE) for i in range(len(self.headers))}
        seen = {}
        for i, name in columns.items():
            if name == M.IGNORE:
                continue
            if name in seen:
                self.add_error(f"col_{i}", gettext("%(field)s is already the column %(other)s: leave one of them out")
                               % {"field": field_label(name), "other": self.headers[seen[name]]})
            seen.setdefault(name, i)
        if M.missing_required(set(seen), self.kind):
            raise forms.ValidationError(REQUIRED_TEXT[self.kind])
        data["columns"] = columns
        return data

    def chosen_consents(self) -> dict:
        chosen = set(self.cleaned_data.get("consents") or [])
        return {name: name in chosen for name in common.CONSENT_NAMES.values()}
