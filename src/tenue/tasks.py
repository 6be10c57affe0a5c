"""The one interface for background work (imports, later OCR and bank pulls).

`submit(name, **kwargs)` runs the registered task `name` and returns a job id; `job(id)` tells
its state: status (`pending`, `running`, `done`, `failed`), progress (stage, done, total) and, at
the end, its result or its problems. The embedded default runs the task in a thread of the web
process and keeps the state in Django's cache; with `TENUE_TASKS_EAGER` (tests, command line)
it runs at once in the caller. At scale (`TENUE_TASK_BROKER`, see `tenue.celery`), the same
`submit` sends the job to Celery workers on Redis, and the cache is Redis (`TENUE_REDIS_URL`).
"""

from __future__ import annotations

import threading
import traceback
import uuid
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import close_old_connections, connections

from tenue.core.problems import Refused

TASKS: dict[str, Callable[..., dict[str, Any]]] = {}
TIMEOUT = 24 * 3600


def task(name: str) -> Callable[[Callable[..., dict[str, Any]]], Callable[..., dict[str, Any]]]:
    """Register a task: a function taking keyword arguments and a `progress` callback, returning
    a JSON-able summary. It raises `Refused` to fail with problems."""

    def register(func: Callable[..., dict[str, Any]]) -> Callable[..., dict[str, Any]]:
        TASKS[name] = func
        return func

    return register


def _key(job_id: str) -> str:
    return f"tenue:job:{job_id}"


def job(job_id: str) -> dict[str, Any] | None:
    found: dict[str, Any] | None = cache.get(_key(job_id))
    return found


def _update(job_id: str, **changes: Any) -> None:
    state = cache.get(_key(job_id)) or {}
    state.update(changes)
    cache.set(_key(job_id), state, TIMEOUT)


def run_job(job_id: str, name: str, kwargs: dict[str, Any]) -> None:
    """Run one submitted job here and now, recording its state (threads and Celery workers)."""
    _run(job_id, name, kwargs)


def _run(job_id: str, name: str, kwargs: dict[str, Any]) -> None:
    def progress(stage: str, done: int, total: int) -> None:
        _update(job_id, stage=stage, done=done, total=total)

    _update(job_id, status="running")
    try:
        result = TASKS[name](progress=progress, **kwargs)
    except Refused as exc:
        _update(
            job_id,
            status="failed",
            problems=[str(p) for p in exc.problems[:500]],
            problem_count=len(exc.problems),
        )
    except Exception:
        _update(
            job_id,
            status="failed",
            problems=["Erreur interne : l'opération a été annulée, rien n'a été enregistré."],
            trace=traceback.format_exc()[-4000:],
        )
    else:
        _update(job_id, status="done", result=result)


def submit(task_name: str, /, *, owner: str = "", **kwargs: Any) -> str:
    """Start a registered task; its job id. `owner` scopes who may read the job (a dossier)."""
    if task_name not in TASKS:
        raise KeyError(task_name)
    job_id = uuid.uuid4().hex
    cache.set(
        _key(job_id),
        {
            "id": job_id,
            "name": task_name,
            "owner": owner,
            "status": "pending",
            "stage": "",
            "done": 0,
            "total": 0,
        },
        TIMEOUT,
    )
    if getattr(settings, "TENUE_TASKS_EAGER", False):
        _run(job_id, task_name, kwargs)
        return job_id
    if getattr(settings, "TENUE_TASK_BROKER", ""):
        from tenue import celery

        celery.configure(settings.TENUE_TASK_BROKER).send_task(
            "tenue.run",
            args=[job_id, task_name, kwargs],
            queue=celery.QUEUES.get(task_name, celery.DEFAULT_QUEUE),
        )
        return job_id

    def thread() -> None:
        close_old_connections()
        try:
            _run(job_id, task_name, kwargs)
        finally:
            connections.close_all()

    threading.Thread(target=thread, name=f"tenue-{task_name}-{job_id[:8]}", daemon=True).start()
    return job_id
