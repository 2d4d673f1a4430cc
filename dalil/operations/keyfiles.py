"""The instance's keys in a backup: only with --with-keys, and only encrypted with a passphrase.

The keys (the Ed25519 signing key that signs seals and custody anchors, the Fernet key(s) that encrypt families'
contact details, Django's secret key) are put in one JSON document and encrypted with age's passphrase recipient
(scrypt, then ChaCha20-Poly1305; pyrage.passphrase), so `age -d` can open the file as well as `dalil restore`. The
passphrase is asked for at a prompt or read from a file, and is never stored in the backup.
"""

import getpass
import json
import os
import sys
from pathlib import Path

from django.conf import settings

from dalil.evidence import keys
from dalil.operations.manifest import BackupError

FORMAT = "dalil-keys/1"
MIN_PASSPHRASE = 12
ENVIRONMENT = {"encryption_keys": "DALIL_ENCRYPTION_KEY", "secret_key": "DALIL_SECRET_KEY"}
FILES = {"encryption_keys": "encryption-key", "secret_key": "django-secret-key"}


def passphrase(path: str | None, confirm: bool) -> str:
    """The passphrase from the first line of PATH, or typed at a prompt (twice when making a backup)."""
    if path:
        try:
            text = Path(path).read_text(encoding="utf-8").split("\n", 1)[0].rstrip("\r")
        except OSError as exc:
            raise BackupError(f"the passphrase file {path} cannot be read ({exc.strerror})") from None
    elif sys.stdin.isatty():
        text = getpass.getpass("Passphrase for the keys: ")
        if confirm and getpass.getpass("The same passphrase again: ") != text:
            raise BackupError("the two passphrases differ; nothing was written")
    else:
        raise BackupError("the keys need a passphrase: run in a terminal to type it, or give --passphrase-file FILE")
    if confirm and len(text) < MIN_PASSPHRASE:
        raise BackupError(f"the passphrase has {len(text)} characters; use at least {MIN_PASSPHRASE} (a few words)")
    if not text:
        raise BackupError("the passphrase is empty")
    return text


def collect() -> dict:
    """The instance's keys as they are in use now."""
    path = keys.key_path()
    return {
        "format": FORMAT,
        "signing_key_pem": path.read_text() if path.exists() else None,
        "encryption_keys": settings.ENCRYPTION_KEYS,
        "secret_key": settings.SECRET_KEY,
    }


def encrypt(payload: dict, secret: str) -> bytes:
    from pyrage import passphrase as age

    return age.encrypt(json.dumps(payload).encode(), secret)


def decrypt(blob: bytes, secret: str, where: Path) -> dict:
    from pyrage import DecryptError, passphrase as age

    try:
        payload = json.loads(age.decrypt(blob, secret))
    except DecryptError:
        raise BackupError(f"the passphrase does not open the keys in {where}: nothing was restored; give the "
                          "passphrase used when the backup was made") from None
    if payload.get("format") != FORMAT:
        raise BackupError(f"{where} does not hold dalil keys of the format {FORMAT}")
    return payload


def conflicts(payload: dict) -> list[str]:
    """Keys of the instance that the backup's would overwrite while different: the signing key only.

    The encryption and secret keys an empty instance holds were made at its first start and protect nothing yet.
    """
    path = keys.key_path()
    pem = payload.get("signing_key_pem")
    if pem and path.exists() and path.read_text() != pem:
        return [f"the instance already has a different signing key at {path}: move it away (or restore with "
                "--skip-keys to keep it) and run the restore again"]
    return []


def install(payload: dict) -> list[str]:
    """Write the backup's keys where this instance reads them; sentences for what the operator must still do."""
    notes = []
    pem = payload.get("signing_key_pem")
    if pem:
        _write_private(keys.key_path(), pem)
    else:
        notes.append("the backup holds no signing key (the instance had never signed a seal or anchor)")
    for name, file_name in FILES.items():
        path = settings.KEYS_DIR / file_name
        _write_private(path, payload[name])
        variable = ENVIRONMENT[name]
        if os.environ.get(variable) or os.environ.get(f"{variable}_FILE"):
            if getattr(settings, "ENCRYPTION_KEYS" if name == "encryption_keys" else "SECRET_KEY") != payload[name]:
                notes.append(f"this instance takes {variable} from its environment, which differs from the "
                             f"backup's: set {variable}_FILE={path} (written by this restore) before starting it")
    return notes


def _write_private(path: Path, text: str) -> None:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    tmp = path.with_name(f".restore-{path.name}-{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
