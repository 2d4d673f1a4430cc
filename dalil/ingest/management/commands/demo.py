"""`dalil demo`: a small synthetic archive, staff for each role, a few reports, and the web app, in one command.

Safe to run again: the archive is made, ingested, grouped into cases and sealed
once (an interrupted ingest is finished by the next run), the demo reports are
made once (see dalil.ingest.demo_data); each run gives the demo users fresh
passwords and authenticator secrets and the demo reports fresh follow-up links,
and prints them once.
"""

import json
import os
import shutil
from pathlib import Path

from django.conf import settings
from django.core.management import call_command, get_commands
from django.core.management.base import BaseCommand, CommandError

from dalil.accounts import factors
from dalil.archive.models import Photo
from dalil.evidence.models import Collection, Seal, Sighting
from dalil.ingest import demo_data
from dalil.ingest.management.commands.serve import HOST, check_port
from dalil.ingest.management.commands.serve import serve as serve_forever
from dalil.ingest.models import IngestRun
from dalil.ingest.pipeline import IngestError, Options, ingest

COLLECTION = "demo"
USERNAME = "demo-archivist"
SOURCE_DIR = "demo-source"


class Command(BaseCommand):
    help = (
        "Make a small synthetic archive (abstract pictures, no real people) in DALIL_HOME, ingest and seal it "
        f"as collection '{COLLECTION}', add staff for each role and a few invented missing-person reports, and serve the web app."
    )

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8000, help=f"port to serve on, on {HOST} (default 8000)")
        parser.add_argument("--bodies", type=int, default=12,
                            help="bodies in the synthetic archive, 3-20 photos each (default 12; first run only)")
        parser.add_argument("--no-serve", action="store_true", help="prepare everything and print the login, but do not serve")
        parser.add_argument("--password-file", type=Path, metavar="PATH",
                            help="also write the logins and follow-up links as JSON to PATH (mode 0600), for scripts and tests")

    def handle(self, *args, **opts):
        port, bodies, serve = opts["port"], opts["bodies"], not opts["no_serve"]
        if bodies < 1:
            raise CommandError("--bodies must be at least 1")
        if serve:
            check_port(port)  # before minutes of work, not after

        self._prepare_archive(bodies)
        self._group_cases()
        self._seal()
        from dalil.exports.bags import demo_package  # one evidence package (a case, prosecutor profile), made once

        if (bag_job := demo_package(COLLECTION)) is not None:
            self.stdout.write(f"  Exports   {_site_url(port)}exports/ offers evidence package #{bag_job.pk} "
                              f"({', '.join(f'{k} {v}' for k, v in bag_job.scope.items())}) for download")
        logins = demo_data.make_staff()
        password = logins[USERNAME]["password"]
        tokens = demo_data.make_reports(COLLECTION)

        photos = Photo.objects.filter(item__sightings__acquisition__collection__name=COLLECTION).distinct().count()
        quarantined = Sighting.objects.filter(acquisition__collection__name=COLLECTION,
                                              outcome=Sighting.Outcome.QUARANTINED).count()
        url = _site_url(port)
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS("dalil demo is ready."))
        self.stdout.write(f"  URL       {url}" + ("" if serve else "  (not served: --no-serve)"))
        self.stdout.write(f"  Figures   {url}statistics/?collection={COLLECTION} (staff), {url}statistics/public/ (anyone); "
                          f"the report as PDF or HTML: {url}statistics/report/?collection={COLLECTION}")
        self.stdout.write(f"  User      {USERNAME}")
        self.stdout.write(f"  Password  {password}   (shown once; run `dalil demo` again for a new one)")
        self.stdout.write(f"  Code      from an authenticator app: add the secret {logins[USERNAME]['totp_secret']}")
        self.stdout.write(f"            or open {logins[USERNAME]['otpauth']}")
        self.stdout.write(f"            in {factors.AUTHENTICATOR_APPS}; or, on this machine, "
                          f"`oathtool --totp -b {logins[USERNAME]['totp_secret']}` (Debian package oathtool)")
        self.stdout.write("  Other staff, one per role (password, authenticator secret, its otpauth:// link; shown once too):")
        for username, login in logins.items():
            if username != USERNAME:
                self.stdout.write(f"            {username:<16} {login['password']}   {login['totp_secret']}   "
                                  f"({', '.join(login['roles'])})")
                self.stdout.write(f"            {'':<16} {login['otpauth']}")
        links = {ref: url.rstrip("/") + demo_data.followup_path(token) for ref, token in tokens.items()}
        self.stdout.write("  Families  invented missing-person reports, each with its secret follow-up link:")
        for reference, link in links.items():
            self.stdout.write(f"            {reference}  {link}")
        self.stdout.write(
            f"  Shown     collection '{COLLECTION}': {photos} synthetic photos (abstract shapes and a numbered card, "
            f"no real people) and {quarantined} deliberately broken files in quarantine; previews are blurred "
            "until you choose otherwise, exactly as for real photos."
        )
        if opts["password_file"]:
            _write_private_json(opts["password_file"], {"url": url, "users": logins, "followup": links})
            self.stdout.write(f"  Logins written to {opts['password_file']} (readable by you only).")
        if serve:
            serve_forever(port, stdout=self.stdout)

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
        """Seal the demo collection once, then verify it, so the report states a seal and a clean verify."""
        if Seal.objects.filter(collection=COLLECTION).exists():
            return
        call_command("seal", collection=COLLECTION, actor="demo", stdout=self.stdout, stderr=self.stderr)
        from dalil.evidence.verify import verify

        report = verify(COLLECTION, actor="demo")
        self.stdout.write(f"verified {COLLECTION}: {'no problems' if report.ok else 'PROBLEMS FOUND'}")

    def _group_cases(self) -> None:
        """Group the demo photos into body cases, for a collection ingested before ingest grouped them itself."""
        from dalil.archive.models import Photo

        loose = Photo.objects.filter(item__sightings__acquisition__collection__name=COLLECTION, case=None).exclude(exam_no="")
        if "group_cases" not in get_commands() or not loose.exists():
            return
        try:
            call_command("group_cases", stdout=self.stdout, stderr=self.stderr)
        except CommandError as exc:
            self.stdout.write(f"Note: grouping the demo photos into cases failed ({exc}); continuing without cases.")


def _site_url(port: int) -> str:
    """Where people open the site: DALIL_PUBLIC_URL (behind a proxy, https://…) when set, else the local server."""
    return settings.PUBLIC_URL or f"http://{HOST}:{port}/"


def _write_private_json(path: Path, data: dict) -> None:
    """Write JSON readable by the owner only: the file never exists with wider permissions, even briefly."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    except OSError as exc:
        raise CommandError(f"cannot write --password-file {path}: {exc.strerror}; choose a writable path") from None
    os.fchmod(fd, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(data, f, ensure_ascii=False, indent=2)
