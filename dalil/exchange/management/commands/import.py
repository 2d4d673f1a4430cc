"""`dalil import pfif FILE` and `dalil import table FILE --kind reports|victims`."""

import sys

from django.core.management.base import BaseCommand, CommandError

EXIT_REJECTED = 3  # finished, but some records or rows were refused (each with its reason in the summary)


def _subcommands():
    from dalil.exchange import cli_import_pfif, cli_table

    return {"pfif": cli_import_pfif, "table": cli_table}


class Command(BaseCommand):
    help = "Import missing-person records (PFIF 1.1-1.4) or spreadsheets (CSV, XLSX) of reports or of victims."
    epilog = ("Exit status: 0 everything imported or already here; 3 finished but some records or rows were "
              "refused (see the summary); 1 nothing could be imported. Safe to run again: nothing is imported twice.")

    def create_parser(self, prog_name, subcommand, **kwargs):
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.epilog = self.epilog
        return parser

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="what", required=True, metavar="{pfif,table}")
        for name, module in _subcommands().items():
            module.add_arguments(sub.add_parser(name, help=module.HELP, description=module.HELP))

    def handle(self, *args, **opts):
        module = _subcommands().get(opts["what"])
        if module is None:
            raise CommandError(f"unknown import {opts['what']!r}")
        if module.handle(self, opts):
            sys.exit(EXIT_REJECTED)
