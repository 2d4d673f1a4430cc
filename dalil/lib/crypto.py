"""Encryption at rest for what could cost lives if leaked: contact details, photos of the missing.

Fernet (AES-128-CBC + HMAC-SHA256) with a key from DALIL_ENCRYPTION_KEY (or
_FILE), never stored in the database. Several keys may be given, comma-separated,
newest first: data is encrypted with the first and read with any (key rotation).
To rotate: put a new key first and keep the old one after it; everything stored
before still reads, everything stored from then on uses the new key; `reencrypt`
moves an old token to the new key, and once nothing needs the old key it can go.
"""

from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet


class MissingKey(Exception):
    """No usable key, or not the key this data was encrypted with; str() says what to set."""


@lru_cache(maxsize=4)
def _fernet(keys: str) -> MultiFernet:
    fernets = []
    for position, key in enumerate((k.strip() for k in keys.split(",") if k.strip()), start=1):
        try:
            fernets.append(Fernet(key.encode()))
        except ValueError:
            raise MissingKey(f"key {position} of DALIL_ENCRYPTION_KEY is not a Fernet key (32 url-safe base64 bytes); "
                             "make one with: python3 -c 'from cryptography.fernet import Fernet; "
                             "print(Fernet.generate_key().decode())'") from None
    if not fernets:
        raise MissingKey("DALIL_ENCRYPTION_KEY holds no key: personal data cannot be stored or read")
    return MultiFernet(fernets)


def _keys() -> str:
    from django.conf import settings

    if not settings.ENCRYPTION_KEYS:
        raise MissingKey("DALIL_ENCRYPTION_KEY is not set: personal data cannot be stored or read")
    return settings.ENCRYPTION_KEYS


def encrypt(data: bytes) -> bytes:
    return _fernet(_keys()).encrypt(data)


def decrypt(token: bytes) -> bytes:
    try:
        return _fernet(_keys()).decrypt(bytes(token))
    except InvalidToken:
        raise MissingKey("this data was encrypted with a key that is not in DALIL_ENCRYPTION_KEY: after a key "
                         "change, keep the old key after the new one (comma-separated) until the data is "
                         "re-encrypted") from None


def reencrypt(token: bytes) -> bytes:
    """The same data encrypted with the first (newest) key; MissingKey if no key given opens it."""
    try:
        return _fernet(_keys()).rotate(bytes(token))
    except InvalidToken:
        raise MissingKey("this data was encrypted with a key that is not in DALIL_ENCRYPTION_KEY") from None


def encrypt_text(text: str) -> bytes:
    return encrypt(text.encode("utf-8")) if text else b""


def decrypt_text(token: bytes | None) -> str:
    return decrypt(token).decode("utf-8") if token else ""


def new_key() -> str:
    return Fernet.generate_key().decode()
