"""dalil add_staff USERNAME --role ROLE [--role ROLE] [--password-stdin]: the older name of `dalil staff add`."""

import sys

from django.core.management import call_command
from django.core.management.base import BaseCommand

from dalil.lib.roles import Role


class Command(BaseCommand):
    help = ("Create or update a staff user with roles; a new user without --password-stdin gets a printed password. "
            "Same as `dalil staff add` (audited; the user sets up an authenticator app at the first sign-in).")

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", action="append", required=True, metavar="ROLE",
                            help=f"a role to grant (repeatable): {', '.join(Role.values)}")
        parser.add_argument("--password-stdin", action="store_true",
                            help="read the password from the first line of standard input")

    def handle(self, *args, username, role, password_stdin, **options):
        argv = ["add", username, *[f"--role={r}" for r in role]] + (["--password-stdin"] if password_stdin else [])
        call_command("staff", *argv, stdout=self.stdout._out, stderr=self.stderr._out or sys.stderr)
