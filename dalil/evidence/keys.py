"""The instance's Ed25519 signing key, which signs seals.

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


def _key_path() -> Path:
    configured = os.environ.get("DALIL_SIGNING_KEY_FILE")
    return Path(configured) if configured else settings.KEYS_DIR / "seal-ed25519.pem"


def signing_key() -> Ed25519PrivateKey:
    path = _key_path()
    if not path.exists():
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        key = Ed25519PrivateKey.generate()
        pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(pem)
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path} is not an Ed25519 private key")
    return key


def raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def fingerprint(public_raw: bytes) -> str:
    return "SHA256:" + hashlib.sha256(public_raw).hexdigest()
