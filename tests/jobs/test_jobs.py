"""What the jobs app does with a job: start, run (eagerly here), mark interrupted, retry, cancel, show, list."""

import io
import json
import socket

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from dalil.audit.models import AuditEvent
from dalil.jobs import orchestrate
from dalil.jobs.models import Job
from tests.exports.conftest import person
from tests.jobs.conftest import Broker

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.cookies["django_language"] = "en"
    client.force_login(user)
    return client


def test_it_ingests_a_folder_under_an_allowed_root_from_the_web_page(archivist, instance, settings, tmp_path,
                                                                       eager_jobs):
    from tests.exports.conftest import PATTERN, build  # noqa: F401

    settings.INGEST_ROOTS = [tmp_path.resolve()]
    source = tmp_path / "usb"
    (source / "branch-215/2013-05/exam-1001").mkdir(parents=True)
    from tests.exports.conftest import photo_jpeg
    from dalil.ingest import synth

    (source / "branch-215/2013-05/exam-1001/1001_01.jpg").write_bytes(photo_jpeg(1, synth.CAMERAS[0]))
    response = _client(archivist).post(reverse("jobs:ingest"), {"source": str(source), "collection": "usb-1",
                                                                "pattern": PATTERN})
    job = Job.objects.get(kind=Job.Kind.INGEST)
    assert response.status_code == 302 and response["Location"] == reverse("jobs:detail", args=[job.pk])
    assert job.state == Job.State.DONE, job.error
    assert job.summary["ingested"] == 1 and job.progress_done == job.progress_total == 1
    assert job.ingest_run.status == "finished" and job.ingest_run.actor == "huda"
    assert AuditEvent.objects.filter(action=AuditEvent.Action.JOB_STARTED, target=f"job:{job.pk}").exists()


def test_it_refuses_a_path_outside_the_folders_open_to_ingest(archivist, instance, settings, tmp_path):
    settings.INGEST_ROOTS = [(tmp_path / "incoming").resolve()]
    client = _client(archivist)
    for path in ("/etc", str(tmp_path / "incoming" / ".." / "elsewhere"), "relative/path"):
        response = client.post(reverse("jobs:ingest"), {"source": path, "collection": "x"})
        assert response.status_code == 400 and not Job.objects.exists(), path
    settings.INGEST_ROOTS = []
    response = client.post(reverse("jobs:ingest"), {"source": "/srv/x", "collection": "x"})
    assert "DALIL_INGEST_ROOTS" in response.content.decode()


def test_it_marks_a_running_job_whose_process_is_gone_interrupted_and_leaves_other_machines_alone(db):
    host = socket.gethostname()
    dead = Job.objects.create(kind=Job.Kind.FACES, requested_by="huda", state=Job.State.RUNNING,
                              worker=f"{host}:99999999")
    elsewhere = Job.objects.create(kind=Job.Kind.FACES, requested_by="huda", state=Job.State.RUNNING,
                                   worker="another-machine:1")
    assert [j.pk for j in orchestrate.mark_interrupted()] == [dead.pk]
    dead.refresh_from_db(), elsewhere.refresh_from_db()
    assert dead.state == Job.State.INTERRUPTED and "stopped before it finished" in dead.error and dead.finished_at
    assert elsewhere.state == Job.State.RUNNING


def test_a_cancelled_queued_job_is_never_run_and_only_a_finished_one_is_retried(db):
    job = orchestrate.start(Job.Kind.FACES, "huda", {"collection": ""})
    assert job.state == Job.State.QUEUED  # no worker here: it waits in the embedded broker
    with pytest.raises(orchestrate.NotNow):
        orchestrate.retry(job, "huda")
    orchestrate.cancel(job, "rana")
    job.refresh_from_db()
    assert job.state == Job.State.FAILED and "cancelled by rana" in job.error
    assert orchestrate.run(job.pk) is None  # the message, delivered later, does nothing
    with pytest.raises(orchestrate.NotNow):
        orchestrate.cancel(job, "rana")
    orchestrate.retry(job, "rana")
    job.refresh_from_db()
    assert (job.state, job.attempts, job.error) == (Job.State.QUEUED, 1, "")
    actions = set(AuditEvent.objects.filter(target=f"job:{job.pk}").values_list("action", flat=True))
    assert actions == {"job_started", "job_cancelled", "job_retried"}


def test_a_job_that_cannot_reach_its_broker_fails_with_a_sentence(db):
    broker = Broker("redis://127.0.0.1:1/0")  # nothing listens on port 1
    try:
        job = orchestrate.start(Job.Kind.FACES, "huda", {"collection": ""})
    finally:
        broker.restore()
    assert job.state == Job.State.FAILED and "could not be reached" in job.error and "dalil worker" in job.error


def test_a_running_job_asked_to_cancel_stops_at_its_next_progress_step(db):
    job = Job.objects.create(kind=Job.Kind.FACES, requested_by="huda")
    job = orchestrate._take(job.pk)
    orchestrate.cancel(job, "rana")
    progress = orchestrate.Progress(job)
    with pytest.raises(orchestrate.Cancelled):
        progress("start", photos=10)


def test_the_cli_lists_shows_retries_and_cancels(db):
    job = orchestrate.start(Job.Kind.FACES, "huda", {"collection": "caesar"})
    out = io.StringIO()
    call_command("jobs", "list", "--json", stdout=out)
    (row,) = json.loads(out.getvalue())
    assert not row["error"], row["error"]
    assert (row["id"], row["kind"], row["state"], row["parameters"]) == (job.pk, "faces", "queued",
                                                                         {"collection": "caesar"})
    out = io.StringIO()
    call_command("jobs", "cancel", str(job.pk), "--actor", "rana", "--json", stdout=out)
    assert json.loads(out.getvalue())["state"] == "failed"
    out = io.StringIO()
    call_command("jobs", "retry", str(job.pk), "--actor", "rana", "--json", stdout=out)
    assert json.loads(out.getvalue())["attempts"] == 1
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="only a failed or interrupted job"):
        call_command("jobs", "retry", str(job.pk), stdout=io.StringIO())
    with pytest.raises(CommandError, match="there is no job 999"):
        call_command("jobs", "show", "999", stdout=io.StringIO())


def test_a_job_page_shows_only_jobs_of_kinds_ones_role_starts(archive, archivist, eager_jobs):
    caseworker = person("salma", "caseworker")
    _client(archivist).post(reverse("exports:create"), {"case": archive.case_a.pk, "profile": "prosecutor",
                                                        "recipient": "ICC OTP"})
    job = Job.objects.get(kind=Job.Kind.BAG)
    assert job.state == Job.State.DONE and job.output_sha256 == job.export.output_sha256
    page = _client(archivist).get(reverse("jobs:detail", args=[job.pk])).content.decode()
    assert job.output_sha256 in page and 'http-equiv="refresh"' not in page
    other = _client(caseworker)
    response = other.get(reverse("jobs:detail", args=[job.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("jobs:list")
    assert job.output_sha256 not in other.get(reverse("jobs:list")).content.decode()
    assert other.post(reverse("jobs:retry", args=[job.pk])).status_code == 302 and job.attempts == 0
    reviewer = person("khaled", "reviewer")
    assert _client(reviewer).get(reverse("jobs:list")).status_code == 403
