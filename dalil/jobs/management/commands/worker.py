"""`dalil worker`: a Celery worker for dalil's background jobs, on any machine that reaches the database, broker and store."""

import os
import socket

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from dalil.jobs import orchestrate


class Command(BaseCommand):
    help = ("Run a worker for background jobs (ingest, faces, reports, packages, imports) from DALIL_BROKER_URL; "
            "it needs the same database, store and settings as the web server.")

    def add_arguments(self, parser):
        parser.add_argument("--concurrency", type=int, default=2,
                            help="jobs run at once, each in its own process (default 2)")
        parser.add_argument("--queues", default=",".join(orchestrate.ALL_QUEUES),
                            help=f"comma-separated queues to take jobs from (default {','.join(orchestrate.ALL_QUEUES)}; "
                                 "'ingest' jobs read a medium: take them on the machine that holds it)")
        parser.add_argument("--loglevel", default="INFO", help="INFO (default), WARNING, DEBUG")

    def handle(self, *args, **opts):
        if opts["concurrency"] < 1:
            raise CommandError("--concurrency must be at least 1")
        queues = [q.strip() for q in opts["queues"].split(",") if q.strip()]
        unknown = sorted(set(queues) - set(orchestrate.ALL_QUEUES))
        if not queues or unknown:
            raise CommandError(f"unknown queue(s) {', '.join(unknown) or '(none given)'}: choose from "
                               f"{', '.join(orchestrate.ALL_QUEUES)}")
        from dalil.jobs.celery import app

        found = orchestrate.mark_interrupted()  # jobs whose process on this machine died with the last worker
        if found:
            self.stdout.write(f"Marked interrupted: job(s) {', '.join(str(j.pk) for j in found)} (retry with "
                              "`dalil jobs retry ID`)")
        broker = settings.BROKER_URL.split("@")[-1] if settings.BROKER_URL else f"{settings.HOME / 'broker.sqlite3'}"
        self.stdout.write(f"Worker {socket.gethostname()}:{os.getpid()} taking jobs from {', '.join(queues)} "
                          f"({broker}), {opts['concurrency']} at once")
        self.stdout.flush()
        app.worker_main(["worker", f"--concurrency={opts['concurrency']}", f"--queues={','.join(queues)}",
                         f"--hostname=dalil-{os.getpid()}@{socket.gethostname()}", f"--loglevel={opts['loglevel']}",
                         # a virtual transport (the embedded broker) has no broadcast: no gossip, mingle or heartbeat
                         "--without-gossip", "--without-mingle", "--without-heartbeat"])
