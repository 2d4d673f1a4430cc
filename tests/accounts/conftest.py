import pytest


@pytest.fixture(autouse=True)
def quick_passwords(settings):
    """Sign-in tests hash many passwords: a fast hasher here (production keeps Django's default)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def english_pages(settings):
    """Pages in English unless a test chooses Arabic (the language cookie), so that messages can be read here."""
    settings.LANGUAGE_CODE = "en"
