"""dalil staff list|add|roles|deactivate|reactivate|reset-password|unlock|reset-2fa …: staff accounts from a shell.

Whoever can run this can already read the instance's database and keys, so
the command line is also the way back in when no admin can sign in (the last
admin locked out, or their phone lost). Every change is audited as
"<login name> (cli)".
"""

import getpass
import json
import sys

from django.core.management.base import BaseCommand, CommandError

from dalil.accounts import staffing
from dalil.lib.roles import Role

SUBCOMMANDS = ("list", "add", "roles", "deactivate", "reactivate", "reset-password", "unlock", "reset-2fa")


def _password_from_stdin() -> str:
    password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        raise CommandError("No password on standard input: pipe one in, or leave out --password-stdin "
                           "to have one generated.")
    return password


class Command(BaseCommand):
    help = ("Staff accounts: list; add USER --role ROLE; roles USER [--grant ROLE] [--remove ROLE]; deactivate USER; "
            "reactivate USER; reset-password USER; unlock [USER] [--ip ADDRESS]; reset-2fa USER. "
            "`dalil staff SUBCOMMAND --help` for each.")

    def add_arguments(self, parser):
        parser.add_argument("--actor", default="", help="who makes the change, for the audit log "
                                                        "(default: your login name, marked (cli))")
        sub = parser.add_subparsers(dest="subcommand", metavar="SUBCOMMAND", required=True)
        roles_help = f"one of {', '.join(Role.values)} (repeatable)"

        listing = sub.add_parser("list", help="every staff account: roles, active, second factor, lockout")
        listing.add_argument("--json", action="store_true", help="print JSON instead of a table")

        add = sub.add_parser("add", help="create a staff user (or give an existing one more roles)")
        add.add_argument("username")
        add.add_argument("--role", action="append", required=True, metavar="ROLE", help=roles_help)
        add.add_argument("--password-stdin", action="store_true",
                         help="read the password from the first line of standard input (else one is generated "
                              "for a new user and printed once)")
        add.add_argument("--json", action="store_true", help="print the result as JSON")

        roles = sub.add_parser("roles", help="show, grant or remove roles")
        roles.add_argument("username")
        roles.add_argument("--grant", action="append", default=[], metavar="ROLE", help=roles_help)
        roles.add_argument("--remove", action="append", default=[], metavar="ROLE", help=roles_help)
        roles.add_argument("--json", action="store_true", help="print the result as JSON")

        for name, what in (("deactivate", "stop a user signing in; their open sessions end at once"),
                           ("reactivate", "let a deactivated user sign in again"),
                           ("reset-2fa", "remove a user's authenticator and recovery codes (lost phone); "
                                         "they set up a new one at their next sign-in")):
            one = sub.add_parser(name, help=what)
            one.add_argument("username")

        reset = sub.add_parser("reset-password", help="give a user a new password (printed once); "
                                                      "their open sessions end")
        reset.add_argument("username")
        reset.add_argument("--password-stdin", action="store_true",
                           help="read the new password from the first line of standard input")

        unlock = sub.add_parser("unlock", help="clear failed sign-ins of a user name and/or an address")
        unlock.add_argument("username", nargs="?", help="the user name to unlock")
        unlock.add_argument("--ip", help="the address to unlock")
        unlock.add_argument("--list", action="store_true", help="only show what is locked, change nothing")

    def handle(self, *args, subcommand, **opts):
        self.actor = opts["actor"] or f"{getpass.getuser()} (cli)"
        try:
            getattr(self, "do_" + subcommand.replace("-", "_"))(opts)
        except staffing.StaffError as error:
            raise CommandError(str(error)) from None

    def emit(self, opts, data: dict, text: str) -> None:
        self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) if opts.get("json") else text)

    def do_list(self, opts):
        locked = staffing.locked_usernames()
        people = [staffing.summary(user, locked) for user in staffing.staff_users()]
        if opts["json"]:
            self.stdout.write(json.dumps(people, ensure_ascii=False, indent=2))
            return
        if not people:
            self.stdout.write("No staff yet: `dalil staff add USER --role admin` makes the first one.")
        for p in people:
            state = "deactivated" if not p["active"] else "LOCKED OUT" if p["locked"] else "active"
            second = "authenticator" if p["authenticator"] else "no authenticator yet"
            roles = "superuser (every role)" if p["superuser"] else ", ".join(p["roles"]) or "no role"
            self.stdout.write(f"{p['username']:<20} {state:<12} {roles:<40} {second}, "
                              f"{p['recovery_codes_left']} recovery codes")

    def do_add(self, opts):
        password = _password_from_stdin() if opts["password_stdin"] else None
        user, created, password = staffing.add(opts["username"], opts["role"], self.actor, password=password)
        roles = ", ".join(sorted(set(opts["role"])))
        shown = password if password is not None and not opts["password_stdin"] else None
        text = f"{'created' if created else 'updated'} staff user {user.username}; granted role(s): {roles}"
        if shown:
            text += f" (password shown once; at the first sign-in they set up an authenticator app)\npassword: {shown}"
        self.emit(opts, {"username": user.username, "created": created, "roles": staffing.assigned_roles(user),
                         **({"password": shown} if shown else {})}, text)

    def do_roles(self, opts):
        user = staffing.get_staff(opts["username"])
        held = staffing.change_roles(user, opts["grant"], opts["remove"], self.actor)
        self.emit(opts, {"username": user.username, "roles": held},
                  f"{user.username}: {', '.join(held) or 'no role'}"
                  + (" (superuser: every role whatever is granted)" if user.is_superuser else ""))

    def do_deactivate(self, opts):
        user = staffing.get_staff(opts["username"])
        changed = staffing.set_active(user, False, self.actor)
        self.stdout.write(f"{user.username} is deactivated" + ("; their open sessions have ended" if changed
                                                                  else " already"))

    def do_reactivate(self, opts):
        user = staffing.get_staff(opts["username"])
        changed = staffing.set_active(user, True, self.actor)
        self.stdout.write(f"{user.username} can sign in again" if changed else f"{user.username} is active already")

    def do_reset_password(self, opts):
        user = staffing.get_staff(opts["username"])
        password = staffing.reset_password(user, self.actor,
                                           password=_password_from_stdin() if opts["password_stdin"] else None)
        self.stdout.write(f"new password for {user.username}; their open sessions have ended")
        if not opts["password_stdin"]:
            self.stdout.write(f"password: {password}")

    def do_reset_2fa(self, opts):
        user = staffing.get_staff(opts["username"])
        removed = staffing.reset_second_factor(user, self.actor)
        self.stdout.write(f"removed {removed} second-factor device(s) of {user.username}; "
                          "they set up a new authenticator at their next sign-in")

    def do_unlock(self, opts):
        if opts["list"] or not (opts["username"] or opts["ip"]):
            locks = staffing.locks()
            for lock in locks:
                self.stdout.write(f"{lock.kind:<11} {lock.value:<30} {lock.failures:>3} failures"
                                  f"{'  LOCKED' if lock.locked else ''}")
            if not locks:
                self.stdout.write("No failed sign-ins are counted at the moment.")
            if not opts["list"]:
                raise CommandError("Say what to unlock: `dalil staff unlock USER` or "
                                   "`dalil staff unlock --ip ADDRESS`.")
            return
        cleared = staffing.unlock(self.actor, username=opts["username"], ip=opts["ip"])
        self.stdout.write(f"unlocked {opts['username'] or opts['ip']} ({cleared} failure record(s) cleared)")
