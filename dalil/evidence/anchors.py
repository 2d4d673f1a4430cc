"""The custody chain's head, written outside the database after every append.

The custody log is hash-chained, so an edit in the middle of it breaks the
chain at a row verify names. But someone who can write the database can also
delete the newest rows, append rows of their own, or edit a row and recompute
every hash after it, and the chain alone still looks whole. So after every
append commits, dalil adds one signed line to an append-only text file that
lives outside the database (DALIL_ANCHOR_FILE, by default beside the signing
key in DALIL_HOME/keys/). `dalil verify` compares the database with every line:

    TIME ROWS HEAD FIRST SIGNATURE

TIME is UTC (ISO 8601); ROWS the chain's length at that moment (the seq of its
newest row); HEAD that row's hash; FIRST the first row this append wrote (rows
FIRST..ROWS were written by dalil itself); SIGNATURE the instance's Ed25519
signature over "dalil-custody-anchor/1 TIME ROWS HEAD FIRST", in hex.

A copy of the file kept elsewhere (another machine, write-once media) can be
compared too: `dalil verify --anchors COPY`. What this can and cannot detect is
in docs/security.md.
"""

import logging
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.conf import settings
from django.utils import timezone

from dalil.evidence import keys

FORMAT = "dalil-custody-anchor/1"
FILE_NAME = "custody-anchors.txt"
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Anchor:
    path: Path
    line: int
    at: str
    rows: int
    head: str
    first: int
    signature: str

    @property
    def where(self) -> str:
        return f"anchor line {self.line} of {self.path} ({self.at})"

    def message(self) -> bytes:
        return _message(self.at, self.rows, self.head, self.first)


def _message(at: str, rows: int, head: str, first: int) -> bytes:
    return f"{FORMAT} {at} {rows} {head} {first}".encode("ascii")


def anchor_path() -> Path:
    """DALIL_ANCHOR_FILE, or custody-anchors.txt beside the instance's keys."""
    configured = getattr(settings, "ANCHOR_FILE", "")
    return Path(configured) if configured else Path(settings.KEYS_DIR) / FILE_NAME


def write(first: int, rows: int, head: str) -> None:
    """Append one signed line: rows FIRST..ROWS were just committed and the chain ends at HEAD."""
    at = timezone.now().isoformat().replace("+00:00", "Z")
    signature = keys.signing_key().sign(_message(at, rows, head, first)).hex()
    line = f"{at} {rows} {head} {first} {signature}\n".encode("ascii")
    path = anchor_path()
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    # One write() on an O_APPEND descriptor: lines from concurrent processes never interleave.
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, line)
        os.fsync(fd)  # a line lost to a power cut would later read as rows written behind dalil's back
    finally:
        os.close(fd)


def after_append(first: int, rows: int, head: str) -> None:
    """on_commit hook of custody.append: an anchor that cannot be written is logged, never fatal to the append."""
    try:
        write(first, rows, head)
    except Exception:  # the rows are committed already; verify will name them as unanchored
        log.exception("could not write the custody anchor for rows #%s-#%s to %s", first, rows, anchor_path())


def read(path: Path) -> tuple[list[Anchor], list[str]]:
    """The anchors of one file, and a sentence for each line that cannot be read as one."""
    anchors, problems = [], []
    try:
        text = path.read_bytes().decode("ascii", errors="replace")
    except FileNotFoundError:
        return [], []
    except OSError as exc:
        return [], [f"the anchor file {path} cannot be read ({exc.strerror})"]
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        parts = line.split()
        try:
            at, rows, head, first, signature = parts
            anchor = Anchor(path, number, at, int(rows), head, int(first), signature)
            bytes.fromhex(head), bytes.fromhex(signature)
            if len(head) != 64 or not 1 <= anchor.first <= anchor.rows:
                raise ValueError
        except ValueError:
            problems.append(f"anchor line {number} of {path} is not an anchor (time, rows, head, first row, "
                            "signature): the file was edited")
            continue
        anchors.append(anchor)
    return anchors, problems


def signed_by(anchor: Anchor, public_raw: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(public_raw).verify(bytes.fromhex(anchor.signature), anchor.message())
    except (InvalidSignature, ValueError):
        return False
    return True


def compare(anchors: list[Anchor], hashes: dict[int, str], last_seq: int, public_raw: bytes | None) -> list[str]:
    """Problems between the chain (HASHES: seq -> hash of the rows anchors name) and the anchors, by row."""
    problems = []
    if anchors and public_raw is None:
        problems.append(f"the instance's signing key {keys.key_path()} is missing, so the {len(anchors)} "
                        "custody anchor(s) cannot be checked: restore the key from its offline copy")
    trusted = []
    for anchor in anchors:
        if public_raw is not None and not signed_by(anchor, public_raw):
            problems.append(f"{anchor.where} is not signed by this instance's key "
                            f"({keys.fingerprint(public_raw)}): the line was forged or edited")
        else:
            trusted.append(anchor)
    beyond = [a for a in trusted if a.rows > last_seq]
    if beyond:
        top = max(beyond, key=lambda a: a.rows)
        problems.append(f"{_rows(last_seq + 1, top.rows)} deleted: {top.where} records {top.rows} rows, "
                        f"the database holds rows up to #{last_seq}")
    mismatched = sorted((a for a in trusted if a.rows <= last_seq and hashes.get(a.rows) != a.head),
                        key=lambda a: (a.rows, a.line))
    if mismatched:
        first = mismatched[0]
        held = [a.rows for a in trusted if a.rows < first.rows and hashes.get(a.rows) == a.head]
        start = max(held) + 1 if held else 1  # the rows up to the last anchor that still matches are as written
        span = f"row #{first.rows}" if start == first.rows else f"rows #{start}-#{first.rows}"
        found = "is missing" if first.rows not in hashes else f"has hash {hashes[first.rows][:16]}…"
        problems.append(f"custody row #{first.rows} {found}, but {first.where} recorded {first.head[:16]}…: "
                        f"the log was rewritten in {span}")
        if len(mismatched) > 1:
            problems.append(f"{len(mismatched) - 1} later anchor(s) disagree with the log as well, up to row "
                            f"#{mismatched[-1].rows}")
    problems += _unvouched(trusted, last_seq)
    return problems


def _unvouched(anchors: list[Anchor], last_seq: int) -> list[str]:
    """Rows after anchoring began that no append anchor vouches for: written into the database directly."""
    if not anchors:
        return []
    start = min(a.first for a in anchors)
    spans = sorted((a.first, a.rows) for a in anchors)
    gaps, reach = [], start - 1
    for first, rows in spans:
        if first > reach + 1:
            gaps.append((reach + 1, first - 1))
        reach = max(reach, rows)
    if reach < last_seq:
        gaps.append((reach + 1, last_seq))
    return [f"{_rows(a, b, 'are', 'is')} vouched for by no anchor: added to the database directly, not through dalil (or dalil was stopped "
            "in the instant after writing them, or could not write the anchor file: see dalil.log)"
            for a, b in gaps]


def _rows(a: int, b: int, plural: str = "were", singular: str = "was") -> str:
    return f"custody row #{a} {singular}" if a == b else f"custody rows #{a}-#{b} {plural}"
