"""The report document as HTML, and `dalil report`: sections, integrity statement, annex, photographs, profiles."""

import base64
import re

import pytest
from django.core.management import CommandError, call_command

from dalil.archive.models import Photo
from dalil.evidence.models import Seal
from dalil.evidence.store import derivatives, originals
from dalil.exports.models import ExportJob
from dalil.reports import document

pytestmark = pytest.mark.django_db


def _report(archive, tmp_path, **options) -> str:
    wanted = document.Request(collection=archive["collection"], format="html", actor="pytest",
                              **{"lang": "en", **options})
    output = tmp_path / f"report-{len(list(tmp_path.glob('report-*')))}.html"
    document.generate(wanted, output)
    return output.read_text(encoding="utf-8")


def test_it_writes_every_section_with_the_integrity_statement_and_the_annex(archive, tmp_path):
    page = _report(archive, tmp_path)
    seal = Seal.objects.get(collection=archive["collection"])
    for heading in ("Scope and method", "Integrity statement", "Tables and charts", "Findings by branch and by period",
                    "Identification progress", "Annex: the cases by their three numbers"):
        assert heading in page, heading
    assert f'id="merkle-root">{seal.root}<' in page and seal.key_fingerprint in page
    assert f'<span dir="ltr">{seal.tree_size}</span>' in page
    assert "Result: no problem found" in page
    annex = page[page.index('id="annex"'):]
    assert re.search(r"<td class=\"ltr\">215</td><td class=\"ltr\">[^<]*</td>"
                     r"<td class=\"ltr\">1001</td><td class=\"num\">2</td>", annex)
    assert annex.count("<tr>") == 1 + 4  # the header and four cases
    assert "<img" not in page and "data:image" not in page  # no photograph unless asked for


def test_it_says_plainly_when_the_collection_is_unsealed_and_when_files_changed(unsealed_archive, tmp_path):
    archive = unsealed_archive
    photo = Photo.objects.filter(exam_no="1002").select_related("item").first()
    path = originals().path(photo.item.sha256)
    path.chmod(0o644)
    path.write_bytes(b"altered after ingest")
    page = _report(archive, tmp_path)
    assert 'id="unsealed"' in page and "has not been sealed" in page
    assert "Result: 1 problem found" in page and f"stored file {photo.item.sha256}" in page
    assert "problems found: see section 2" in page


def test_it_adds_blurred_previews_only_when_asked_and_thumbnails_only_for_prosecutors(archive, tmp_path):
    blurred = _report(archive, tmp_path, with_photos=True)
    first = Photo.objects.filter(exam_no="1001").order_by("pk").first()
    preview = derivatives().open(first.preview_sha256).read()
    thumbnail = derivatives().open(first.thumbnail_sha256).read()
    assert base64.b64encode(preview).decode() in blurred
    assert base64.b64encode(thumbnail).decode() not in blurred
    assert blurred.count("<figure>") == 4
    unblurred = _report(archive, tmp_path, with_photos=True, unblurred=True)
    assert base64.b64encode(thumbnail).decode() in unblurred
    job = ExportJob.objects.order_by("-pk").first()
    assert job.summary["photograph_kind"] == "thumbnail" and first.item.sha256 in job.summary["photographs"]
    with pytest.raises(document.ReportError, match="prosecutor profile"):
        _report(archive, tmp_path, with_photos=True, unblurred=True, profile="partner")


def test_the_public_report_holds_aggregates_only(archive, tmp_path):
    page = _report(archive, tmp_path, profile="public", lang="ar")
    assert 'dir="rtl"' in page and "&lt;5" in page and "النطاق والمنهج" in page
    assert 'id="annex"' not in page and 'id="findings"' not in page and 'id="chart-progress"' not in page
    assert "1001" not in page and "محمد" not in page
    with pytest.raises(document.ReportError, match="never includes photographs"):
        _report(archive, tmp_path, profile="public", with_photos=True)


def test_the_report_command_writes_the_file_and_prints_its_sha256(archive, tmp_path, capsys):
    output = tmp_path / "caesar-report.html"
    call_command("report", str(output), "--collection", archive["collection"], "--lang", "en")
    printed = capsys.readouterr().out
    job = ExportJob.objects.get()
    assert output.is_file() and job.output_sha256 in printed and str(output.resolve()) in printed
    assert (job.scope["format"], job.profile, job.kind) == ("html", "prosecutor", "report")
    with pytest.raises(CommandError, match="exists"):
        call_command("report", str(output), "--collection", archive["collection"])
    with pytest.raises(CommandError, match="no collection named 'nope'"):
        call_command("report", str(tmp_path / "x.pdf"), "--collection", "nope")
    assert not (tmp_path / "x.pdf").exists()
