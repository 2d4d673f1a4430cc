"""`dalil demo`: a small synthetic archive, a staff user, and the archive browser, in one command.

Safe to run again: the archive is made, ingested and sealed once (an
interrupted ingest is finished by the next run); each run gives the demo user
a fresh password and prints it once.
"""

import errno
import secrets
import shutil
import socket

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command, get_commands
from django.core.management.base import BaseCommand, CommandError

from dalil.archive.models import Photo
from dalil.evidence.models import Collection, Seal, Sighting
from dalil.ingest.models import IngestRun
from dalil.ingest.pipeline import IngestError, Options, ingest

COLLECTION = "demo"
USERNAME = "demo-archivist"
HOST = "127.0.0.1"
SOURCE_DIR = "demo-source"


class Command(BaseCommand):
    help = (
        "Make a small synthetic archive (abstract pictures, no real people) in DALIL_HOME, ingest and seal it "
        f"as collection '{COLLECTION}', create the staff user '{USERNAME}' and serve the archive browser."
    )

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8000, help=f"port to serve on, on {HOST} (default 8000)")
        parser.add_argument("--bodies", type=int, default=12,
                            help="bodies in the synthetic archive, 3-20 photos each (default 12; first run only)")
        parser.add_argument("--no-serve", action="store_true", help="prepare everything and print the login, but do not serve")

    def handle(self, *args, **opts):
        port, bodies, serve = opts["port"], opts["bodies"], not opts["no_serve"]
        if bodies < 1:
            raise CommandError("--bodies must be at least 1")
        if serve:
            _check_port(port)  # before minutes of work, not after

        self._prepare_archive(bodies)
        self._seal()
        password = self._staff_user()

        photos = Photo.objects.filter(item__sightings__acquisition__collection__name=COLLECTION).distinct().count()
        quarantined = Sighting.objects.filter(acquisition__collection__name=COLLECTION,
                                              outcome=Sighting.Outcome.QUARANTINED).count()
        url = f"http://{HOST}:{port}/"
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS("dalil demo is ready."))
        self.stdout.write(f"  URL       {url}" + ("" if serve else "  (not served: --no-serve)"))
        self.stdout.write(f"  User      {USERNAME}")
        self.stdout.write(f"  Password  {password}   (shown once; run `dalil demo` again for a new one)")
        self.stdout.write(
            f"  Shown     collection '{COLLECTION}': {photos} synthetic photos (abstract shapes and a numbered card, "
            f"no real people) and {quarantined} deliberately broken files in quarantine; previews are blurred "
            "until you choose otherwise, exactly as for real photos."
        )
        if serve:
            self._serve(port)

    def _prepare_archive(self, bodies: int) -> None:
        if IngestRun.objects.filter(acquisition__collection__name=COLLECTION, status=IngestRun.Status.FINISHED).exists():
            self.stdout.write(f"Collection '{COLLECTION}' is already ingested in {settings.HOME}; reusing it.")
            return
        from dalil.ingest import synth

        source = settings.HOME / SOURCE_DIR
        if not (source / synth.MANIFEST).exists():
            if source.exists() and any(source.iterdir()):
                if Collection.objects.filter(name=COLLECTION).exists():
                    raise CommandError(f"{source} is incomplete but part of it was ingested already; "
                                       "remove DALIL_HOME (or use another one) and run `dalil demo` again")
                shutil.rmtree(source)  # a half-written synthetic archive of ours, nothing ingested from it
            self.stdout.write(f"Making a synthetic archive of {bodies} bodies in {source} …")
            synth.synthesize(source, bodies=bodies, seed=1, megapixels=1.0)
        options = Options(
            collection=COLLECTION, received_from="dalil demo (synthetic)", medium="generated",
            pattern=synth.PATH_PATTERN, sidecar=source / synth.SIDECAR_CSV, actor="demo",
        )
        self.stdout.write(f"Ingesting it as collection '{COLLECTION}' …")
        try:
            summary = ingest(source / synth.PHOTOS_DIR, options)
        except IngestError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"  {summary.ingested} photo files ingested ({summary.duplicates} of them exact copies, stored once), "
            f"{summary.near_duplicates} near-duplicate pairs to review, {summary.quarantined} files quarantined."
        )

    def _seal(self) -> None:
        if Seal.objects.filter(collection=COLLECTION).exists():
            return
        if "seal" not in get_commands():
            self.stdout.write("Note: this dalil has no `seal` command yet, so the demo collection is not sealed.")
            return
        try:
            call_command("seal", collection=COLLECTION, stdout=self.stdout, stderr=self.stderr)
        except CommandError as exc:
            self.stdout.write(f"Note: sealing the demo collection failed ({exc}); continuing without a seal.")

    def _staff_user(self) -> str:
        password = secrets.token_urlsafe(12)
        user, _ = get_user_model().objects.get_or_create(username=USERNAME)
        user.is_staff = True
        user.is_active = True
        user.set_password(password)
        user.save()
        return password

    def _serve(self, port: int) -> None:
        import waitress
        from django.contrib.staticfiles.handlers import StaticFilesHandler

        from dalil.wsgi import application

        self.stdout.write(f"Serving on http://{HOST}:{port}/ (press Ctrl+C to stop)")
        self.stdout.flush()
        try:
            waitress.serve(StaticFilesHandler(application), host=HOST, port=port, threads=8)
        except OSError as exc:
            raise CommandError(_port_problem(port, exc)) from None
        except KeyboardInterrupt:
            self.stdout.write("Stopped.")


def _check_port(port: int) -> None:
    if not 0 < port < 65536:
        raise CommandError(f"--port {port} is not a port number (1-65535)")
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        # As waitress does: a port left in TIME_WAIT by a stopped server is free; one with a listener is not.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((HOST, port))
        except OSError as exc:
            raise CommandError(_port_problem(port, exc)) from None


def _port_problem(port: int, exc: OSError) -> str:
    if exc.errno == errno.EADDRINUSE:
        return (f"port {port} on {HOST} is already in use (is another `dalil demo` or server running?); "
                f"stop it or choose another port, e.g. `dalil demo --port {port + 1}`")
    if exc.errno == errno.EACCES:
        return f"not allowed to listen on port {port} on {HOST}; choose a port above 1023, e.g. --port 8000"
    return f"cannot listen on {HOST}:{port}: {exc.strerror or exc}"
