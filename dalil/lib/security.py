"""What keeps an instance safe to put online: start checks, private files, and headers on every response.

- `production_problems` lists, one sentence each, what makes a DALIL_PRODUCTION=1
  start unsafe; settings.py refuses to start while the list is not empty.
- `private_umask` and `make_private`: an instance's files are 0600 and its
  folders 0700 (families' contact details, keys and evidence live there).
- `PermissionsPolicyMiddleware` sends the Permissions-Policy header (Django has no
  setting for it); `StaticFilesWithHeaders` gives static files the same security
  headers as pages, which Django's StaticFilesHandler would otherwise skip.

This module is imported by settings.py: nothing here may read django.conf.settings at import time.
"""

import ipaddress
import os
import stat
from pathlib import Path

MIN_SECRET_KEY_LENGTH = 50  # as Django's `check --deploy` (security.W009) asks
PRIVATE_UMASK = 0o077

NEW_FERNET_KEY = "python3 -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'"
NEW_SECRET_KEY = "python3 -c 'import secrets; print(secrets.token_urlsafe(64))'"


def private_umask() -> None:
    """Files this process creates are readable by its own user only (0600 files, 0700 folders)."""
    os.umask(PRIVATE_UMASK)


def make_private(path: Path) -> None:
    """Take group and other permissions off an existing file or folder of the instance (not followed if a link)."""
    try:
        st = path.lstat()
    except FileNotFoundError:
        return
    if stat.S_ISLNK(st.st_mode) or not st.st_mode & 0o077 or st.st_mode & stat.S_ISVTX:
        return  # a link, already private, or a shared sticky folder like /tmp
    try:
        path.chmod(stat.S_IMODE(st.st_mode) & ~0o077)
    except PermissionError:  # not ours (e.g. made by root): left as it is rather than failing every start
        pass


def touch_private(path: Path) -> None:
    """Make `path` an empty 0600 file if it is missing, so that whatever appends to it later keeps it private."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600))
    except OSError:
        return  # a read-only instance folder: the log handler reports it with its own sentence
    make_private(path)


def _inside(path: str, folder: Path) -> bool:
    return Path(path).expanduser().resolve().is_relative_to(folder.resolve())


def _fernet_problem(keys: str) -> str | None:
    from cryptography.fernet import Fernet

    parts = [k.strip() for k in keys.split(",") if k.strip()]
    if not parts:
        return "DALIL_ENCRYPTION_KEY is empty"
    for number, key in enumerate(parts, 1):
        try:
            Fernet(key.encode())
        except ValueError:
            which = f" (key {number} of {len(parts)})" if len(parts) > 1 else ""
            return f"DALIL_ENCRYPTION_KEY is not a valid Fernet key{which}"
    return None


def production_problems(*, secret_key: str, encryption_keys: str, debug: bool, home: Path,
                        env: dict | None = None, public_url: str = "") -> list[str]:
    """Why a production start would be unsafe: one sentence each, telling what to do; empty when it is safe."""
    env = os.environ if env is None else env
    problems = []
    if len(secret_key) < MIN_SECRET_KEY_LENGTH:
        problems.append(f"DALIL_SECRET_KEY is {len(secret_key)} characters long; production needs at least "
                        f"{MIN_SECRET_KEY_LENGTH} random characters, e.g. from `{NEW_SECRET_KEY}`.")
    elif len(set(secret_key)) < 5 or secret_key.startswith("django-insecure-"):
        problems.append(f"DALIL_SECRET_KEY is not random (a placeholder or a repeated character); "
                        f"make one with `{NEW_SECRET_KEY}`.")
    if (problem := _fernet_problem(encryption_keys)) is not None:
        problems.append(f"{problem}: each comma-separated key must be 32 url-safe base64-encoded bytes, "
                        f"as `{NEW_FERNET_KEY}` prints (keep the old key after it while data is re-encrypted).")
    if debug:
        problems.append("DALIL_DEBUG=1 shows families' contact details on error pages; "
                        "unset it (or set DALIL_DEBUG=0) when DALIL_PRODUCTION=1.")
    for name in ("DALIL_ENCRYPTION_KEY_FILE", "DALIL_SECRET_KEY_FILE"):
        path = env.get(name)
        if path and not env.get(name.removesuffix("_FILE")) and _inside(path, home):
            problems.append(
                f"{name}={path} is inside DALIL_HOME ({home}), which is backed up and copied as one unit; "
                "keep the key outside it (e.g. /etc/dalil/, readable by the service only), so that a copy of "
                "the data is not also the key to it.")
    if public_url and not public_url.startswith("https://"):
        problems.append(f"DALIL_PUBLIC_URL={public_url} must start with https:// when DALIL_PRODUCTION=1 "
                        "(families' follow-up links are printed with it).")
    return problems


def trusted_proxy(value: str) -> str:
    """DALIL_TRUSTED_PROXY as waitress compares it with the peer's address: one IP address, or empty."""
    value = value.strip()
    if not value:
        return ""
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(
            f"DALIL_TRUSTED_PROXY={value!r} is not an IP address; give the one address your reverse proxy connects "
            "to dalil from, e.g. 127.0.0.1 when nginx runs on the same machine.") from None


def public_origins(hosts: list[str]) -> list[str]:
    """https:// origins of the site's host names, for CSRF_TRUSTED_ORIGINS ('.example.org' -> a wildcard)."""
    origins = []
    for host in hosts:
        host = host.strip()
        if not host or host == "*":
            continue
        origins.append(f"https://*{host}" if host.startswith(".") else f"https://{host}")
    return origins


def public_url(configured: str, hosts: list[str], production: bool) -> str:
    """The site's address as families see it, ending in '/': DALIL_PUBLIC_URL, else (production) the first host."""
    if configured:
        return configured.rstrip("/") + "/"
    if not production:
        return ""
    for host in hosts:
        host = host.strip()
        if host and host != "*" and not host.startswith("."):
            return f"https://{host}/"
    return ""


class PermissionsPolicyMiddleware:
    """Sends settings.PERMISSIONS_POLICY ({feature: [allowed origins]}, empty: nobody) as Permissions-Policy."""

    def __init__(self, get_response):
        from django.conf import settings

        self.get_response = get_response
        self.header = ", ".join(f"{feature}=({' '.join(allowed)})"
                                for feature, allowed in getattr(settings, "PERMISSIONS_POLICY", {}).items())

    def __call__(self, request):
        response = self.get_response(request)
        return self.process_response(request, response)

    def process_response(self, request, response):
        if self.header:
            response.headers.setdefault("Permissions-Policy", self.header)
        return response


def _static_handler():
    from django.contrib.staticfiles.handlers import StaticFilesHandler
    from django.middleware.clickjacking import XFrameOptionsMiddleware
    from django.middleware.security import SecurityMiddleware

    from csp.middleware import CSPMiddleware

    class StaticFilesWithHeaders(StaticFilesHandler):
        """Django's static files handler (as `runserver` uses) plus the headers every page gets.

        StaticFilesHandler answers before any middleware runs; a stylesheet without
        nosniff or frame denial is one more thing a scanner (and a careful operator) flags.
        """

        HEADERS = (SecurityMiddleware, CSPMiddleware, XFrameOptionsMiddleware, PermissionsPolicyMiddleware)

        def __init__(self, application):
            super().__init__(application)
            self._headers = [middleware(lambda request: None) for middleware in self.HEADERS]

        def get_response(self, request):
            response = super().get_response(request)
            for middleware in self._headers:
                response = middleware.process_response(request, response)
            return response

    return StaticFilesWithHeaders


def static_files_with_headers(application):
    """`application` with /static/ answered by Django's static files handler, security headers included."""
    return _static_handler()(application)
