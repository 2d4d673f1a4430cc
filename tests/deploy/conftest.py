"""dalil in production mode behind a real nginx terminating TLS, configured as docs/deploy.md says.

The nginx site configuration is read from docs/deploy.md itself (its ```nginx block), with only the host name,
ports, certificate and log paths replaced, so the documented setup is the tested one. nginx runs unprivileged-
friendly: pid, logs and temporary folders in the test's own folder, on free high ports.
"""

import datetime
import ipaddress
import json
import os
import re
import secrets
import shutil
import socket
import ssl
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, _dalil, _free_port, require_browser
from tests.conftest import ROOT, _server_admin

HOST = "127.0.0.1"  # the name the site is served under (no DNS needed); a real one is e.g. dalil.example.org
START_TIMEOUT = 60


def nginx_binary() -> str | None:
    return shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if os.access(p, os.X_OK)), None)


def require_nginx() -> str:
    """Skip (or, with DALIL_REQUIRE_BROWSER=1 as in CI, fail) without Debian's nginx."""
    path = nginx_binary()
    if path is None:
        reason = "nginx not found (apt-get install nginx, or `make browser`)"
        if os.environ.get("DALIL_REQUIRE_BROWSER") == "1":
            pytest.fail(reason + " and DALIL_REQUIRE_BROWSER=1")
        pytest.skip(reason)
    return path


def documented_nginx_site() -> str:
    text = (ROOT / "docs" / "deploy.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```nginx\n(.*?)```", text, re.S)
    assert len(blocks) == 1, "docs/deploy.md should hold exactly one ```nginx block"
    return blocks[0]


def site_config(root: Path, https_port: int, http_port: int, app_port: int, cert: Path, key: Path) -> str:
    """docs/deploy.md's nginx site, on this machine's ports and files, inside a minimal nginx.conf."""
    site = documented_nginx_site()
    replacements = [
        (r"listen \[::\]:\d+[^;]*;\n", ""),  # IPv6 may be off in a container
        (r"listen 443 ssl[^;]*;", f"listen {HOST}:{https_port} ssl;"),
        (r"listen 80;", f"listen {HOST}:{http_port};"),
        (r"server_name dalil\.example\.org;", f"server_name {HOST};"),
        (r"ssl_certificate /\S+;", f"ssl_certificate {cert};"),
        (r"ssl_certificate_key /\S+;", f"ssl_certificate_key {key};"),
        (r"access_log /var/log/nginx/dalil\.log", f"access_log {root}/access.log"),
        (r"proxy_pass http://127\.0\.0\.1:8000;", f"proxy_pass http://127.0.0.1:{app_port};"),
    ]
    for pattern, replacement in replacements:
        site, count = re.subn(pattern, replacement, site)
        assert count, f"docs/deploy.md's nginx block no longer has {pattern!r}: update this test with it"
    temp = root / "temp"
    temp.mkdir(exist_ok=True)
    paths = "\n".join(f"    {kind}_temp_path {temp}/{kind};"
                      for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    # As root (CI), workers would switch to "nobody", who cannot enter pytest's 0700 folders.
    user = "user root;\n" if os.geteuid() == 0 else ""
    return (f"{user}worker_processes 1;\npid {root}/nginx.pid;\nerror_log {root}/error.log warn;\n"
            f"events {{ worker_connections 64; }}\nhttp {{\n{paths}\n{site}\n}}\n")


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """A throwaway certificate for 127.0.0.1, valid one day (Python's cryptography, no openssl CLI needed)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, HOST)])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(HOST))]), critical=False)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    key_path.chmod(0o600)
    return cert_path, key_path


def insecure_tls() -> ssl.SSLContext:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # the throwaway certificate
    return context


def production_env(root: Path, public_url: str) -> dict:
    """DALIL_PRODUCTION=1 as docs/deploy.md sets it: keys in files outside DALIL_HOME, the proxy at 127.0.0.1."""
    keys = root / "etc-dalil"
    keys.mkdir(mode=0o700)
    (keys / "secret-key").write_text(secrets.token_urlsafe(64) + "\n")
    (keys / "encryption-key").write_text(Fernet.generate_key().decode() + "\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("DALIL_")}
    env.update(DALIL_PRODUCTION="1", DALIL_HOME=str(root / "data"), DALIL_ALLOWED_HOSTS=HOST,
               DALIL_SECRET_KEY_FILE=str(keys / "secret-key"), DALIL_ENCRYPTION_KEY_FILE=str(keys / "encryption-key"),
               DALIL_TRUSTED_PROXY="127.0.0.1", DALIL_PUBLIC_URL=public_url,
               DALIL_STORE_FSYNC="0", DALIL_FACES="0", PYTHONUNBUFFERED="1")
    return env


@dataclass
class Site:
    url: str  # https://127.0.0.1:PORT/ through nginx
    app_port: int  # dalil serve, plain HTTP on 127.0.0.1
    logins: dict
    followup: dict  # as `dalil demo` printed them, with DALIL_PUBLIC_URL
    home: Path
    env: dict


def _wait(url: str, procs: dict, logs: dict, context=None) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        for name, proc in procs.items():
            if proc.poll() is not None:
                raise RuntimeError(f"{name} exited with {proc.returncode}:\n{logs[name].read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2, context=context) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer within {START_TIMEOUT}s:\n" +
                       "\n".join(f"{n}: {p.read_text()[-2000:]}" for n, p in logs.items()))


def _stop(proc) -> None:
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@pytest.fixture(scope="session")
def https_site(tmp_path_factory):
    """dalil demo data, `dalil serve` in production mode, nginx with TLS in front: yields a Site."""
    require_browser()
    nginx = require_nginx()
    root = tmp_path_factory.mktemp("https-deploy")
    https_port, http_port, app_port = _free_port(), _free_port(), _free_port()
    public = f"https://{HOST}:{https_port}/"
    env = production_env(root, public)
    url = os.environ.get("DALIL_DATABASE_URL", "")
    database = None
    if url.startswith("postgres"):
        database = f"dalil_https_{uuid.uuid4().hex[:10]}"
        with _server_admin(url) as admin:
            admin.execute(f'CREATE DATABASE "{database}"')
        env["DALIL_DATABASE_URL"] = url.rsplit("/", 1)[0] + "/" + database
    logs = {"dalil serve": root / "serve.log", "nginx": root / "error.log"}
    serve = proxy = None
    try:
        logins_file = root / "logins.json"
        with open(root / "demo.log", "w") as out:
            demo = _dalil(env, "demo", "--no-serve", "--bodies", "1", "--password-file", str(logins_file),
                          stdout=out, stderr=subprocess.STDOUT)
            if demo.wait(timeout=600) != 0:
                raise RuntimeError(f"dalil demo failed:\n{(root / 'demo.log').read_text()[-3000:]}")
        with open(logs["dalil serve"], "w") as out:
            serve = _dalil(env, "serve", "--port", str(app_port), stdout=out, stderr=subprocess.STDOUT)
        cert, key = self_signed_certificate(root)
        conf = root / "nginx.conf"
        conf.write_text(site_config(root, https_port, http_port, app_port, cert, key))
        logs["nginx"].touch()
        with open(root / "nginx.out", "w") as out:
            proxy = subprocess.Popen([nginx, "-p", str(root), "-c", str(conf), "-e", str(logs["nginx"]),
                                      "-g", "daemon off;"], stdout=out, stderr=subprocess.STDOUT, cwd=root)
        _wait(f"{public}login/", {"dalil serve": serve, "nginx": proxy}, logs, context=insecure_tls())
        data = json.loads(logins_file.read_text())
        yield Site(url=public, app_port=app_port, logins=data["users"], followup=data["followup"],
                   home=Path(env["DALIL_HOME"]), env=env)
    finally:
        _stop(proxy)
        _stop(serve)
        if database:
            with _server_admin(url) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


@pytest.fixture(scope="session")
def https_browser(https_site, playwright_driver):
    chromium = playwright_driver.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    yield chromium
    chromium.close()


@pytest.fixture
def https_page(https_browser, https_site):
    """Fresh browsers over HTTPS (the throwaway certificate accepted); each records CSP violations it meets."""
    contexts = []

    def make(language: str = "en"):
        context = https_browser.new_context(base_url=https_site.url, locale=language, ignore_https_errors=True,
                                            viewport={"width": 1280, "height": 900})
        context.add_cookies([{"name": "django_language", "value": language, "url": https_site.url}])
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        page.csp_violations = []
        page.on("console", lambda message: "Content Security Policy" in message.text
                and page.csp_violations.append(message.text))
        return page

    yield make
    for context in contexts:
        context.close()


def peer_request(port: int, path: str, headers: dict, source: str) -> tuple[int, dict]:
    """A plain HTTP GET to dalil serve from a chosen loopback address (127.0.0.2 is not the trusted proxy)."""
    import http.client

    connection = http.client.HTTPConnection(HOST, port, timeout=10, source_address=(source, 0))
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}
    finally:
        connection.close()


def can_bind(address: str) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind((address, 0))
            return True
        except OSError:
            return False
