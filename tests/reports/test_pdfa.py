"""The report PDF is archival and tagged: PDF/A-3a, read back from its bytes and through pdfium.

veraPDF is not packaged for Debian, so the checks read what a validator reads first: the XMP metadata's
pdfaid part and conformance, the /StructTreeRoot and /MarkInfo in the catalogue, the sRGB output intent,
and the structure tree pdfium builds for each page. A PDF written without the variant is checked too, so a
check that could never fail shows up here.
"""

import ctypes
import re
import zlib

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_raw
import pytest

from dalil.reports import document

pytestmark = pytest.mark.django_db

STREAM = re.compile(rb"stream\r?\n(.*?)\r?\nendstream", re.S)


def _decoded(pdf: bytes) -> bytes:
    """Every stream of the PDF, inflated where it is compressed, with the raw bytes: object streams included."""
    parts = [pdf]
    for match in STREAM.finditer(pdf):
        data = match.group(1)
        try:
            parts.append(zlib.decompress(data))
        except zlib.error:
            parts.append(data)
    return b"\n".join(parts)


def _xmp(pdf: bytes) -> str:
    match = re.search(rb"<x:xmpmeta.*?</x:xmpmeta>", _decoded(pdf), re.S)
    assert match, "the PDF has no XMP metadata packet"
    return match.group(0).decode("utf-8")


def _structure_types(pdf: bytes) -> set[str]:
    """The types of the structure elements pdfium finds on each page (Document, H1, P, Table, ...)."""
    found, buffer = set(), ctypes.create_string_buffer(256)

    def walk(element, depth=0):
        length = pdfium_raw.FPDF_StructElement_GetType(element, buffer, len(buffer))
        if length:
            found.add(buffer.raw[:length].decode("utf-16-le").rstrip("\x00"))
        for i in range(max(pdfium_raw.FPDF_StructElement_CountChildren(element), 0)):
            child = pdfium_raw.FPDF_StructElement_GetChildAtIndex(element, i)
            if child and depth < 40:
                walk(child, depth + 1)

    pdf_document = pdfium.PdfDocument(pdf)
    for page in pdf_document:
        tree = pdfium_raw.FPDF_StructTree_GetForPage(page)
        for i in range(max(pdfium_raw.FPDF_StructTree_CountChildren(tree), 0)):
            walk(pdfium_raw.FPDF_StructTree_GetChildAtIndex(tree, i))
        pdfium_raw.FPDF_StructTree_Close(tree)
    return found


def assert_archival_and_tagged(pdf: bytes) -> None:
    xmp = _xmp(pdf)
    assert re.search(r'pdfaid:part="3"', xmp), f"the XMP does not say PDF/A part 3: {xmp[:400]}"
    assert re.search(r'pdfaid:conformance="A"', xmp), f"the XMP does not say conformance A: {xmp[:400]}"
    decoded = _decoded(pdf)
    assert b"/StructTreeRoot" in decoded, "the catalogue has no /StructTreeRoot"
    assert re.search(rb"/MarkInfo\s*<<\s*/Marked\s+true", decoded), "the catalogue does not say /MarkInfo /Marked true"
    assert b"/OutputIntents" in decoded and b"GTS_PDFA1" in decoded, "no PDF/A output intent (sRGB)"
    pdf_document = pdfium.PdfDocument(pdf)
    assert pdfium_raw.FPDFCatalog_IsTagged(pdf_document), "pdfium does not see a tagged PDF"
    types = _structure_types(pdf)
    assert {"H1", "P", "Table"} <= types, f"the structure tree lacks headings, paragraphs or tables: {sorted(types)}"


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_it_writes_the_report_as_tagged_pdfa(archive, tmp_path, lang):
    output = tmp_path / f"report-{lang}.pdf"
    document.generate(document.Request(collection=archive["collection"], lang=lang, format="pdf", actor="pytest",
                                       verify=False), output)
    pdf = output.read_bytes()
    assert_archival_and_tagged(pdf)
    title = re.search(r"<dc:title>.*?<rdf:li[^>]*>(.*?)</rdf:li>", _xmp(pdf), re.S)
    assert title and title.group(1).strip(), "the XMP metadata has no document title"


def test_it_would_notice_a_plain_untagged_pdf():
    from weasyprint import HTML

    plain = HTML(string='<html lang="ar" dir="rtl"><title>ت</title><h1>تقرير</h1><p>نص</p>'
                        "<table><tr><td>1</td></tr></table></html>").write_pdf()
    with pytest.raises(AssertionError, match="XMP|PDF/A"):
        assert_archival_and_tagged(plain)
    assert _structure_types(plain) == set()
    assert not pdfium_raw.FPDFCatalog_IsTagged(pdfium.PdfDocument(plain))


def test_it_isolates_the_collection_name_and_numbers_in_the_arabic_report(archive):
    from dalil.evidence.models import Collection

    wanted = document.Request(collection=archive["collection"], lang="ar", format="html", actor="pytest", verify=False)
    html = document.render_html(document.build_context(Collection.objects.get(name=archive["collection"]), wanted))
    scope = html[html.index('<section id="scope">'):]
    scope = scope[:scope.index("</p>")]
    assert f'<bdi dir="ltr">{archive["collection"]}</bdi>' in scope, scope
    assert re.search(r'<bdi dir="ltr">\d+</bdi> صورة', scope), scope
