"""The Arabic PDF report, rendered to pixels and read back: shaped, right to left, in the bundled fonts.

Each check is also run on a deliberately broken rendering of the same page (letters forced left to right,
joining turned off, the Arabic font left out), so a check that could never fail would show up here.
"""

import pytest
from fontTools.ttLib import TTFont

from dalil.evidence.models import Collection
from dalil.reports import document
from tests.reports import pdf_checks

pytestmark = pytest.mark.django_db

TITLE = "تقرير عن صور المتوفين في الاحتجاز"
JOINED_WORD = "تقرير"  # ت ق ر join, then ي ر: five letters, two joined pieces
TITLE_SIZE_PT = 20  # h1 in _document_style.html


def _isolated_width(word: str, size_pt: float) -> float:
    """The word's width (points) if each letter were drawn in its isolated form: the sum of their advances."""
    font = TTFont(document.FONTS / "NotoNaskhArabic-Bold.ttf")
    cmap, metrics = font.getBestCmap(), font["hmtx"]
    units = sum(metrics[cmap[ord(char)]][0] for char in word)
    return units * size_pt / font["head"].unitsPerEm


@pytest.fixture
def arabic_report(archive, tmp_path):
    wanted = document.Request(collection=archive["collection"], lang="ar", format="pdf", actor="pytest")
    output = tmp_path / "report-ar.pdf"
    job = document.generate(wanted, output)
    context = document.build_context(Collection.objects.get(name=archive["collection"]), wanted)
    title_page = document.render_html(context, for_pdf=True)
    title_page = title_page[:title_page.index('<section id="scope">')] + "</body></html>"
    return {"pdf": output.read_bytes(), "job": job, "title_page": title_page}


def _variant(title_page: str, css: str) -> pdf_checks.Page:
    """The title page rendered again with one more style rule, through the same PDF pipeline."""
    html = title_page.replace("</style>", css + "\n</style>", 1)
    return pdf_checks.Page(document.render_pdf(html, "ar"))


def test_it_renders_the_arabic_report_shaped_right_to_left_in_the_bundled_fonts(arabic_report):
    assert arabic_report["pdf"].startswith(b"%PDF-")
    page = pdf_checks.Page(arabic_report["pdf"])
    pdf_checks.assert_not_blank(page)
    pdf_checks.assert_right_to_left(page, TITLE)
    pdf_checks.assert_bundled_fonts(page)
    pdf_checks.assert_shaped(page, JOINED_WORD, _isolated_width(JOINED_WORD, TITLE_SIZE_PT))
    assert arabic_report["job"].status == "done" and len(arabic_report["job"].output_sha256) == 64


def test_every_page_uses_only_the_bundled_fonts_and_the_arabic_headings_read_in_order(arabic_report):
    import pypdfium2 as pdfium

    pages = len(pdfium.PdfDocument(arabic_report["pdf"]))
    assert pages >= 6
    texts = []
    for index in range(pages):
        page = pdf_checks.Page(arabic_report["pdf"], index, scale=0.5)
        pdf_checks.assert_bundled_fonts(page)
        texts.append(page.text)
    everything = "\n".join(texts)
    for heading in ("النطاق والمنهج", "بيان السلامة", "الجثامين حسب الفرع", "ملحق: الحالات بأرقامها الثلاثة"):
        assert heading in everything, heading


def test_the_checks_catch_letters_forced_left_to_right(arabic_report):
    broken = _variant(arabic_report["title_page"], "h1 { direction: ltr; unicode-bidi: bidi-override; }")
    with pytest.raises(AssertionError):
        pdf_checks.assert_right_to_left(broken, TITLE[::-1])  # bidi-override reverses what a reader sees
    with pytest.raises(AssertionError):
        pdf_checks.assert_right_to_left(broken, TITLE)


def test_the_checks_catch_unjoined_letters(arabic_report):
    broken = _variant(arabic_report["title_page"], 'h1 { font-feature-settings: "init" 0, "medi" 0, "fina" 0; }')
    pdf_checks.assert_right_to_left(broken, TITLE)  # still in order: only the joining is gone
    with pytest.raises(AssertionError, match="not joined"):
        pdf_checks.assert_shaped(broken, JOINED_WORD, _isolated_width(JOINED_WORD, TITLE_SIZE_PT))


def test_the_checks_catch_arabic_drawn_without_the_bundled_arabic_font(arabic_report):
    broken = _variant(arabic_report["title_page"], 'html, h1 { font-family: "Dalil Sans", sans-serif; }')
    with pytest.raises(AssertionError):
        pdf_checks.assert_bundled_fonts(broken)
