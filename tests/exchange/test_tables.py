"""CSV and XLSX imports of reports and of the files detailing the victims: mapping, dry run, bad rows, links."""

import csv

import openpyxl
import pytest
from django.core.management import CommandError, call_command

from dalil.exchange.models import ImportRun, Rejection, TableReport, VictimListEntry
from dalil.exchange.tables.run import TableImportError, import_table
from dalil.identification.models import MissingPersonReport
from tests.identification.personas import make_case

pytestmark = pytest.mark.django_db

REPORT_HEADERS = ["رقم الملف", "الاسم", "اسم الأم", "الجنس", "تاريخ الميلاد", "تاريخ الاعتقال", "الفرع",
                  "العلامات الفارقة", "الهاتف", "ملاحظة داخلية"]
REPORT_ROWS = [
    ["A-1", "محمد أحمد حسن الخطيب", "فاطمة", "ذكر", "١٩٨٨/٠٣/١٠", "١٠/٠٣/٢٠١٢", "٢١٥", "ندبة على الساعد",
     "+963 944 123 456", "x"],
    ["A-2", "سعاد علي", "", "أنثى", "", "2013-01-05", "227", "", "", ""],
    ["A-3", "", "", "", "", "", "", "", "", ""],
    ["A-4", "خالد", "", "ذكر", "", "32/13/2012", "215", "", "", ""],
]
VICTIM_HEADERS = ["الرقم الطبي", "رقم المعتقل", "الفرع", "الاسم", "تاريخ الوفاة"]
VICTIM_ROWS = [
    ["١٠٠١", "٣٣١٢", "٢١٥", "محمد الخطيب", "٢٠١٣/٠٥/٠١"],  # matches case 215/3312/1001
    ["2000", "9999", "227", "مجهول", "2013-06-01"],  # no such case
    ["1002", "4444", "215", "", ""],  # case 1002 has detainee 5555: conflict
    ["", "", "", "بلا أرقام", ""],  # no numbers: invalid
]


def write_csv(path, headers, rows):
    with open(path, "w", encoding="utf-8-sig", newline="") as f:
        csv.writer(f).writerows([headers, *rows])
    return path


def write_xlsx(path, headers, rows, sheet="victims"):
    book = openpyxl.Workbook()
    book.active.title = "notes"
    book.active.append(["nothing here"])
    ws = book.create_sheet(sheet)
    for row in [headers, *rows]:
        ws.append(row)
    book.save(path)
    return path


def run(path, kind, **options):
    return import_table(path, kind, "test", **options)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_it_imports_reports_with_arabic_headers_and_digits(tmp_path, fmt, caseworker):
    path = tmp_path / f"reports.{fmt}"
    (write_csv if fmt == "csv" else write_xlsx)(path, REPORT_HEADERS, REPORT_ROWS)
    s = run(path, "reports", sheet="victims" if fmt == "xlsx" else None,
            consents={"consent_contact": True, "consent_prosecutors": False, "consent_other_bodies": False})
    assert s.counts == {"create": 2, "invalid": 2}
    assert "الاسم -> full_name  [auto]" in " ".join(s.mapping) and s.unmapped == ["ملاحظة داخلية"]
    r = MissingPersonReport.objects.get(first_name_ar="محمد")
    assert (r.father_name_ar, r.grandfather_name_ar, r.family_name_ar, r.mother_name_ar) == (
        "أحمد", "حسن", "الخطيب", "فاطمة")
    assert (r.birth_date.isoformat(), r.arrest_date.isoformat(), r.arresting_branch, r.sex) == (
        "1988-03-10", "2012-03-10", "215", "male")
    assert r.reporter_phone == "+963 944 123 456" and r.consent_contact and not r.consent_prosecutors
    assert r.status == MissingPersonReport.Status.RECEIVED and len(r.reference) == 12
    invalid = {p["row"]: p["reasons"][0] for p in s.plans if p["action"] == "invalid"}
    assert invalid == {4: "no name: the missing person's name is empty",
                       5: "arrest_date '32/13/2012' is not a date (write 2012-03-10, 10/03/2012, 2012-03 or "
                          "2012, with 'about' if it is not sure)"}
    assert sorted(Rejection.objects.values_list("what", flat=True)) == ["row 4", "row 5"]
    assert all("944" not in str(p["values"]) for p in s.plans)  # contact details never in the summary
    from django.test import Client

    client = Client()
    client.force_login(caseworker)
    assert r.reference in client.get("/casework/").content.decode()  # in the queue like a portal report


def test_it_imports_a_report_file_again_without_duplicates_and_updates_a_changed_row(tmp_path):
    path = write_csv(tmp_path / "r.csv", REPORT_HEADERS, REPORT_ROWS)
    run(path, "reports")
    again = run(path, "reports")
    assert again.counts == {"skip": 2, "invalid": 2} and MissingPersonReport.objects.count() == 2
    rows = [list(r) for r in REPORT_ROWS]
    rows[1][7] = "وشم على الكتف"
    changed = run(write_csv(tmp_path / "r2.csv", REPORT_HEADERS, rows), "reports")
    assert changed.counts == {"skip": 1, "update": 1, "invalid": 2}
    assert MissingPersonReport.objects.get(first_name_ar="سعاد").distinguishing_marks == "وشم على الكتف"


def test_it_writes_nothing_on_a_dry_run(tmp_path):
    make_case()
    reports = run(write_csv(tmp_path / "r.csv", REPORT_HEADERS, REPORT_ROWS), "reports", dry_run=True)
    victims = run(write_csv(tmp_path / "v.csv", VICTIM_HEADERS, VICTIM_ROWS), "victims", dry_run=True)
    assert reports.counts["create"] == 2 and victims.counts["create"] == 3 and reports.run is None
    assert not MissingPersonReport.objects.exists() and not TableReport.objects.exists()
    assert not VictimListEntry.objects.exists() and not ImportRun.objects.exists() and not Rejection.objects.exists()


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_it_links_victims_to_body_cases_by_their_three_numbers_never_merging(tmp_path, fmt):
    matched = make_case()
    make_case(exam_no="1002", detainee_no="5555")
    path = tmp_path / f"victims.{fmt}"
    (write_csv if fmt == "csv" else write_xlsx)(path, VICTIM_HEADERS, VICTIM_ROWS)
    s = run(path, "victims", sheet="victims" if fmt == "xlsx" else None)
    assert s.counts == {"create": 3, "invalid": 1}
    assert s.matches == {"matched": 1, "unmatched": 1, "conflict": 1}
    entries = {e.row_number: e for e in VictimListEntry.objects.all()}
    assert entries[2].case == matched and (entries[2].exam_no, entries[2].detainee_no, entries[2].branch) == (
        "1001", "3312", "215")
    assert entries[2].raw["الرقم الطبي"] == "١٠٠١" and entries[2].values["death_date"] == "2013-05-01"
    assert entries[3].case is None and entries[3].match == "unmatched"
    assert entries[4].case is None and "detainee number is 5555, not 4444" in entries[4].match_reason
    assert 5 not in entries and Rejection.objects.get().what == "row 5"
    assert run(path, "victims", sheet="victims" if fmt == "xlsx" else None).counts == {"skip": 3, "invalid": 1}
    assert VictimListEntry.objects.count() == 3


def test_it_takes_a_mapping_override_and_names_an_unmapped_required_column(tmp_path):
    path = write_csv(tmp_path / "v.csv", ["N°", "Prisoner", "Unit", "Who"], [["1001", "3312", "215", "x"]])
    with pytest.raises(TableImportError, match="no column maps to exam_no"):
        run(path, "victims")
    make_case()
    s = run(path, "victims", overrides="N°=exam_no,Prisoner=detainee_no,Unit=branch,Who=-")
    assert s.matches == {"matched": 1} and "N° -> exam_no  [--map]" in " ".join(s.mapping)
    with pytest.raises(TableImportError, match="'nope' is not a field of victims"):
        run(path, "victims", overrides="Who=nope")
    with pytest.raises(TableImportError, match="columns the file does not have: missing"):
        run(path, "victims", overrides="Missing=exam_no")


def test_it_says_which_sheets_exist_when_the_sheet_is_wrong(tmp_path):
    path = write_xlsx(tmp_path / "v.xlsx", VICTIM_HEADERS, VICTIM_ROWS)
    with pytest.raises(TableImportError, match="no sheet named 'x' \\(sheets: notes, victims\\)"):
        run(path, "victims", sheet="x")


def test_the_command_prints_the_mapping_and_exits_3_on_bad_rows(tmp_path, capsys):
    path = write_csv(tmp_path / "r.csv", REPORT_HEADERS, REPORT_ROWS)
    with pytest.raises(SystemExit) as exit_:
        call_command("import", "table", str(path), "--kind", "reports", "--dry-run")
    assert exit_.value.code == 3
    out = capsys.readouterr().out
    assert "DRY RUN" in out and "row     5: invalid — arrest_date '32/13/2012'" in out and "-> full_name" in out
    with pytest.raises(CommandError, match="no column maps to the missing person's name"):
        call_command("import", "table", str(path), "--kind", "reports", "--map", "الاسم=-")


def test_it_takes_a_year_or_a_month_or_an_about_date_at_its_precision(tmp_path, caseworker):
    """The examiner's rows with 1979 or 2012-11 were refused whole; a family often knows no more."""
    path = tmp_path / "partial.csv"
    write_csv(path, ["الاسم", "تاريخ الميلاد", "تاريخ الاعتقال"], [
        ["سامر أحمد الحموي", "1979", "2012-11"],
        ["Rami Khaled", "about 1985", "حوالي ١١/٢٠١٢"],
        ["ليلى حسن", "1990-02-30", ""],
    ])
    s = run(path, "reports", consents={})
    assert s.counts == {"create": 2, "invalid": 1}, s.plans
    samer = MissingPersonReport.objects.get(first_name_ar="سامر")
    assert (samer.birth_date.isoformat(), samer.birth_date_precision) == ("1979-01-01", "year")
    assert (samer.arrest_date.isoformat(), samer.arrest_date_precision) == ("2012-11-01", "month")
    assert not samer.birth_date_approximate and not samer.arrest_date_approximate
    rami = MissingPersonReport.objects.get(first_name_latin="Rami")
    assert (rami.birth_date_precision, rami.birth_date_approximate) == ("year", True)
    assert (rami.arrest_date.isoformat(), rami.arrest_date_precision, rami.arrest_date_approximate) == (
        "2012-11-01", "month", True)
    again = run(path, "reports", consents={})
    assert again.counts == {"skip": 2, "invalid": 1}  # the same rows, the same precision: nothing to update
