"""dalil's Celery app: its settings are the CELERY_* names of dalil.settings, its one task is dalil.jobs.tasks.

The broker comes from DALIL_BROKER_URL (docs/settings.md); there is no result backend: a Job row holds the
state, progress and result of the work, and the pages and `dalil jobs` read it from the database.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dalil.settings")

app = Celery("dalil")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.task_default_queue = "default"
app.autodiscover_tasks(["dalil.jobs"])
