"""Running a job's Celery task: on a worker where a broker is configured, otherwise in this
process.

Without a broker (`CELERY_TASK_ALWAYS_EAGER`, what `make demo` gives) the task runs in a
thread of the process that asked for it when `QIANGSHI_JOBS_IN_THREADS` is on (the default):
the request that started the job returns at once, and its page shows the job's progress as it
is saved, as it would with a worker. The thread has its own database connections and closes
them when the task ends. With the setting off (the tests), the task runs before `enqueue`
returns. A job whose process stops midway is left unfinished, as with a worker that dies: its
transaction rolls back, nothing half-written stays.
"""

import logging
import threading

from django.conf import settings
from django.db import connections, transaction

logger = logging.getLogger(__name__)


def enqueue(task, *args, after_commit: bool = True, **kwargs) -> None:
    """Run `task(*args, **kwargs)` in the background (see the module's docstring): once the
    current transaction commits, or (with `after_commit=False`, in-process and without a
    thread) right now."""
    eager = task.app.conf.task_always_eager
    if eager and getattr(settings, "QIANGSHI_JOBS_IN_THREADS", False):
        transaction.on_commit(lambda: start_thread(task, args, kwargs))
    elif eager and not after_commit:
        task.apply(args=args, kwargs=kwargs, throw=True)
    else:  # a worker's queue, or (eager) in-process once the transaction commits
        transaction.on_commit(lambda: task.delay(*args, **kwargs))


def start_thread(task, args, kwargs) -> threading.Thread:
    thread = threading.Thread(
        target=_run, args=(task, args, kwargs), name=f"job:{task.name}", daemon=True
    )
    thread.start()
    return thread


_LOCAL = threading.local()


def in_job_thread() -> bool:
    """Whether this code runs in a job's thread (not within the request that started it)."""
    return getattr(_LOCAL, "job", False)


def _run(task, args, kwargs) -> None:
    _LOCAL.job = True
    try:
        task.apply(args=args, kwargs=kwargs, throw=True)
    except Exception:  # the task records its own failure where it can; this is the rest
        logger.exception("background job %s failed", task.name)
    finally:
        connections.close_all()  # this thread's connections only
