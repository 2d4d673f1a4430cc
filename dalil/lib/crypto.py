"""Encryption at rest for what could cost lives if leaked: contact details, photos of the missing.

Fernet (AES-128-CBC + HMAC-SHA256) with a key from DALIL_ENCRYPTION_KEY (or
_FILE), never stored in the database. Several keys may be given, comma-separated,
newest first: data is encrypted with the first and read with any (key rotation).
"""

from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet


class MissingKey(Exception):
    pass


@lru_cache(maxsize=4)
def _fernet(keys: str) -> MultiFernet:
    return MultiFernet([Fernet(k.strip().encode()) for k in keys.split(",") if k.strip()])


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
        raise MissingKey("this data was encrypted with a key that is not in DALIL_ENCRYPTION_KEY") from None


def encrypt_text(text: str) -> bytes:
    return encrypt(text.encode("utf-8")) if text else b""


def decrypt_text(token: bytes | None) -> str:
    return decrypt(token).decode("utf-8") if token else ""


def new_key() -> str:
    return Fernet.generate_key().decode()
