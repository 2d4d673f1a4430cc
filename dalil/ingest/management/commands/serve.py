"""`dalil serve`: the web app on this instance with waitress (static files included), nothing else."""

import errno
import socket

from django.core.management.base import BaseCommand, CommandError

HOST = "127.0.0.1"


class Command(BaseCommand):
    help = "Serve the web app of this instance (DALIL_HOME / DALIL_DATABASE_URL) with waitress, static files included."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8000, help="port to serve on (default 8000)")
        parser.add_argument("--host", default=HOST, help=f"address to listen on (default {HOST}: this machine only)")
        parser.add_argument("--threads", type=int, default=8, help="worker threads (default 8)")

    def handle(self, *args, **opts):
        host, port = opts["host"], opts["port"]
        check_port(port, host)
        serve(port, host=host, threads=opts["threads"], stdout=self.stdout)


def serve(port: int, host: str = HOST, threads: int = 8, stdout=None) -> None:
    import waitress
    from django.contrib.staticfiles.handlers import StaticFilesHandler

    from dalil.wsgi import application

    if stdout is not None:
        stdout.write(f"Serving on http://{host}:{port}/ (press Ctrl+C to stop)")
        stdout.flush()
    try:
        waitress.serve(StaticFilesHandler(application), host=host, port=port, threads=threads)
    except OSError as exc:
        raise CommandError(port_problem(port, exc, host)) from None
    except KeyboardInterrupt:
        if stdout is not None:
            stdout.write("Stopped.")


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
