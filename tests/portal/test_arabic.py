"""normalize_arabic and normalize_number: one spelling for the ways people write the same thing."""

from dalil.lib.arabic import ascii_digits, normalize_arabic, normalize_number


def test_it_folds_hamza_forms_to_a_bare_alef():
    assert normalize_arabic("أحمد إبراهيم آمنة") == "احمد ابراهيم امنه"


def test_it_folds_waw_and_yaa_hamza_alef_maqsura_and_ta_marbuta():
    assert normalize_arabic("مؤمن") == "مومن"
    assert normalize_arabic("رئيس") == "رييس"
    assert normalize_arabic("مصطفى") == "مصطفي"
    assert normalize_arabic("ندبة") == normalize_arabic("ندبه") == "ندبه"


def test_it_strips_harakat_superscript_alef_and_tatweel():
    assert normalize_arabic("مُحَمَّدٌ") == "محمد"
    assert normalize_arabic("هٰذا") == "هذا"
    assert normalize_arabic("الكتـــف") == "الكتف"


def test_it_turns_arabic_indic_and_persian_digits_into_ascii():
    assert normalize_arabic("فرع ٢١٥") == "فرع 215"
    assert normalize_arabic("۲۲۷") == "227"
    assert ascii_digits("٠١٢٣٤٥٦٧٨٩") == "0123456789"


def test_it_collapses_spaces_and_leaves_latin_alone():
    assert normalize_arabic("  وشم \t على\n الذراع  ") == "وشم علي الذراع"
    assert normalize_arabic("Scar on the LEFT arm") == "Scar on the LEFT arm"
    assert normalize_arabic("") == ""


def test_it_compares_numbers_without_leading_zeros_or_spaces():
    assert normalize_number("٠٠٧٧") == "77"
    assert normalize_number(" 0215 ") == "215"
    assert normalize_number("000") == "0"
    assert normalize_number("") == ""
