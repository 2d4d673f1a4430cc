"""Bidirectional-text controls that can disguise what a name or a note says.

U+202A–U+202E (embeddings and overrides) and U+2066–U+2069 (isolates) change
the order in which the characters after them are shown, up to the end of the
paragraph: a right-to-left override in a name can make "Samer" read as
"remaS", or flip the text next to it on a staff page. Nobody needs them to type
a name or a description in Arabic or English (a keyboard inserts none of them),
so what a family types is stored without them. The marks U+200E/U+200F (LRM,
RLM) are kept: they reorder nothing around them, and people use them to keep a
Latin number in place inside Arabic text.

Text that reaches staff pages another way (an import, an older row) is shown
inside <bdi> (an isolate), so even an override that is stored cannot reach past
the name it is in.
"""

import re

CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")


def strip_controls(text: str) -> str:
    """The text without embedding, override and isolate controls (LRM/RLM kept)."""
    return CONTROLS.sub("", text) if text else text
