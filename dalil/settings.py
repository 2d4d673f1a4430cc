"""dalil's one settings module: everything comes from DALIL_* environment variables.

With nothing set, the embedded default runs: SQLite (WAL) and a local
content-addressed store, all under DALIL_HOME (default ./dalil-data), so a
backup of an instance is that one folder. See docs/settings.md.
"""

import datetime
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from dalil.lib.env import env_bool, env_int, env_secret, env_str
from dalil.lib import security as _security
from dalil.lib.security import make_private, touch_private

HOME = Path(env_str("DALIL_HOME", "./dalil-data")).expanduser().resolve()
_home_is_new = not HOME.exists()
HOME.mkdir(mode=0o700, parents=True, exist_ok=True)
if _home_is_new or (HOME / "dalil.log").exists():  # an instance folder (never a shared one such as /tmp or /srv itself)
    make_private(HOME)  # families' contact details, keys and evidence: the instance's user only (docs/security.md)
KEYS_DIR = HOME / "keys"
# Signed custody anchors, one line per custody append (dalil/evidence/anchors.py); "" = KEYS_DIR/custody-anchors.txt.
ANCHOR_FILE = env_str("DALIL_ANCHOR_FILE", "")
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

# Behind a reverse proxy (docs/deploy.md): the one address it connects from. `dalil serve` then takes the client's
# address, scheme and host from its X-Forwarded-* headers, and from nobody else's; empty: no proxy trusted.
TRUSTED_PROXY = _security.trusted_proxy(env_str("DALIL_TRUSTED_PROXY"))
# The site's address as families see it: printed follow-up links (`dalil demo`) use it; pages use the request's own.
PUBLIC_URL = _security.public_url(env_str("DALIL_PUBLIC_URL"), ALLOWED_HOSTS, PRODUCTION)
if PRODUCTION and (_problems := _security.production_problems(
        secret_key=SECRET_KEY, encryption_keys=ENCRYPTION_KEYS, debug=DEBUG, home=HOME, public_url=PUBLIC_URL)):
    raise ImproperlyConfigured("\n- ".join(["DALIL_PRODUCTION=1 refuses to start unsafe:", *_problems]))

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
    "dalil.authenticity",  # authenticity checks per photo (after archive; nothing below imports it)
    "dalil.exports",
    "dalil.exchange",
    "dalil.names",  # names across scripts and sources: name search, possible duplicates
    "dalil.reports",
    "dalil.operations",  # `dalil backup` and `dalil restore` (docs/operations.md)
    "dalil.jobs",  # background jobs (Celery): ingest, faces, reports, packages, imports; the one place that orchestrates
    "csp",  # Content-Security-Policy (CONTENT_SECURITY_POLICY below); its checks catch settings of the old format
    "dalil.accounts",  # staff sign-in (password, then a second factor), lockout, staff management
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "dalil.lib.security.PermissionsPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "dalil.lib.middleware.ArabicFirstMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "dalil.lib.limits.RequestLimitsMiddleware",  # 413 from Content-Length before anything reads the body; 503 when busy
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_otp.middleware.OTPMiddleware",  # request.user.is_verified(): signed in with a second factor
    "dalil.accounts.middleware.StaffSessionMiddleware",  # staff idle timeout; no staff page before the second factor
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "dalil.lib.cache_headers.StaffNoStoreMiddleware",  # no staff response kept by a browser or proxy
    "axes.middleware.AxesMiddleware",  # last: turns a locked-out sign-in into the lockout page
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
                "dalil.lib.menu.navigation",  # the staff menu, read from the views' roles
            ],
            # {% load dalil_text %}: Latin and numbers direction-isolated in Arabic text (dalil/lib is no app)
            "libraries": {"dalil_text": "dalil.lib.templatetags.dalil_text"},
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
# `dalil backup` / `dalil restore` on PostgreSQL: the folder holding pg_dump, pg_restore and psql of the server's
# major version ("" = found on PATH), e.g. /usr/lib/postgresql/16/bin.
PG_BINDIR = env_str("DALIL_PG_BINDIR", "")

# Pixel limit above which an image is refused as a possible decompression bomb.
MAX_IMAGE_PIXELS = env_int("DALIL_MAX_IMAGE_PIXELS", 150_000_000)
# Largest single file read into memory to hash and decode from the same bytes.
MAX_DECODE_BYTES = env_int("DALIL_MAX_DECODE_BYTES", 512 * 1024 * 1024)
# A zip entry larger than this, or compressed more than MAX_ZIP_RATIO:1, is not extracted.
MAX_ZIP_ENTRY_BYTES = env_int("DALIL_MAX_ZIP_ENTRY_BYTES", 4 * 1024**3)
MAX_ZIP_RATIO = env_int("DALIL_MAX_ZIP_RATIO", 200)
# One archive never expands past this many bytes, nor past MAX_ZIP_TOTAL_RATIO times its own size:
# the members past either limit are quarantined, not extracted (a bomb spread over many entries).
MAX_ZIP_TOTAL_BYTES = env_int("DALIL_MAX_ZIP_TOTAL_BYTES", 1024**4)
MAX_ZIP_TOTAL_RATIO = env_int("DALIL_MAX_ZIP_TOTAL_RATIO", 100)

# Face search (dalil.faces): ingest also scans new photos for faces when face_recognition is installed, unless
# this is off. About 0.2 s of CPU per 8-MP photo with no face, spread over ingest's worker count.
FACES_ENABLED = env_bool("DALIL_FACES", True)
# Off by default for now: the stage decodes each photo a second time, at full size, in the ingest process
# (~0.35 s a photo); it joins ingest's shared per-photo decode before it is turned on by default (issue 15).
AUTHENTICITY_ENABLED = env_bool("DALIL_AUTHENTICITY", False)
FACES_MAX_UPLOAD_BYTES = env_int("DALIL_FACES_MAX_UPLOAD_BYTES", 20 * 1024 * 1024)
FACES_MAX_UPLOAD_PIXELS = env_int("DALIL_FACES_MAX_UPLOAD_PIXELS", 40_000_000)

# Names (dalil.names): two reports scoring at least this (0-100) are shown to caseworkers as possible duplicates.
DUPLICATE_THRESHOLD = env_int("DALIL_DUPLICATE_THRESHOLD", 90)

# What one visitor can make the server do (dalil.lib.limits). Request bodies over their page's limit are refused
# from Content-Length before they are read; every accepted body and uploaded file stays in memory, never in a
# clear temporary file. Heavy work (decoding an uploaded picture, looking for faces) runs HEAVY_JOBS at once; the
# next waits BUSY_WAIT_SECONDS, then gets "busy, try again in a minute" (503).
MAX_FORM_BYTES = env_int("DALIL_MAX_FORM_BYTES", 1024 * 1024)
MAX_UPLOAD_BYTES = env_int("DALIL_MAX_UPLOAD_BYTES", 12 * 1024 * 1024)
MAX_STAFF_UPLOAD_BYTES = env_int("DALIL_MAX_STAFF_UPLOAD_BYTES", 24 * 1024 * 1024)
HEAVY_JOBS = env_int("DALIL_HEAVY_JOBS", 2)
BUSY_WAIT_SECONDS = env_int("DALIL_BUSY_WAIT_SECONDS", 10)
SERVE_CONNECTIONS = env_int("DALIL_SERVE_CONNECTIONS", 100)  # `dalil serve`: bodies in memory <= this x the largest limit
FILE_UPLOAD_HANDLERS = ["django.core.files.uploadhandler.MemoryFileUploadHandler"]
FILE_UPLOAD_MAX_MEMORY_SIZE = max(MAX_FORM_BYTES, MAX_UPLOAD_BYTES, MAX_STAFF_UPLOAD_BYTES)

# PFIF exchange (dalil.exchange): the domain that prefixes the record ids of reports dalil exports
# (e.g. "dalil.example.org/person.1f3a…"); empty: the first public name in ALLOWED_HOSTS, else "dalil.local".
PFIF_DOMAIN = env_str("DALIL_PFIF_DOMAIN", "")
# Spreadsheets uploaded to the web import (/exchange/) larger than this are refused.
EXCHANGE_MAX_UPLOAD_BYTES = env_int("DALIL_EXCHANGE_MAX_UPLOAD_BYTES", 20 * 1024 * 1024)

# Background jobs (dalil.jobs, Celery). The broker carries "run job N" messages; the Job row is the result (no
# result backend). Empty: the embedded broker, a SQLite file in DALIL_HOME that `dalil serve` / `dalil demo` and
# their local worker share (nothing to install); redis://… or amqp://… for workers on other machines.
BROKER_URL = env_str("DALIL_BROKER_URL", "")
CELERY_BROKER_URL = BROKER_URL or f"sqla+sqlite:///{HOME / 'broker.sqlite3'}"
# Several instances sharing one Redis keep apart by a prefix on every key (kombu's global_keyprefix).
BROKER_KEY_PREFIX = env_str("DALIL_BROKER_KEY_PREFIX", "")
CELERY_BROKER_TRANSPORT_OPTIONS = {"global_keyprefix": BROKER_KEY_PREFIX} if BROKER_KEY_PREFIX else {}
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True  # a message leaves the queue once its job ran, not when a worker took it
CELERY_WORKER_PREFETCH_MULTIPLIER = 1  # jobs are long: a worker holds no job it cannot start yet
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_TASK_ALWAYS_EAGER = False  # unit tests of the domain logic only (tests/jobs); never in a deployment
# `dalil serve` and `dalil demo` run a worker beside the web server: by default only with the embedded broker.
LOCAL_WORKER = env_bool("DALIL_LOCAL_WORKER", not BROKER_URL)
# Folders (separated by ":") under which the ingest page may read a source folder or zip on the server; empty: none.
INGEST_ROOTS = [Path(p).expanduser().resolve() for p in env_str("DALIL_INGEST_ROOTS", "").split(":") if p.strip()]

# Family portal rate limits, per hour (dalil.portal.access): counted per browser session and per client address
# together, so that a family association whose families share one address is not stopped by one busy browser.
PORTAL_SESSION_REPORTS_PER_HOUR = env_int("DALIL_PORTAL_SESSION_REPORTS_PER_HOUR", 10)
PORTAL_IP_REPORTS_PER_HOUR = env_int("DALIL_PORTAL_IP_REPORTS_PER_HOUR", 300)
PORTAL_SESSION_SEARCHES_PER_HOUR = env_int("DALIL_PORTAL_SESSION_SEARCHES_PER_HOUR", 120)
PORTAL_IP_SEARCHES_PER_HOUR = env_int("DALIL_PORTAL_IP_SEARCHES_PER_HOUR", 3_000)
PORTAL_IP_ASKS_PER_HOUR = env_int("DALIL_PORTAL_IP_ASKS_PER_HOUR", 300)  # "ask a caseworker": no per-session limit
# Shown to a family once they have been told of an identification: one contact a line (or " | " between them).
# Nothing invented when unset: the page then says that a caseworker can put them in touch with support.
SUPPORT_CONTACTS = env_str("DALIL_SUPPORT_CONTACTS")

# Retention (`dalil retention`): audit address hashes, and reporters' contact details counted from the last contact.
AUDIT_IP_RETENTION_DAYS = env_int("DALIL_AUDIT_IP_RETENTION_DAYS", 30)
CONTACT_RETENTION_DAYS = env_int("DALIL_CONTACT_RETENTION_DAYS", 730)
CONTACT_WARNING_DAYS = env_int("DALIL_CONTACT_WARNING_DAYS", 60)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "archive:collections"
LOGOUT_REDIRECT_URL = "login"

# Staff sign-in (dalil.accounts): a password, then a second factor (TOTP, or a recovery code). django-axes locks
# sign-in after LOGIN_FAILURE_LIMIT failures (wrong passwords and wrong codes alike) counted per user name and,
# separately, per client address (REMOTE_ADDR, which `dalil serve` sets from a trusted proxy only), for
# LOGIN_COOLOFF_MINUTES (0: until an admin unlocks, `dalil staff unlock`). See docs/settings.md.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
LOGIN_FAILURE_LIMIT = env_int("DALIL_LOGIN_FAILURE_LIMIT", 5)
LOGIN_COOLOFF_MINUTES = env_int("DALIL_LOGIN_COOLOFF_MINUTES", 30)
# "username,ip_address": each counted on its own; "username+ip_address": only the pair (an office behind one address).
LOGIN_LOCKOUT_BY = [p.split("+") if "+" in p else p
                    for p in env_str("DALIL_LOGIN_LOCKOUT_BY", "username,ip_address").replace(" ", "").split(",") if p]
if not LOGIN_LOCKOUT_BY or {q for p in LOGIN_LOCKOUT_BY for q in ([p] if isinstance(p, str) else p)} - {
        "username", "ip_address"}:
    raise ImproperlyConfigured("DALIL_LOGIN_LOCKOUT_BY takes username and ip_address, joined by , (each on its own) "
                               "or + (the pair), e.g. username,ip_address")
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = datetime.timedelta(minutes=LOGIN_COOLOFF_MINUTES) if LOGIN_COOLOFF_MINUTES > 0 else None
AXES_LOCKOUT_PARAMETERS = LOGIN_LOCKOUT_BY
AXES_RESET_ON_SUCCESS = False  # a password alone clears nothing: a full sign-in (with the code) clears that user's failures
AXES_LOCKOUT_CALLABLE = "dalil.accounts.views.login.locked_out"  # the lockout page, in Arabic and English
AXES_IPWARE_META_PRECEDENCE_ORDER = ("REMOTE_ADDR",)  # never a forwarded header a client could write itself
AXES_DISABLE_ACCESS_LOG = True  # sign-ins are in the audit log (dalil.audit) already
AXES_VERBOSE = False
OTP_TOTP_ISSUER = env_str("DALIL_TOTP_ISSUER", "Dalil")  # the name authenticator apps show beside the code
# A staff session ends after this many minutes without a request (checked to the minute); every session
# (staff and families alike) also ends when the browser is closed.
STAFF_IDLE_MINUTES = env_int("DALIL_STAFF_IDLE_MINUTES", 30)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

LANGUAGE_CODE = "ar"
LANGUAGES = [("ar", "العربية"), ("en", "English")]
LOCALE_PATHS = [Path(__file__).parent / "locale"]
USE_I18N = True
TIME_ZONE = "UTC"
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = HOME / "static"
# Django's finders, answering "not found" (404) to /static/%2e%2e/… instead of a 500 (dalil/lib/static.py).
STATICFILES_FINDERS = ["dalil.lib.static.FileSystemFinder", "dalil.lib.static.AppDirectoriesFinder"]

# HTTPS and security headers (docs/deploy.md, docs/security.md). In production cookies travel over HTTPS only and
# plain HTTP is redirected; the proxy's X-Forwarded-Proto counts only when a trusted proxy is configured (and
# `dalil serve` drops X-Forwarded-* from any other peer). HSTS is sent on HTTPS responses only.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
SECURE_SSL_REDIRECT = PRODUCTION
if TRUSTED_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
CSRF_TRUSTED_ORIGINS = _security.public_origins(ALLOWED_HOSTS + ([PUBLIC_URL.split("/")[2]] if PUBLIC_URL else []))
SECURE_HSTS_SECONDS = env_int("DALIL_HSTS_SECONDS", 31_536_000 if PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DALIL_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("DALIL_HSTS_PRELOAD", False)
# `check --deploy` asks for both; each is the operator's deliberate choice here (preload is a promise to browser
# makers about the whole domain; includeSubDomains breaks sibling sites still on HTTP), so an explicit "no" is quiet.
SILENCED_SYSTEM_CHECKS = (["security.W021"] if not SECURE_HSTS_PRELOAD else []) + (
    ["security.W005"] if not SECURE_HSTS_INCLUDE_SUBDOMAINS else [])
X_FRAME_OPTIONS = "DENY"
CSRF_FAILURE_VIEW = "dalil.lib.error_pages.csrf_failure"  # a sentence and a way back, not a bare 403
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"  # "no-referrer" makes browsers send Origin: null, which fails CSRF
# No script at all, no inline style: a page can load only this site's own stylesheets and images.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
# Browser features no dalil page uses, off for the page and anything it could embed (dalil.lib.security).
PERMISSIONS_POLICY = {feature: [] for feature in (
    "accelerometer", "autoplay", "camera", "display-capture", "geolocation", "gyroscope", "magnetometer",
    "microphone", "midi", "payment", "screen-wake-lock", "usb", "xr-spatial-tracking")}

# Instance files are the instance user's only (0600 files, 0700 folders): `dalil` and the WSGI app set umask 077;
# these, made before that or by an older version, are tightened at each start.
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    for _suffix in ("", "-wal", "-shm"):
        make_private(Path(f"{DATABASES['default']['NAME']}{_suffix}"))
touch_private(HOME / "dalil.log")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"file": {"class": "logging.FileHandler", "filename": HOME / "dalil.log"}},
    "loggers": {"dalil": {"handlers": ["file"], "level": "INFO"}},
}
