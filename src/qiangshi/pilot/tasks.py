"""Celery task of the pilot office: writing a periodic report (in-process without a broker)."""

from celery import shared_task


@shared_task(name="pilot.report", ignore_result=True)
def write_report(job_id: int) -> None:
    """Write a queued pilot report and keep its file (`services.pilot_report_write`)."""
    from .services import pilot_report_write

    pilot_report_write(job_id)
