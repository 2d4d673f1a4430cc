"""The terminal's size for progress bars, with a sane default where none is reported."""

import os
import sys


def terminal_size() -> tuple[int, int]:
    """(columns, lines) of stderr's terminal; a terminal reporting 0x0 (a bare pty, `script`) gets 100x24.

    tqdm prints nothing on a 0-column terminal, so a size is always given.
    """
    try:
        size = os.get_terminal_size(sys.stderr.fileno())
        return size.columns or 100, size.lines or 24
    except OSError:
        return 100, 24
