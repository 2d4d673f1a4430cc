"""Arabic text helpers that need no database: digit normalisation for now."""

# Arabic-Indic (U+0660..) and Eastern Arabic-Indic / Persian (U+06F0..) digits to ASCII.
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")


def ascii_digits(text: str) -> str:
    """'٢١٥' -> '215'; everything else unchanged."""
    return text.translate(_DIGITS)
