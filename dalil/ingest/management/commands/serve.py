"""`dalil serve`: the web app on this instance with waitress (static files included), and a jobs worker beside it
with the embedded broker (dalil.jobs.local; DALIL_LOCAL_WORKER)."""

import errno
import signal
import socket
import sys

from django.core.management.base import BaseCommand, CommandError

HOST = "127.0.0.1"


class Command(BaseCommand):
    help = "Serve the web app of this instance (DALIL_HOME / DALIL_DATABASE_URL) with waitress, static files included."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8000, help="port to serve on (default 8000)")
        parser.add_argument("--host", default=HOST, help=f"address to listen on (default {HOST}: this machine only)")
        parser.add_argument("--threads", type=int, default=8, help="worker threads (default 8)")
        parser.add_argument("--no-worker", action="store_true",
                            help="do not start a jobs worker beside the server (default: one is started when "
                                 "DALIL_LOCAL_WORKER is on, as it is with the embedded broker)")

    def handle(self, *args, **opts):
        host, port = opts["host"], opts["port"]
        check_port(port, host)
        serve(port, host=host, threads=opts["threads"], stdout=self.stdout, worker=not opts["no_worker"])


def serve(port: int, host: str = HOST, threads: int = 8, stdout=None, worker: bool = True) -> None:
    from dalil.jobs import local

    if not (worker and local.wanted()):
        return _serve(port, host, threads, stdout)
    child = local.start()
    if stdout is not None:
        stdout.write(f"Jobs worker started beside the server (pid {child.pid}; log in DALIL_HOME/worker.log)")
    # systemd (and `kill`) stop with SIGTERM: leave through the `finally` below, so the worker finishes its jobs
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        _serve(port, host, threads, stdout)
    finally:
        local.stop(child)


def _serve(port: int, host: str, threads: int, stdout) -> None:
    import waitress

    from dalil.lib.security import static_files_with_headers
    from dalil.wsgi import application

    if stdout is not None:
        stdout.write(f"Serving on http://{host}:{port}/ (press Ctrl+C to stop)")
        for line in proxy_summary():
            stdout.write(line)
        stdout.flush()
    try:
        waitress.serve(static_files_with_headers(application), host=host, port=port, threads=threads,
                       **body_limits(), **proxy_options())
    except OSError as exc:
        raise CommandError(port_problem(port, exc, host)) from None
    except KeyboardInterrupt:
        if stdout is not None:
            stdout.write("Stopped.")


def body_limits() -> dict:
    """waitress's side of dalil.lib.limits: no body over the largest page limit, and every body kept in memory.

    waitress refuses a Content-Length >= max_request_body_size while reading the headers (and a chunked body when
    it grows that large); below inbuf_overflow a body stays in memory, above it would go to a clear temporary file.
    """
    from django.conf import settings

    from dalil.lib.limits import largest_body

    largest = largest_body()
    return {"max_request_body_size": largest + 1, "inbuf_overflow": largest + 1,
            "connection_limit": settings.SERVE_CONNECTIONS}


# Only what nginx is told to set (docs/deploy.md); waitress drops these, and X-Forwarded-Port and Forwarded, from
# every other peer, so no client can choose its own address (which rate limits and lockout count) or scheme.
PROXY_HEADERS = ("x-forwarded-for", "x-forwarded-proto", "x-forwarded-host")


def proxy_options() -> dict:
    """waitress's own reverse-proxy support: the client's address, scheme and host from DALIL_TRUSTED_PROXY only."""
    from django.conf import settings

    if not settings.TRUSTED_PROXY:
        return {"clear_untrusted_proxy_headers": True}
    return {"trusted_proxy": settings.TRUSTED_PROXY, "trusted_proxy_count": 1,
            "trusted_proxy_headers": " ".join(PROXY_HEADERS), "clear_untrusted_proxy_headers": True}


def proxy_summary() -> list[str]:
    from django.conf import settings

    lines = []
    if settings.TRUSTED_PROXY:
        lines.append(f"Trusting {', '.join(PROXY_HEADERS)} from the reverse proxy at {settings.TRUSTED_PROXY} only")
    if settings.PUBLIC_URL:
        lines.append(f"Public address: {settings.PUBLIC_URL}")
    return lines


def check_port(port: int, host: str = HOST) -> None:
    """Fail now, with a sentence, when the port cannot be listened on (before any slow work)."""
    if not 0 < port < 65536:
        raise CommandError(f"--port {port} is not a port number (1-65535)")
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        # As waitress does: a port left in TIME_WAIT by a stopped server is free; one with a listener is not.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise CommandError(port_problem(port, exc, host)) from None


def port_problem(port: int, exc: OSError, host: str = HOST) -> str:
    if exc.errno == errno.EADDRINUSE:
        return (f"port {port} on {host} is already in use (is another `dalil demo` or server running?); "
                f"stop it or choose another port, e.g. --port {port + 1}")
    if exc.errno == errno.EACCES:
        return f"not allowed to listen on port {port} on {host}; choose a port above 1023, e.g. --port 8000"
    return f"cannot listen on {host}:{port}: {exc.strerror or exc}"
