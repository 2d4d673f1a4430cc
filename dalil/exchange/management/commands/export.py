"""`dalil export bag ...` and `dalil export pfif ...`: each subcommand lives beside the code it drives.

It lives in exchange, the higher of the two apps, so that exports never imports exchange.
"""

from django.core.management.base import BaseCommand, CommandError


def _subcommands():
    from dalil.exchange import cli_pfif
    from dalil.exports import cli_bag

    return {"bag": cli_bag, "pfif": cli_pfif}


class Command(BaseCommand):
    help = "Export evidence packages (BagIt) or missing-person records (PFIF 1.4) under an export profile."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="what", required=True, metavar="{bag,pfif}")
        for name, module in _subcommands().items():
            module.add_arguments(sub.add_parser(name, help=module.HELP, description=module.HELP))

    def handle(self, *args, **opts):
        module = _subcommands().get(opts["what"])
        if module is None:
            raise CommandError(f"unknown export {opts['what']!r}")
        return module.handle(self, opts)
