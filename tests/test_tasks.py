"""The task interface at scale: a job submitted while `TENUE_TASK_BROKER` is set goes through
Redis to a Celery worker (here one embedded in the test process), which reads the document and
posts its state to the shared Redis cache, where the web page finds it."""

import time

import pytest
from celery.contrib.testing.worker import start_worker

from tenue import celery, tasks
from tenue.booking.models import EntryProposal
from tenue.documents.services import document_ingest
from tests.booking.test_services import FACTURX

REDIS = "redis://127.0.0.1:6379/15"


@pytest.mark.django_db(transaction=True)
def test_reading_a_document_through_celery_on_redis(settings, buyer):
    settings.TENUE_READ_ON_ARRIVAL = False
    settings.TENUE_TASKS_EAGER = False
    settings.TENUE_TASK_BROKER = REDIS
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS}
    }
    document = document_ingest(
        company=buyer,
        name="facture.pdf",
        data=FACTURX.read_bytes(),
        category="purchase",
        channel="upload",
    ).document
    job_id = tasks.submit("read_documents", owner=buyer.slug, document_ids=[document.pk])
    time.sleep(0.5)
    assert tasks.job(job_id)["status"] == "pending"  # queued in Redis: no worker yet
    with start_worker(
        celery.configure(REDIS), pool="solo", perform_ping_check=False, queues=["documents"]
    ):
        deadline = time.monotonic() + 60
        while (tasks.job(job_id) or {}).get("status") not in ("done", "failed"):
            assert time.monotonic() < deadline, tasks.job(job_id)
            time.sleep(0.1)
    state = tasks.job(job_id)
    assert state["status"] == "done", state
    assert state["result"] == {"read": 1, "skipped": 0, "failed": 0}
    assert EntryProposal.objects.get(document=document).piece_ref == "F20260023"
