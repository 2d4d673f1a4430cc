"""`dalil serve`'s waitress options: the client's address, scheme and host come from the trusted proxy only.

Rate limits and sign-in lockout count REMOTE_ADDR; a visitor who could write X-Forwarded-For would choose it.
A real waitress, with the options `dalil serve` passes, in front of an app that echoes what it was given.
"""

import json
import threading

import pytest

from dalil.ingest.management.commands.serve import proxy_options
from tests.deploy.conftest import can_bind

FORGED = {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https", "X-Forwarded-Host": "dalil.example.org",
          "X-Forwarded-Port": "8443", "Forwarded": "for=198.51.100.1;proto=https"}


def _echo(environ, start_response):
    seen = {"addr": environ["REMOTE_ADDR"], "scheme": environ["wsgi.url_scheme"], "host": environ.get("HTTP_HOST"),
            "headers": sorted(k for k in environ if k.startswith(("HTTP_X_FORWARDED", "HTTP_FORWARDED")))}
    start_response("200 OK", [("Content-Type", "application/json")])
    return [json.dumps(seen).encode()]


@pytest.fixture
def echo_server(settings):
    """Make a waitress server with `dalil serve`'s proxy options for a given DALIL_TRUSTED_PROXY; yields its port."""
    import waitress

    servers = []

    def start(trusted: str) -> int:
        settings.TRUSTED_PROXY = trusted
        server = waitress.create_server(_echo, host="127.0.0.1", port=0, threads=2, **proxy_options())
        threading.Thread(target=server.run, daemon=True).start()
        servers.append(server)
        return server.effective_port

    yield start
    for server in servers:
        server.close()


def _get(port: int, source: str, headers: dict) -> dict:
    import http.client

    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10, source_address=(source, 0))
    try:
        connection.request("GET", "/", headers=headers)
        return json.loads(connection.getresponse().read())
    finally:
        connection.close()


def test_it_takes_the_client_address_scheme_and_host_from_the_trusted_proxy(echo_server):
    port = echo_server("127.0.0.1")
    seen = _get(port, "127.0.0.1", {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https",
                                    "X-Forwarded-Host": "dalil.example.org"})
    assert (seen["addr"], seen["scheme"], seen["host"]) == ("203.0.113.7", "https", "dalil.example.org")


def test_it_takes_only_the_address_the_proxy_added_to_a_forwarded_chain(echo_server):
    port = echo_server("127.0.0.1")
    seen = _get(port, "127.0.0.1", {"X-Forwarded-For": "10.9.9.9, 203.0.113.7"})  # the client wrote 10.9.9.9
    assert seen["addr"] == "203.0.113.7"


def test_it_ignores_forwarded_headers_from_any_other_peer(echo_server):
    if not can_bind("127.0.0.2"):
        pytest.skip("this machine's loopback has no 127.0.0.2 to be a peer other than the proxy")
    port = echo_server("127.0.0.1")
    seen = _get(port, "127.0.0.2", FORGED)
    assert (seen["addr"], seen["scheme"], seen["headers"]) == ("127.0.0.2", "http", [])
    assert seen["host"].startswith("127.0.0.1:")


def test_it_trusts_no_forwarded_header_without_a_trusted_proxy(echo_server):
    port = echo_server("")
    seen = _get(port, "127.0.0.1", FORGED)
    assert (seen["addr"], seen["scheme"], seen["headers"]) == ("127.0.0.1", "http", [])


def test_it_refuses_a_trusted_proxy_that_is_not_an_ip_address():
    from django.core.exceptions import ImproperlyConfigured

    from dalil.lib.security import trusted_proxy

    # waitress compares the peer's address as a string: the setting is written the way the peer's will be
    assert trusted_proxy(" 0:0:0:0:0:0:0:1 ") == "::1" and trusted_proxy("") == ""
    with pytest.raises(ImproperlyConfigured, match="DALIL_TRUSTED_PROXY='nginx' is not an IP address"):
        trusted_proxy("nginx")
