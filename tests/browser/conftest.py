"""A real dalil server (its own instance and database, in a separate process) and a headless Chromium.

Browser tests never use pytest-django's live_server: its SQLite flush fails on
the append-only triggers, and a separate process is what families meet anyway.
The server is `dalil demo --no-serve --bodies 6` (archive, cases, staff for each
role, invented reports) then `dalil serve`, once per session.

Without /usr/bin/chromium (Debian's `chromium`, with `fonts-noto-core` for
Arabic glyphs; `make setup` installs both) the tests skip, unless
DALIL_REQUIRE_BROWSER=1 (CI), where they fail.
"""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import ROOT, _server_admin

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
START_TIMEOUT = 60


def _missing_browser() -> str | None:
    if not CHROMIUM.exists():
        return f"{CHROMIUM} not found (apt-get install chromium fonts-noto-core, or `make setup`)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the Python package playwright is not installed (pip install -e '.[test]')"
    return None


def require_browser() -> None:
    """Skip (or, with DALIL_REQUIRE_BROWSER=1, fail) when no browser can be driven."""
    reason = _missing_browser()
    if reason:
        if os.environ.get("DALIL_REQUIRE_BROWSER") == "1":
            pytest.fail(reason + " and DALIL_REQUIRE_BROWSER=1")
        pytest.skip(reason)


def needs_routes(*names: str) -> None:
    """Skip while a route the test walks through is not built yet (other apps land in parallel)."""
    from django.urls import URLResolver, get_resolver

    def walk(patterns, prefix=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, f"{prefix}{pattern.namespace}:" if pattern.namespace else prefix)
            elif pattern.name:
                yield prefix + pattern.name

    missing = set(names) - set(walk(get_resolver().url_patterns))
    if missing:
        pytest.skip(f"waiting for the routes {sorted(missing)}")


@dataclass
class Server:
    url: str
    logins: dict  # username -> {"password", "roles", "totp_secret", "otpauth"} as `dalil demo` prints them
    followup: dict  # report reference -> full follow-up URL
    home: Path
    log: Path


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _die_with_parent() -> None:
    """In the child: Linux sends it SIGTERM when pytest dies, even by SIGKILL, so no server outlives the run."""
    try:
        import ctypes
        import signal

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _dalil(env: dict, *args: str, **kwargs):
    exe = Path(sys.executable).with_name("dalil")
    return subprocess.Popen([str(exe), *args], env=env, cwd=ROOT, preexec_fn=_die_with_parent, **kwargs)


def _wait_until_up(url: str, proc: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url + "login/", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.3)
    raise RuntimeError(f"the server did not answer within {START_TIMEOUT}s:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    """A running dalil on a demo instance of its own: yields a Server (base URL, logins, follow-up links)."""
    require_browser()
    home = tmp_path_factory.mktemp("browser-instance")
    env = {k: v for k, v in os.environ.items() if not k.startswith("DALIL_")}
    env.update(DALIL_HOME=str(home), DALIL_STORE_FSYNC="0", DALIL_FACES="0", PYTHONUNBUFFERED="1")
    url = os.environ.get("DALIL_DATABASE_URL", "")
    database = None
    if url.startswith("postgres"):  # a fresh database, as tests/conftest.py's cli_env_factory makes them
        database = f"dalil_browser_{uuid.uuid4().hex[:10]}"
        with _server_admin(url) as admin:
            admin.execute(f'CREATE DATABASE "{database}"')
        env["DALIL_DATABASE_URL"] = url.rsplit("/", 1)[0] + "/" + database
    log = home / "server.log"
    proc = None
    try:
        logins_file = home / "logins.json"
        with open(home / "demo.log", "w") as out:
            demo = _dalil(env, "demo", "--no-serve", "--bodies", "6", "--password-file", str(logins_file),
                          stdout=out, stderr=subprocess.STDOUT)
            if demo.wait(timeout=600) != 0:
                raise RuntimeError(f"dalil demo failed:\n{(home / 'demo.log').read_text()[-3000:]}")
        port = _free_port()
        base = f"http://127.0.0.1:{port}/"
        with open(log, "w") as out:
            proc = _dalil(env, "serve", "--port", str(port), stdout=out, stderr=subprocess.STDOUT)
        _wait_until_up(base, proc, log)
        data = json.loads(logins_file.read_text())
        followup = {ref: base.rstrip("/") + "/" + link.split("/", 3)[3] for ref, link in data["followup"].items()}
        yield Server(url=base, logins=data["users"], followup=followup, home=home, log=log)
    finally:
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if database:
            with _server_admin(url) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


@pytest.fixture(scope="session")
def browser(server, playwright_driver):
    chromium = playwright_driver.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    yield chromium
    chromium.close()


PHONE = {"width": 412, "height": 915}  # families: a cheap phone
DESKTOP = {"width": 1280, "height": 900}  # staff: an office screen


def _context(browser, server, language: str, viewport: dict = PHONE):
    context = browser.new_context(base_url=server.url, locale=language, viewport=viewport)
    # The language cookie, as the switcher sets it: the page then does not depend on Accept-Language.
    context.add_cookies([{"name": "django_language", "value": language, "url": server.url}])
    context.set_default_timeout(15_000)
    return context


@pytest.fixture
def arabic_page(browser, server):
    """A fresh browser (no cookies but the language) in Arabic, phone-sized, as a family member meets dalil."""
    context = _context(browser, server, "ar")
    yield context.new_page()
    context.close()


@pytest.fixture
def new_page(browser, server):
    """Make fresh, independent browsers (one per person): new_page("ar"), new_page("en", DESKTOP)."""
    contexts = []

    def make(language: str = "ar", viewport: dict = PHONE):
        context = _context(browser, server, language, viewport)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def screenshot(page, tmp_path: Path, name: str) -> Path:
    path = tmp_path / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


_LAST_STEP: dict[str, int] = {}  # username -> the TOTP time step whose code was last used (a code works once)


def totp_code(secret: str, username: str) -> str:
    """The code an authenticator app holding the demo's printed secret shows: the current one, or, if this user
    already used it, the next step's (the server accepts one step ahead), waiting for the clock when needed."""
    import base64

    from django_otp.oath import TOTP

    totp = TOTP(base64.b32decode(secret + "=" * (-len(secret) % 8)))
    totp.time = time.time()
    step = max(totp.t(), _LAST_STEP.get(username, -1) + 1)
    while step > totp.t() + 1:  # two sign-ins of one user within one 30-second step: wait for the next
        time.sleep(1)
        totp.time = time.time()
    totp.time = step * 30
    _LAST_STEP[username] = step
    return f"{totp.token():06d}"


def sign_in(page, server, username: str) -> None:
    """As a person signs in: the password, then the 6-digit code from the authenticator app."""
    page.goto("login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", server.logins[username]["password"])
    page.locator("main form button[type=submit], main form input[type=submit]").first.click()
    page.wait_for_load_state()
    assert "/account/verify/" in page.url, f"{username}: no code step after the password: {page.content()[:2000]}"
    page.fill("input[name=code]", totp_code(server.logins[username]["totp_secret"], username))
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_load_state()
    assert "/login/" not in page.url and "/account/" not in page.url, (
        f"{username} could not sign in: {page.content()[:2000]}")
