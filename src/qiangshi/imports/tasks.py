"""Celery tasks of the import jobs; the work itself is in `jobs` (run_validation, run_commit)."""

from celery import shared_task

from . import jobs


@shared_task(name="imports.validate", ignore_result=True)
def validate_import(job_id: int, language: str = "zh-hans", then_commit: bool = False) -> None:
    """Check an uploaded file (nothing is written) and save the preview on its job."""
    jobs.run_validation(job_id, language=language, then_commit=then_commit)


@shared_task(name="imports.commit", ignore_result=True)
def commit_import(job_id: int, language: str = "zh-hans") -> None:
    """Import a checked file in one transaction, saving progress on its job."""
    jobs.run_commit(job_id, language=language)
