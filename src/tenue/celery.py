"""Celery on Redis: the task interface (`tenue.tasks`) at scale.

When `TENUE_TASK_BROKER` names a broker (`redis://127.0.0.1:6379/0`), `tasks.submit` sends each
job here instead of running it in a thread of the web process; `tenue worker` runs the workers.
Job state lives in Django's cache, which must then be shared (`TENUE_REDIS_URL`). Reading
documents (OCR) and imports go to their own queues so that a long FEC import never delays the
reading of the invoices that keep arriving.
"""

from __future__ import annotations

import os
from typing import Any

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tenue.settings")

QUEUES = {"read_documents": "documents", "import_file": "imports", "bank_sync": "imports"}
DEFAULT_QUEUE = "default"

app = Celery("tenue")
app.conf.update(
    task_acks_late=True,  # a worker that dies mid-task leaves the job to another one
    worker_prefetch_multiplier=1,  # OCR jobs are long: no worker hoards them
    task_default_queue=DEFAULT_QUEUE,
    broker_connection_retry_on_startup=True,
    task_serializer="json",
    accept_content=["json"],
)


def configure(broker: str) -> Celery:
    app.conf.broker_url = broker
    return app


@app.task(name="tenue.run")
def run(job_id: str, name: str, kwargs: dict[str, Any]) -> None:
    """One job of the task interface, in a worker (the job's state goes to the shared cache)."""
    import django

    django.setup()
    from django.db import close_old_connections

    from tenue import tasks

    close_old_connections()
    tasks.run_job(job_id, name, kwargs)
