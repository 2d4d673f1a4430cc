"""The `dalil` console command: dalil's management commands under one name.

`dalil ingest ...` runs the ingest command with dalil's settings; the instance's database is brought up to date
first, so a fresh DALIL_HOME works with no separate setup step. `dalil`, `dalil --help` and `dalil help` list
dalil's own commands (found in the installed dalil apps, so a new app's commands appear without editing this
file); Django's developer commands stay reachable as `dalil django COMMAND` and are not listed. Names are shown
with hyphens (`dalil validate-bag`); the underscore spellings (`dalil validate_bag`) still work.

Exit status: 0 done; 1 failed, with a sentence saying why; 2 a usage error (unknown command, option or argument);
141 when the reader of the output went away (`dalil quarantine | head`), quietly, as a program killed by SIGPIPE.
"""

import difflib
import os
import sys
import textwrap

EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_BROKEN_PIPE = 128 + 13  # what a shell reports for a program ended by SIGPIPE

# Commands that must not trigger an automatic migration first.
_NO_AUTO_MIGRATE = {"help", "--help", "-h", "version", "--version", "makemigrations", "migrate", "check", "shell"}
_HELP = {"help", "--help", "-h"}


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        _main(argv)
    except BrokenPipeError:
        # The reader closed the pipe: nothing more can be said to it. Python flushes stdout once more at exit;
        # pointed at /dev/null, that flush cannot fail again and print "Exception ignored … BrokenPipeError".
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(EXIT_BROKEN_PIPE)


def _main(argv: list[str]) -> None:
    if argv[:1] in (["--version"], ["version"]):
        sys.stdout.write(f"dalil {version()}\n")  # before any setting is read: it creates no instance folder
        return
    # Before anything is written: the instance's database, keys, log and store are the instance user's only.
    from dalil.lib.security import private_umask

    private_umask()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dalil.settings")
    import django
    from django.core.exceptions import ImproperlyConfigured

    try:
        django.setup()
    except ImproperlyConfigured as exc:  # a setting to fix: its sentence, not a traceback
        sys.stderr.write(f"dalil: {exc}\n")
        sys.exit(EXIT_FAILED)

    if not argv or (argv[0] in _HELP and len(argv) == 1):
        sys.stdout.write(dalil_help())
        return
    if argv[0] in _HELP:
        return _help_for(argv[1])
    if argv[0] == "django":
        return _django(argv[1:])
    name = argv[0].replace("-", "_")  # `dalil validate-bag` and `dalil validate_bag` are one command
    app = _commands().get(name)
    if app is None:
        _usage_error(_unknown(argv[0]))
    if not app.startswith("dalil."):  # Django's own, unlisted but kept working (`dalil check --deploy`)
        return _django([name, *argv[1:]], prog="dalil")
    _migrate_if_needed()
    _load(app, name).run_from_argv(["dalil", shown(name), *argv[1:]])


def version() -> str:
    from importlib.metadata import PackageNotFoundError, version as installed

    try:
        return installed("dalil")
    except PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown (not installed: run `make setup`)"


def shown(name: str) -> str:
    """A command's name as users type it: hyphens, never underscores."""
    return name.replace("_", "-")


def _commands() -> dict[str, str]:
    from django.core.management import get_commands

    return get_commands()


def _load(app: str, name: str):
    from django.core.management import load_command_class

    return load_command_class(app, name)


def _dalil_apps() -> list:
    """Installed dalil apps with commands, in INSTALLED_APPS order (the order data flows)."""
    from django.apps import apps

    commands = _commands()
    with_commands = {app for app in commands.values() if app.startswith("dalil.")}
    return [config for config in apps.get_app_configs() if config.name in with_commands]


def _summary(app: str, name: str) -> str:
    """A command's help, up to its first full stop."""
    try:
        text = " ".join(str(_load(app, name).help or "").split())
    except Exception as exc:  # one broken command must not hide the others
        return f"(cannot be loaded: {type(exc).__name__}: {exc})"
    first, dot, _rest = text.partition(". ")
    return first + "." if dot else first


def _listing(groups: list[tuple[str, list[tuple[str, str]]]], hyphens: bool = True) -> str:
    label = shown if hyphens else str
    width = max((len(label(name)) for _title, rows in groups for name, _app in rows), default=10) + 2
    lines = []
    for title, rows in groups:
        lines.append(str(title))
        for name, app in rows:
            summary = textwrap.fill(_summary(app, name), width=110, initial_indent=" " * (2 + width),
                                    subsequent_indent=" " * (2 + width)).lstrip()
            lines.append(f"  {label(name):<{width}}{summary}")
        lines.append("")
    return "\n".join(lines)


def dalil_help() -> str:
    commands = _commands()
    groups = [(config.verbose_name, sorted((n, a) for n, a in commands.items() if a == config.name))
              for config in _dalil_apps()]
    return (
        f"dalil {version()}: an evidence-grade archive of photographs of people who died in detention.\n\n"
        "usage: dalil COMMAND [options]    `dalil help COMMAND` (or `dalil COMMAND --help`) for one command\n\n"
        + _listing(groups)
        + "Django's own commands (migrate, shell, check, createsuperuser…): `dalil django --help`.\n"
        "Names take hyphens; the old spellings with underscores (`dalil group_cases`) still work.\n"
        "Exit status: 0 done; 1 failed (a sentence says why); 2 usage error (unknown command, option or "
        "argument); some commands add their own (see their --help).\n"
    )


def django_help() -> str:
    from django.apps import apps
    from django.utils import translation

    commands = _commands()
    with translation.override("en"):  # as the rest of the listing
        labels = {config.name: str(config.verbose_name) for config in apps.get_app_configs()}
    by_app: dict[str, list] = {}
    for name, app in sorted(commands.items()):
        if not app.startswith("dalil."):
            by_app.setdefault(app, []).append((name, app))
    groups = [(labels.get(app, app) if app != "django.core" else "Django", rows) for app, rows in by_app.items()]
    return ("Django's developer and maintenance commands, run as `dalil django COMMAND [options]`:\n\n"
            + _listing(groups, hyphens=False))


def _help_for(name: str) -> None:
    if name == "django":
        sys.stdout.write(django_help())
        return
    canonical = name.replace("-", "_")
    app = _commands().get(canonical)
    if app is None:
        _usage_error(_unknown(name))
    prefix = "dalil" if app.startswith("dalil.") else "dalil django"
    _load(app, canonical).print_help(prefix, shown(canonical) if app.startswith("dalil.") else canonical)


def _django(argv: list[str], prog: str = "dalil django") -> None:
    """Django's own commands (migrate, shell, check …), through Django's command-line runner."""
    from django.core.management import execute_from_command_line

    if not argv or (argv[0] in _HELP and len(argv) == 1):
        sys.stdout.write(django_help())
        return
    commands = _commands()
    if argv[0] not in commands and argv[0].replace("-", "_") in commands:
        argv = [argv[0].replace("-", "_"), *argv[1:]]
    if argv[0] not in commands:
        _usage_error(_unknown(argv[0], django=True))
    if argv[0] not in _NO_AUTO_MIGRATE:
        _migrate_if_needed()
    execute_from_command_line([prog, *argv])


def _unknown(name: str, django: bool = False) -> str:
    names = [shown(n) if not django else n for n, app in _commands().items()
             if app.startswith("dalil.") != django]
    close = difflib.get_close_matches(name.replace("_", "-") if not django else name, names, n=1)
    hint = f" Did you mean `dalil {'django ' if django else ''}{close[0]}`?" if close else ""
    listing = "`dalil django --help`" if django else "`dalil --help`"
    return f"unknown command {name!r}.{hint} {listing} lists the commands."


def _usage_error(message: str) -> None:
    sys.stderr.write(f"dalil: {message}\n")
    sys.exit(EXIT_USAGE)


def _migrate_if_needed() -> None:
    from django.core.management import call_command
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        call_command("migrate", verbosity=0, interactive=False)


if __name__ == "__main__":
    main()
