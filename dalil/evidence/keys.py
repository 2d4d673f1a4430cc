"""The instance's Ed25519 signing key, which signs seals and custody anchors.

Kept at DALIL_HOME/keys/seal-ed25519.pem (mode 0600), made on first use, or
read from DALIL_SIGNING_KEY_FILE. Its fingerprint, SHA256:<hex of the raw
public key>, is what an archive publishes so that recipients of a proof can
check that the seal came from it.
"""

import hashlib
import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings

# path -> (mtime_ns, key): every custody append signs an anchor, so the PEM is parsed once per process.
_loaded: dict[Path, tuple[int, Ed25519PrivateKey]] = {}


def key_path() -> Path:
    configured = os.environ.get("DALIL_SIGNING_KEY_FILE")
    return Path(configured) if configured else settings.KEYS_DIR / "seal-ed25519.pem"



def signing_key() -> Ed25519PrivateKey:
    path = key_path()
    if not path.exists():
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        key = Ed25519PrivateKey.generate()
        pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another process made it a moment ago: use theirs
        else:
            with os.fdopen(fd, "wb") as f:
                f.write(pem)
    return _load(path)


def _load(path: Path) -> Ed25519PrivateKey:
    mtime = path.stat().st_mtime_ns
    cached = _loaded.get(path)
    if cached and cached[0] == mtime:
        return cached[1]
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path} is not an Ed25519 private key")
    _loaded[path] = (mtime, key)
    return key


def instance_public_raw() -> bytes | None:
    """The raw public key of the instance's signing key, or None when there is none yet (never makes one)."""
    path = key_path()
    if not path.exists():
        return None
    return raw_public(_load(path).public_key())


def raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def fingerprint(public_raw: bytes) -> str:
    return "SHA256:" + hashlib.sha256(public_raw).hexdigest()
