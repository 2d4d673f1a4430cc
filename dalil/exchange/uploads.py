"""A spreadsheet uploaded on the import pages, kept between the steps: encrypted, bound to one session, short-lived.

Files of reports carry families' names, phones and addresses, so the bytes are
never on disk in clear: they are encrypted (dalil.lib.crypto, the key from
DALIL_ENCRYPTION_KEY) into DALIL_HOME/exchange-uploads/, under a name derived
from a random token that only the uploader's session holds (the folder's
listing tells nobody the token). The file is deleted when the import has run,
when it is cancelled or replaced by another upload, and at the latest TTL
seconds after the upload (every visit to the import pages sweeps expired ones).
"""

import hashlib
import json
import os
import secrets
import time
from pathlib import Path

from django.conf import settings

from dalil.lib import crypto

TTL = 2 * 3600  # seconds an upload waits for its import
SESSION_KEY = "exchange_import"


class UploadGone(Exception):
    """The upload expired, was used, or belongs to another session."""


def folder() -> Path:
    path = Path(settings.HOME) / "exchange-uploads"
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def _path(token: str) -> Path:
    return folder() / hashlib.sha256(f"dalil-exchange-upload:{token}".encode()).hexdigest()


def save(raw: bytes, name: str, user_id: int) -> str:
    """Encrypt and keep `raw`; the token to fetch it again (keep it in the session only)."""
    sweep()
    token = secrets.token_urlsafe(32)
    header = json.dumps({"name": name, "user": user_id, "at": time.time()}).encode()
    blob = crypto.encrypt(len(header).to_bytes(4, "big") + header + raw)
    path = _path(token)
    temporary = path.with_suffix(".part")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(blob)
    os.replace(temporary, path)
    return token


def load(token: str, user_id: int) -> tuple[str, bytes]:
    """(file name, bytes) of an upload by this user that has not expired."""
    if not token:
        raise UploadGone("no upload")
    path = _path(token)
    try:
        if time.time() - path.stat().st_mtime > TTL:
            discard(token)
            raise UploadGone("expired")
        data = crypto.decrypt(path.read_bytes())
    except FileNotFoundError:
        raise UploadGone("gone") from None
    except crypto.MissingKey:  # the encryption key changed since the upload
        discard(token)
        raise UploadGone("unreadable") from None
    size = int.from_bytes(data[:4], "big")
    header = json.loads(data[4:4 + size])
    if header.get("user") != user_id:
        raise UploadGone("another user's upload")
    return header["name"], data[4 + size:]


def discard(token: str | None) -> None:
    if token:
        _path(token).unlink(missing_ok=True)


def sweep(now: float | None = None) -> int:
    """Delete uploads older than TTL (and half-written ones); how many."""
    now, gone = now or time.time(), 0
    for path in folder().iterdir():
        try:
            if now - path.stat().st_mtime > TTL or (path.suffix == ".part" and now - path.stat().st_mtime > 600):
                path.unlink(missing_ok=True)
                gone += 1
        except FileNotFoundError:
            continue
    return gone


# The pending import of one session: the token and the choices made so far (no personal data).

def pending(request) -> dict | None:
    state = request.session.get(SESSION_KEY)
    return state if isinstance(state, dict) and state.get("token") else None


def set_pending(request, state: dict) -> None:
    request.session[SESSION_KEY] = state
    request.session.modified = True


def clear_pending(request) -> None:
    state = request.session.pop(SESSION_KEY, None)
    if isinstance(state, dict):
        discard(state.get("token"))
