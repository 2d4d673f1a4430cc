"""dalil add_staff USERNAME --role ROLE [--role ROLE] [--password-stdin]"""

import secrets
import sys

from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from dalil.lib.roles import Role, grant


class Command(BaseCommand):
    help = "Create or update a staff user with roles; a new user without --password-stdin gets a printed password."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", action="append", required=True, metavar="ROLE",
                            help=f"a role to grant (repeatable): {', '.join(Role.values)}")
        parser.add_argument("--password-stdin", action="store_true",
                            help="read the password from the first line of standard input")

    def handle(self, *args, username, role, password_stdin, **options):
        unknown = [r for r in role if r not in Role.values]
        if unknown:
            raise CommandError(f"Unknown role {', '.join(unknown)}: choose from {', '.join(Role.values)}.")
        username = username.strip()
        if not username:
            raise CommandError("Give a user name, e.g. `dalil add_staff amal --role caseworker`.")
        User = get_user_model()
        user = User.objects.filter(username=username).first() or User(username=username)
        created = user.pk is None
        # An existing user keeps their password unless a new one is piped in; a new user always gets one.
        generated = created and not password_stdin
        password = None
        if password_stdin:
            password = sys.stdin.readline().rstrip("\r\n")
            if not password:
                raise CommandError("No password on standard input: pipe one in, or leave out --password-stdin "
                                   "to have one generated.")
        elif generated:
            password = secrets.token_urlsafe(18)
        if password is not None:
            try:
                password_validation.validate_password(password, user)
            except ValidationError as error:
                raise CommandError("That password is refused: " + " ".join(error.messages)) from None
        with transaction.atomic():
            user.is_active = True
            if password is not None:
                user.set_password(password)
            user.save()
            grant(user, *role)
        roles = ", ".join(sorted(set(role)))
        self.stdout.write(f"{'created' if created else 'updated'} staff user {username}; granted role(s): {roles}")
        if generated:
            self.stdout.write(f"password: {password}")
