"""Checks on a rendered PDF: not blank, Arabic in logical order and laid out right to left, shaped, bundled fonts.

Each check raises AssertionError with what it saw. tests/reports/test_pdf_arabic.py runs them on a real
report, and on deliberately broken renderings to prove each one can fail.
"""

import ctypes

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_raw

BUNDLED_FONTS = ("Dalil-Naskh", "Dalil-Sans")  # WeasyPrint names embedded fonts after their @font-face family


class Page:
    """One PDF page: its pixels and, per character of its text layer, the character, its box and its font."""

    def __init__(self, pdf_bytes: bytes, index: int = 0, scale: float = 2.0):
        document = pdfium.PdfDocument(pdf_bytes)
        page = document[index]
        self.image = page.render(scale=scale, grayscale=True).to_pil().convert("L")
        self.width = page.get_width()
        textpage = page.get_textpage()
        self.text = textpage.get_text_range()
        self.chars = []
        name = ctypes.create_string_buffer(256)
        flags = ctypes.c_int()
        for i in range(textpage.count_chars()):
            char = chr(pdfium_raw.FPDFText_GetUnicode(textpage, i))
            pdfium_raw.FPDFText_GetFontInfo(textpage, i, name, len(name), flags)
            font = name.value.decode("latin-1").split("+", 1)[-1]
            self.chars.append((char, textpage.get_charbox(i), font))

    def find(self, phrase: str) -> int:
        index = self.text.find(phrase)
        assert index >= 0, (f"{phrase!r} is not in the page's text in logical order; "
                            f"the text reads:\n{self.text[:400]!r}")
        return index

    def word_width(self, word: str) -> float:
        """The inked width (PDF points) of the first occurrence of `word`, from its characters' boxes."""
        start = self.find(word)
        boxes = [self.chars[i][1] for i in range(start, start + len(word))]
        return max(b[2] for b in boxes) - min(b[0] for b in boxes)


def assert_not_blank(page: Page, min_ink_share: float = 0.004) -> None:
    histogram = page.image.histogram()  # 256 grey levels
    share = sum(histogram[:128]) / sum(histogram)
    assert share > min_ink_share, f"the page is (nearly) blank: {share:.4%} of its pixels are dark"


def assert_right_to_left(page: Page, phrase: str) -> None:
    """The phrase's letters (spaces aside) run right to left, and the line is set against the right margin."""
    start = page.find(phrase)
    centres = [(page.chars[i][1][0] + page.chars[i][1][2]) / 2 for i in range(start, start + len(phrase))
               if not phrase[i - start].isspace()]
    steps = list(zip(centres, centres[1:]))
    backwards = [(a, b) for a, b in steps if b > a + 0.5]
    assert not backwards, f"{phrase!r}: {len(backwards)} of {len(steps)} steps go left to right: {backwards[:5]}"
    assert centres[0] - centres[-1] > 20, (
        f"{phrase!r} does not run right to left: {centres[0]:.1f} -> {centres[-1]:.1f}")
    right_edge = max(page.chars[i][1][2] for i in range(start, start + len(phrase)))
    assert right_edge > page.width * 0.75, f"{phrase!r} ends at x={right_edge:.0f} of {page.width:.0f}: not set right"


def assert_bundled_fonts(page: Page, arabic_font: str = "Dalil-Naskh") -> None:
    """Every character comes from a bundled font; every Arabic letter from the Arabic one; no missing glyph."""
    foreign = {font for char, _, font in page.chars if char.strip() and not font.startswith(BUNDLED_FONTS)}
    assert not foreign, f"characters drawn with fonts that are not bundled: {sorted(foreign)}"
    wrong = {(char, font) for char, _, font in page.chars if "\u0600" <= char <= "\u06ff" and
             not font.startswith(arabic_font)}
    assert not wrong, f"Arabic letters drawn with another font: {sorted(wrong)[:10]}"
    missing = [char for char, box, _ in page.chars if char in "\ufffd\x00" or (char.strip() and box[2] - box[0] <= 0)]
    assert not missing, f"{len(missing)} characters have no glyph (.notdef or empty box)"


def assert_shaped(page: Page, word: str, isolated_width: float, max_ratio: float = 0.85) -> None:
    """A word of joining letters is drawn with its joined forms: clearly narrower than its isolated forms."""
    width = page.word_width(word)
    assert width < isolated_width * max_ratio, (
        f"{word!r} is {width:.1f} pt wide, not narrower than {max_ratio:.0%} of its isolated forms "
        f"({isolated_width:.1f} pt): its letters are not joined")
