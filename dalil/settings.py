"""dalil's one settings module: everything comes from DALIL_* environment variables.

With nothing set, the embedded default runs: SQLite (WAL) and a local
content-addressed store, all under DALIL_HOME (default ./dalil-data), so a
backup of an instance is that one folder. See docs/settings.md.
"""

import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from dalil.lib.env import env_bool, env_int, env_secret, env_str

HOME = Path(env_str("DALIL_HOME", "./dalil-data")).expanduser().resolve()
HOME.mkdir(parents=True, exist_ok=True)
KEYS_DIR = HOME / "keys"
PRODUCTION = env_bool("DALIL_PRODUCTION", False)
DEBUG = env_bool("DALIL_DEBUG", False)


def _instance_secret_key() -> str:
    key = env_secret("DALIL_SECRET_KEY")
    if key:
        return key
    if PRODUCTION:
        raise ImproperlyConfigured("DALIL_SECRET_KEY (or DALIL_SECRET_KEY_FILE) must be set when DALIL_PRODUCTION=1")
    # Embedded default: a random key made once for this instance and kept in its folder.
    path = KEYS_DIR / "django-secret-key"
    if not path.exists():
        KEYS_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _instance_secret_key()


def _encryption_keys() -> str:
    """Fernet key(s) for personal data; never in the database."""
    keys = env_secret("DALIL_ENCRYPTION_KEY")
    if keys:
        return keys
    if PRODUCTION:
        raise ImproperlyConfigured("DALIL_ENCRYPTION_KEY (or DALIL_ENCRYPTION_KEY_FILE) must be set when DALIL_PRODUCTION=1")
    from cryptography.fernet import Fernet

    path = KEYS_DIR / "encryption-key"  # embedded default: beside, never inside, the database
    if not path.exists():
        KEYS_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)
        path.write_text(Fernet.generate_key().decode())
        path.chmod(0o600)
    return path.read_text().strip()


ENCRYPTION_KEYS = _encryption_keys()
ALLOWED_HOSTS = [h for h in env_str("DALIL_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "dalil.evidence",
    "dalil.audit",
    "dalil.archive",
    "dalil.identification",
    "dalil.portal",
    "dalil.casework",
    "dalil.ingest",
    "dalil.faces",
    "dalil.exports",
    "dalil.exchange",
    "dalil.reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "dalil.lib.middleware.ArabicFirstMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "dalil.urls"
WSGI_APPLICATION = "dalil.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [Path(__file__).parent / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ]
        },
    }
]

_database_url = env_str("DALIL_DATABASE_URL")
if _database_url:
    DATABASES = {"default": dj_database_url.parse(_database_url, conn_max_age=60)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": HOME / "dalil.sqlite3",
            "OPTIONS": {
                # Writers take the lock at BEGIN, so the custody chain never forks
                # and concurrent writers wait instead of failing mid-transaction.
                "transaction_mode": "IMMEDIATE",
                "timeout": 60,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
            },
            "TEST": {"NAME": HOME / "test.sqlite3"},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Where originals and derivatives live: a local folder (default) or s3://bucket/prefix.
STORE_URL = env_str("DALIL_STORE", str(HOME / "store"))
DERIVATIVES_URL = env_str("DALIL_DERIVATIVES", str(HOME / "derivatives"))
# fsync every stored original before it is recorded (turn off only for throwaway benchmarks).
STORE_FSYNC = env_bool("DALIL_STORE_FSYNC", True)
S3_ENDPOINT_URL = env_str("DALIL_S3_ENDPOINT_URL")

# Pixel limit above which an image is refused as a possible decompression bomb.
MAX_IMAGE_PIXELS = env_int("DALIL_MAX_IMAGE_PIXELS", 150_000_000)
# Largest single file read into memory to hash and decode from the same bytes.
MAX_DECODE_BYTES = env_int("DALIL_MAX_DECODE_BYTES", 512 * 1024 * 1024)
# A zip entry larger than this, or compressed more than MAX_ZIP_RATIO:1, is not extracted.
MAX_ZIP_ENTRY_BYTES = env_int("DALIL_MAX_ZIP_ENTRY_BYTES", 4 * 1024**3)
MAX_ZIP_RATIO = env_int("DALIL_MAX_ZIP_RATIO", 200)

# Face search (dalil.faces): ingest also scans new photos for faces when face_recognition is installed, unless
# this is off. About 0.2 s of CPU per 8-MP photo with no face, spread over ingest's worker count.
FACES_ENABLED = env_bool("DALIL_FACES", True)
FACES_MAX_UPLOAD_BYTES = env_int("DALIL_FACES_MAX_UPLOAD_BYTES", 20 * 1024 * 1024)
FACES_MAX_UPLOAD_PIXELS = env_int("DALIL_FACES_MAX_UPLOAD_PIXELS", 40_000_000)

# PFIF exchange (dalil.exchange): the domain that prefixes the record ids of reports dalil exports
# (e.g. "dalil.example.org/person.1f3a…"); empty: the first public name in ALLOWED_HOSTS, else "dalil.local".
PFIF_DOMAIN = env_str("DALIL_PFIF_DOMAIN", "")
# Spreadsheets uploaded to the web import (/exchange/) larger than this are refused.
EXCHANGE_MAX_UPLOAD_BYTES = env_int("DALIL_EXCHANGE_MAX_UPLOAD_BYTES", 20 * 1024 * 1024)

# Exports and reports made while a web page waits; anything larger is refused with the command that makes it.
EXPORT_WEB_MAX_FILES = env_int("DALIL_EXPORT_WEB_MAX_FILES", 2_000)
EXPORT_WEB_MAX_BYTES = env_int("DALIL_EXPORT_WEB_MAX_BYTES", 4 * 10**9)
REPORT_WEB_MAX_PDF_CASES = env_int("DALIL_REPORT_WEB_MAX_PDF_CASES", 1_500)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "archive:collections"

LANGUAGE_CODE = "ar"
LANGUAGES = [("ar", "العربية"), ("en", "English")]
LOCALE_PATHS = [Path(__file__).parent / "locale"]
USE_I18N = True
TIME_ZONE = "UTC"
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = HOME / "static"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"  # "no-referrer" makes browsers send Origin: null, which fails CSRF

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"file": {"class": "logging.FileHandler", "filename": HOME / "dalil.log"}},
    "loggers": {"dalil": {"handlers": ["file"], "level": "INFO"}},
}
