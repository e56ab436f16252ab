"""Running a job's Celery task: on a worker where a broker is configured, otherwise in this
process or a child of it.

Without a broker (`CELERY_TASK_ALWAYS_EAGER`, what `make demo` gives) the task runs in a
thread of the process that asked for it when `QIANGSHI_JOBS_IN_THREADS` is on (the default):
the request that started the job returns at once, and its page shows the job's progress as it
is saved, as it would with a worker. The thread has its own database connections and closes
them when the task ends. With the setting off (the tests), the task runs before `enqueue`
returns. A job whose process stops midway is left unfinished, as with a worker that dies: its
transaction rolls back, nothing half-written stays (and its heartbeat stops: see
`imports.jobs.import_jobs_recover`).

A task that reads what users upload (`enqueue(..., isolated=True)`: the imports) runs instead
in a child process whose address space is capped at `QIANGSHI_IMPORT_MEMORY_LIMIT_MB`
(`resource.setrlimit(RLIMIT_AS)`): a file that needs more fails there (a MemoryError, or the
reader aborting the child), never in the web process. A thread of the web process waits for
the child and, when it died without finishing the job, calls the task's `on_lost` hook.
Children are forked from a fork server (multiprocessing's "forkserver") that has Django set up
and every app's tasks imported (`config.forkserver`): a job starts in milliseconds, not the
seconds a fresh interpreter takes to load Django, and shares nothing with the web process.

With a broker, Celery's worker replaces a child that has grown past
`CELERY_WORKER_MAX_MEMORY_PER_CHILD` after its task, and such tasks cap their own address
space while they run (`memory_capped`).
"""

from __future__ import annotations

import importlib
import logging
import multiprocessing
import resource
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connections, transaction

logger = logging.getLogger(__name__)

MB = 1024 * 1024


def enqueue(
    task,
    *args,
    after_commit: bool = True,
    isolated: bool = False,
    on_lost: str = "",
    **kwargs,
) -> None:
    """Run `task(*args, **kwargs)` in the background (see the module's docstring): once the
    current transaction commits, or (with `after_commit=False`, in-process and without a
    thread) right now. `isolated` runs it in a memory-capped child process where jobs run in
    the background without a broker; `on_lost` ("module:function") is then called with the
    task's arguments and `exitcode=` when the child ends without finishing."""
    eager = task.app.conf.task_always_eager
    if eager and getattr(settings, "QIANGSHI_JOBS_IN_THREADS", False):
        if isolated and memory_limit_bytes():
            transaction.on_commit(lambda: start_process(task, args, kwargs, on_lost=on_lost))
        else:
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
_IN_CHILD = False  # set in a job's child process


def in_job_thread() -> bool:
    """Whether this code runs in a job's thread or child process (not within the request that
    started it)."""
    return _IN_CHILD or getattr(_LOCAL, "job", False)


def _run(task, args, kwargs) -> None:
    _LOCAL.job = True
    try:
        task.apply(args=args, kwargs=kwargs, throw=True)
    except Exception:  # the task records its own failure where it can; this is the rest
        logger.exception("background job %s failed", task.name)
    finally:
        connections.close_all()  # this thread's connections only


# --- Child processes with a memory cap -----------------------------------------------------


def memory_limit_bytes() -> int:
    """The address-space cap of an isolated job (0: none)."""
    return max(0, int(getattr(settings, "QIANGSHI_IMPORT_MEMORY_LIMIT_MB", 0) or 0)) * MB


@dataclass
class ChildOutcome:
    """How a child process ended: `exitcode` (negative: killed by that signal), whether the
    function returned (`ok`) and what (`result`), or the exception's type name (`error`);
    `peak_mb` is the child's own peak resident memory (None when it died without saying)."""

    exitcode: int | None
    ok: bool = False
    result: Any = None
    error: str = ""
    peak_mb: float | None = None


_CONTEXT_LOCK = threading.Lock()
_context: Any = None


def _forkserver():
    global _context
    with _CONTEXT_LOCK:
        if _context is None:
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(["config.forkserver"])
            _context = context
        return _context


def call_in_child(target: str, *args, memory_limit: int | None = None, **kwargs) -> ChildOutcome:
    """Call `target` ("module:function") with the arguments in a child process whose address
    space is capped at `memory_limit` bytes (default `memory_limit_bytes()`; 0: none), and wait.
    Arguments and result travel pickled."""
    limit = memory_limit_bytes() if memory_limit is None else memory_limit
    context = _forkserver()
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(
        target=_child_main,
        args=(sender, target, args, kwargs, limit),
        name=f"job:{target}",
        daemon=True,
    )
    process.start()
    sender.close()
    message = None
    try:
        message = receiver.recv()
    except (EOFError, OSError):  # it died before saying anything
        pass
    finally:
        receiver.close()
    process.join()
    outcome = ChildOutcome(exitcode=process.exitcode)
    if message is not None:
        status, value, peak = message
        outcome.ok = status == "ok"
        outcome.result = value if outcome.ok else None
        outcome.error = "" if outcome.ok else str(value)
        outcome.peak_mb = peak
    return outcome


def _resolve(target: str):
    module, _, name = target.partition(":")
    return getattr(importlib.import_module(module), name)


def limit_address_space(limit: int) -> None:
    """Cap this process's address space at `limit` bytes (soft and hard: for good)."""
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _child_main(sender, target: str, args, kwargs, limit: int) -> None:
    global _IN_CHILD
    _IN_CHILD = True
    if limit:
        limit_address_space(limit)
    message: tuple[str, Any, float]
    try:
        import django

        django.setup()  # done already in the fork server; here in case its preload failed
        value = _resolve(target)(*args, **kwargs)
        message = ("ok", value, _peak_mb())
    except BaseException as exc:  # MemoryError included: the parent records the failure
        logger.exception("job process %s failed", target)
        message = ("error", type(exc).__name__, _peak_mb())
    finally:
        connections.close_all()
    try:
        sender.send(message)
    finally:
        sender.close()


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def start_process(task, args, kwargs, *, on_lost: str = "") -> threading.Thread:
    """Run the task in a memory-capped child process; a thread of this process waits for it
    (`run_isolated`)."""
    thread = threading.Thread(
        target=run_isolated,
        args=(task, args, kwargs),
        kwargs={"on_lost": on_lost},
        name=f"job-watch:{task.name}",
        daemon=True,
    )
    thread.start()
    return thread


def run_isolated(task, args, kwargs, *, on_lost: str = "") -> ChildOutcome | None:
    """Run the task in a memory-capped child process and wait; if the child ended without
    finishing it (killed, aborted, out of memory), call `on_lost` with the task's arguments,
    `exitcode=` and `error=` (the exception's type name, if it could say)."""
    target = f"{task.__module__}:{task.__name__}"
    try:
        outcome = call_in_child(
            "qiangshi.core.background:apply_task", target, list(args), dict(kwargs)
        )
        if not outcome.ok and on_lost:
            logger.error(
                "job process %s ended without finishing (exit %s, %s)",
                target,
                outcome.exitcode,
                outcome.error or "no answer",
            )
            _resolve(on_lost)(*args, exitcode=outcome.exitcode, error=outcome.error, **kwargs)
        return outcome
    except Exception:
        logger.exception("background job %s could not be run", target)
        return None
    finally:
        if threading.current_thread() is not threading.main_thread():
            connections.close_all()  # a watching thread's own connections


def apply_task(target: str, args: list, kwargs: dict) -> None:
    """In a job's child process: run the Celery task `target` ("module:name") eagerly."""
    _resolve(target).apply(args=args, kwargs=kwargs, throw=True)


@contextmanager
def memory_capped():
    """On a Celery worker (a broker is configured), cap this process's address space at
    `QIANGSHI_IMPORT_MEMORY_LIMIT_MB` while the block runs (the soft limit, restored after):
    a file that needs more raises MemoryError in the task, not in the worker's other tasks.
    Elsewhere (the web process, a job's child already capped) it does nothing."""
    from celery import current_app

    limit = memory_limit_bytes()
    if current_app.conf.task_always_eager or not limit or _IN_CHILD:
        yield
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    capped = limit if hard == resource.RLIM_INFINITY else min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (capped, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
