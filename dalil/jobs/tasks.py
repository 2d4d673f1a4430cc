"""The Celery tasks: small and idempotent. Each takes a job id and leaves the work to dalil.jobs.orchestrate.

A message delivered twice (acks_late: a worker lost before acknowledging it) finds the job no longer queued
and does nothing; a job that was interrupted is run again only when a person retries it.
"""

from dalil.jobs.celery import app


@app.task(name="dalil.jobs.run_job", ignore_result=True)
def run_job(job_id: int) -> None:
    from dalil.jobs import orchestrate

    orchestrate.run(job_id)
