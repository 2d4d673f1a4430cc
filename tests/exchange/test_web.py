"""The import pages: upload a CSV/XLSX sheet, map its columns, dry run, confirm; who may; bad files; nothing in clear."""

import io
import os
import time
import zipfile

import pytest
from django.test import Client
from django.urls import reverse

from dalil.audit.models import AuditEvent, hash_address
from dalil.exchange import uploads
from dalil.exchange.models import ImportRun, TableReport, VictimListEntry
from dalil.identification.models import MissingPersonReport
from dalil.lib.roles import Role
from tests.exchange.test_tables import REPORT_HEADERS, REPORT_ROWS, VICTIM_HEADERS, VICTIM_ROWS, write_csv, write_xlsx
from tests.identification.personas import make_case, person

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_jobs")]  # jobs run in the request
PHONE = "+963 944 123 456"


@pytest.fixture(autouse=True)
def home(instance):
    return instance


def client_for(user) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.cookies["django_language"] = "en"
    if user is not None:
        client.force_login(user)
    return client


def csrf(client) -> str:
    client.get(reverse("exchange:upload"))
    return client.cookies["csrftoken"].value


def post(client, name, data=None, **kw):
    return client.post(reverse(name), {"csrfmiddlewaretoken": csrf(client), **(data or {})}, **kw)


def upload(client, path, kind):
    with open(path, "rb") as f:
        return post(client, "exchange:upload", {"kind": kind, "file": f})


def stored(home) -> list:
    folder = home / "exchange-uploads"
    return sorted(folder.iterdir()) if folder.exists() else []


def selects(html: str) -> dict:
    """{header: selected field} of the mapping form, read from the page."""
    import re

    out = {}
    for label, body in re.findall(r'<label for="id_col_\d+"><bdi>(.*?)</bdi></label></th>\s*<td><select[^>]*>(.*?)'
                                  r'</select>', html, re.S):
        chosen = re.search(r'<option value="([^"]*)"[^>]*selected', body)
        out[label] = chosen.group(1) if chosen else None
    return out


@pytest.fixture
def caseworker_user(db):
    return person("hala", Role.CASEWORKER)


@pytest.fixture
def analyst_user(db):
    return person("basel", Role.ANALYST)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_it_imports_reports_through_the_pages_with_a_dry_run_that_writes_nothing(tmp_path, home, fmt,
                                                                                   caseworker_user):
    path = (write_csv if fmt == "csv" else write_xlsx)(tmp_path / f"بلاغات.{fmt}", REPORT_HEADERS, REPORT_ROWS)
    client = client_for(caseworker_user)
    response = upload(client, path, "reports")
    assert response.status_code == 302 and response["Location"] == reverse("exchange:mapping")
    files = stored(home)
    assert len(files) == 1
    blob = files[0].read_bytes()  # encrypted at rest: neither the phone nor a name in clear
    assert PHONE.encode() not in blob and "الخطيب".encode() not in blob
    if fmt == "xlsx":  # the workbook's first sheet is a note: choose the sheet with the reports
        page = client.get(reverse("exchange:mapping")).content.decode()
        assert "nothing here" in page and 'value="victims"' in page
        response = post(client, "exchange:mapping", {"step": "source", "kind": "reports", "sheet": "victims"})
        assert response.status_code == 302
    page = client.get(reverse("exchange:mapping")).content.decode()
    chosen = selects(page)
    assert chosen["الاسم"] == "full_name" and chosen["رقم الملف"] == "external_id"
    assert chosen["الهاتف"] == "reporter_phone" and chosen["ملاحظة داخلية"] == "-"  # pre-filled, the unknown left out
    assert "Required: a column for the missing person" in page
    chosen["ملاحظة داخلية"] = "home_town"  # the caseworker changes one line
    data = {"step": "mapping", "consents": ["consent_contact"],
            **{f"col_{i}": chosen[h] for i, h in enumerate(REPORT_HEADERS)}}
    response = post(client, "exchange:mapping", data)
    assert response.status_code == 302 and response["Location"] == reverse("exchange:preview")

    page = client.get(reverse("exchange:preview")).content.decode()
    assert "Dry run: nothing has been written" in page
    assert "to create: 2" in page and "invalid: 2" in page
    assert "no name: the missing person&#x27;s name is empty" in page
    assert "arrest_date &#x27;32/13/2012&#x27; is not a date" in page
    assert "home_town" in page and PHONE not in page  # values shown, contact details never
    assert MissingPersonReport.objects.count() == 0 and ImportRun.objects.count() == 0
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.DATA_IMPORTED).exists()

    import re

    previewed = re.search(r'name="previewed" value="([0-9a-f]+)"', page).group(1)
    response = post(client, "exchange:confirm", {"previewed": previewed})
    assert response.status_code == 302 and response["Location"].startswith("/jobs/")  # a background job (eager here)
    job_page = client.get(response["Location"]).content.decode()
    r = MissingPersonReport.objects.get(first_name_ar="محمد")
    assert r.home_town == "x" and r.reporter_phone == PHONE and r.consent_contact and not r.consent_prosecutors
    assert MissingPersonReport.objects.count() == 2
    run = ImportRun.objects.get()
    assert run.kind == "reports" and run.actor == "hala" and run.file_name == f"بلاغات.{fmt}"
    assert run.options["via"] == "web" and run.options["mapping"]["ملاحظة داخلية"] == "home_town"
    event = AuditEvent.objects.get(action=AuditEvent.Action.DATA_IMPORTED, target=f"import:{run.pk}")
    assert event.actor == "hala" and event.address.digest == hash_address("127.0.0.1") and event.details["create"] == 2
    assert stored(home) == []  # the uploaded file is gone once imported
    assert f'{reverse("exchange:done")}?run={run.pk}' in job_page
    page = client.get(reverse("exchange:done"), {"run": run.pk}).content.decode()
    assert r.reference in page
    assert "32/13/2012" in page.replace("&#x27;", "'")
    assert client.get(reverse("exchange:mapping"))["Location"] == reverse("exchange:upload")  # nothing pending


def test_it_imports_a_victims_workbook_and_the_case_page_shows_the_rows(tmp_path, home, analyst_user):
    case = make_case()
    make_case(exam_no="1002", detainee_no="5555")
    path = write_xlsx(tmp_path / "victims.xlsx", VICTIM_HEADERS, VICTIM_ROWS, sheet="الضحايا")
    client = client_for(analyst_user)
    assert upload(client, path, "victims").status_code == 302
    page = client.get(reverse("exchange:mapping")).content.decode()
    assert "الضحايا" in page
    assert post(client, "exchange:mapping", {"step": "source", "kind": "victims", "sheet": "الضحايا"}).status_code == 302
    chosen = selects(client.get(reverse("exchange:mapping")).content.decode())
    assert chosen == {"الرقم الطبي": "exam_no", "رقم المعتقل": "detainee_no", "الفرع": "branch", "الاسم": "full_name",
                      "تاريخ الوفاة": "death_date"}
    chosen["تاريخ الوفاة"] = "-"
    post(client, "exchange:mapping", {"step": "mapping", **{f"col_{i}": chosen[h] for i, h in enumerate(VICTIM_HEADERS)}})
    page = client.get(reverse("exchange:preview")).content.decode()
    assert "to create: 3" in page and "invalid: 1" in page and "no examination number" in page
    assert f"examination number 1001: case #{case.pk}" in page and "whose detainee number is 5555" in page
    assert VictimListEntry.objects.count() == 0
    import re

    previewed = re.search(r'name="previewed" value="([0-9a-f]+)"', page).group(1)
    assert post(client, "exchange:confirm", {"previewed": previewed}).status_code == 302
    entry = VictimListEntry.objects.get(case=case)
    assert entry.full_name == "محمد الخطيب" and "death_date" not in entry.values
    assert VictimListEntry.objects.count() == 3 and stored(home) == []
    page = client.get(reverse("archive:case", args=[case.pk])).content.decode()
    assert "In the files detailing the victims" in page and "victims.xlsx" in page and "محمد الخطيب" in page


def test_it_refuses_who_may_not_import_and_kinds_outside_ones_role(tmp_path, home, caseworker_user, analyst_user):
    reviewer = person("omar", Role.REVIEWER)
    reports = write_csv(tmp_path / "reports.csv", REPORT_HEADERS, REPORT_ROWS)
    anonymous = Client()
    assert anonymous.get(reverse("exchange:upload"))["Location"].startswith(reverse("login"))
    assert client_for(reviewer).get(reverse("exchange:upload")).status_code == 403
    client = client_for(analyst_user)  # analysts import victims, not families' reports
    page = client.get(reverse("exchange:upload")).content.decode()
    assert 'value="victims"' in page and 'value="reports"' not in page
    response = upload(client, reports, "reports")
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    assert stored(home) == [] and MissingPersonReport.objects.count() == 0
    client = client_for(caseworker_user)
    assert upload(client, reports, "victims").status_code == 200 and stored(home) == []
    assert upload(client, reports, "reports").status_code == 302
    response = post(client, "exchange:mapping", {"step": "source", "kind": "victims"})  # nor switch to it later
    assert response.status_code == 200 and VictimListEntry.objects.count() == 0
    unsafe = Client()
    unsafe.force_login(caseworker_user)
    unsafe_csrf = Client(enforce_csrf_checks=True)
    unsafe_csrf.force_login(caseworker_user)
    with open(reports, "rb") as f:  # no CSRF token: refused
        assert unsafe_csrf.post(reverse("exchange:upload"), {"kind": "reports", "file": f}).status_code == 403
    assert client.get(reverse("exchange:confirm")).status_code == 405  # changes only by POST


@pytest.mark.parametrize("name, content, reason", [
    ("reports.csv", b"%PDF-1.7\n1 0 obj", "reports.csv: not a table dalil can read: a PDF document"),
    ("photo.xlsx", b"\xff\xd8\xff\xe0" + bytes(200), "photo.xlsx: not a table dalil can read: a JPEG image"),
    ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100), "old.xls: not a table dalil can read: an old Excel .xls workbook"),
    ("data.csv", b"a,b\n" + bytes(range(1, 30)) * 50, "data.csv: not a table dalil can read: binary data"),
    ("empty.csv", b"", "empty.csv: the file is empty"),
    ("blank.csv", b"\n\n,,\n", "blank.csv: not a table dalil can read: it is empty"),
    ("named.xlsx", "الاسم\nمحمد\n".encode(), "named.xlsx: named .xlsx but its content is CSV"),
])
def test_it_refuses_a_bad_file_naming_the_file_and_the_reason(home, caseworker_user, name, content, reason):
    client = client_for(caseworker_user)
    response = post(client, "exchange:upload", {"kind": "reports", "file": _named(name, content)})
    assert response.status_code == 200
    assert reason in response.content.decode().replace("&#x27;", "'")
    assert stored(home) == []


def _named(name, content):
    f = io.BytesIO(content)
    f.name = name
    return f


def test_it_refuses_a_file_over_the_size_limit_and_a_zip_bomb(home, settings, caseworker_user):
    client = client_for(caseworker_user)
    settings.EXCHANGE_MAX_UPLOAD_BYTES = 1024 * 1024
    response = post(client, "exchange:upload", {"kind": "reports", "file": _named("big.csv", b"a,b\n" * 300_000)})
    assert "big.csv: larger than 1 MB" in response.content.decode()
    settings.EXCHANGE_MAX_UPLOAD_BYTES = 20 * 1024 * 1024
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
        z.writestr("xl/worksheets/sheet1.xml", b"0" * (40 * 1024 * 1024))
    response = post(client, "exchange:upload", {"kind": "reports", "file": _named("bomb.xlsx", bomb.getvalue())})
    page = response.content.decode()
    assert "bomb.xlsx: not a table dalil can read" in page and "possible zip bomb" in page
    assert stored(home) == []


def test_it_keeps_an_upload_for_its_session_only_and_deletes_it_when_cancelled_or_expired(tmp_path, home,
                                                                                         caseworker_user):
    path = write_csv(tmp_path / "reports.csv", REPORT_HEADERS, REPORT_ROWS)
    client = client_for(caseworker_user)
    upload(client, path, "reports")
    other = client_for(caseworker_user)  # the same user in another browser: not its upload
    assert other.get(reverse("exchange:mapping"))["Location"] == reverse("exchange:upload")
    assert post(client, "exchange:cancel").status_code == 302 and stored(home) == []
    upload(client, path, "reports")
    (file,) = stored(home)
    old = time.time() - uploads.TTL - 60
    os.utime(file, (old, old))
    response = client.get(reverse("exchange:mapping"), follow=True)
    assert "no longer kept" in response.content.decode() and stored(home) == []


def test_it_refuses_a_confirm_that_does_not_match_the_dry_run(tmp_path, home, caseworker_user):
    path = write_csv(tmp_path / "reports.csv", REPORT_HEADERS, REPORT_ROWS)
    client = client_for(caseworker_user)
    upload(client, path, "reports")
    data = {"step": "mapping", **{f"col_{i}": f for i, f in enumerate(
        ["external_id", "full_name", "mother_name", "sex", "birth_date", "arrest_date", "arresting_branch",
         "distinguishing_marks", "-", "-"])}}
    post(client, "exchange:mapping", data)
    client.get(reverse("exchange:preview"))
    response = post(client, "exchange:confirm", {"previewed": "0" * 64})
    assert response.status_code == 302 and MissingPersonReport.objects.count() == 0
    data["col_2"] = "full_name"  # two columns for one field: said on the form
    page = post(client, "exchange:mapping", data).content.decode()
    assert "is already the column" in page
    data.update(col_1="-", col_2="-")
    assert "Required: a column for the missing person" in post(client, "exchange:mapping", data).content.decode()


def test_the_report_page_shows_the_pfif_source_and_notes(caseworker_user, pfif_dir):
    from tests.exchange.conftest import load

    load(pfif_dir / "test.pfif-1.4.xml")
    report = MissingPersonReport.objects.get()
    page = client_for(caseworker_user).get(reverse("casework:report", args=[report.reference])).content.decode()
    assert "Where this report came from" in page and "_test_source_name" in page and "_test_source_url" in page
    assert report.pfif_record.person_record_id in page and "believed_missing" in page and "_test_text" in page
    assert "_test_author_phone" not in page


def test_the_report_page_says_which_table_row_made_a_report(tmp_path, caseworker_user):
    from dalil.exchange.tables.run import import_table

    import_table(write_csv(tmp_path / "list.csv", REPORT_HEADERS, REPORT_ROWS), "reports", "test")
    row = TableReport.objects.get(external_id="A-1")
    page = client_for(caseworker_user).get(reverse("casework:report", args=[row.report.reference])).content.decode()
    assert "Imported from a table" in page and "list.csv" in page and "A-1" in page


def test_the_pages_speak_arabic_first_right_to_left(tmp_path, caseworker_user):
    from django.utils import translation

    path = write_csv(tmp_path / "reports.csv", REPORT_HEADERS, REPORT_ROWS)
    client = client_for(caseworker_user)
    client.cookies["django_language"] = "ar"
    with translation.override("ar"):
        page = client.get(reverse("exchange:upload")).content.decode()
        assert 'dir="rtl"' in page and "استيراد جدول" in page and "بلاغات عن مفقودين" in page
        upload(client, path, "reports")
        page = client.get(reverse("exchange:mapping")).content.decode()
        assert "أيّ عمود هو أيّ حقل" in page and "— لا يُستورد —" in page and "مطلوب: عمود لاسم المفقود" in page
