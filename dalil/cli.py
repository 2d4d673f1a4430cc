"""The `dalil` console command: Django's management commands under one name.

`dalil ingest ...` is `django-admin ingest ...` with dalil's settings; the
instance's database is brought up to date first, so a fresh DALIL_HOME works
with no separate setup step.
"""

import os
import sys

# Commands that must not trigger an automatic migration first.
_NO_AUTO_MIGRATE = {"help", "--help", "-h", "version", "--version", "makemigrations", "migrate", "check", "shell"}


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dalil.settings")
    import django
    from django.core.management import execute_from_command_line

    django.setup()
    if argv and not argv[0].startswith("-"):
        argv[0] = argv[0].replace("-", "_")  # `dalil validate-bag` runs the validate_bag command
    if argv and argv[0] not in _NO_AUTO_MIGRATE:
        _migrate_if_needed()
    execute_from_command_line(["dalil", *argv])


def _migrate_if_needed() -> None:
    from django.core.management import call_command
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        call_command("migrate", verbosity=0, interactive=False)


if __name__ == "__main__":
    main()
