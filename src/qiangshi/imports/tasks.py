"""Celery tasks of the import jobs; the work itself is in `jobs` (run_validation, run_commit).

On a Celery worker each task caps its own address space while it runs (`memory_capped`), and
the worker replaces a child grown past CELERY_WORKER_MAX_MEMORY_PER_CHILD; without a broker
the tasks run in a memory-capped child process (`core.background`).
"""

from celery import shared_task

from qiangshi.core.background import memory_capped

from . import jobs


@shared_task(name="imports.validate", ignore_result=True)
def validate_import(job_id: int, language: str = "zh-hans", then_commit: bool = False) -> None:
    """Check an uploaded file (nothing is written) and save the preview on its job."""
    with memory_capped():
        jobs.run_validation(job_id, language=language, then_commit=then_commit)


@shared_task(name="imports.commit", ignore_result=True)
def commit_import(job_id: int, language: str = "zh-hans") -> None:
    """Import a checked file in one transaction, saving progress on its job."""
    with memory_capped():
        jobs.run_commit(job_id, language=language)


@shared_task(name="imports.export", ignore_result=True)
def run_export(job_id: int) -> None:
    """Build an export job's file as the user who asked (`export_jobs.run_export`)."""
    from . import export_jobs

    export_jobs.run_export(job_id)
