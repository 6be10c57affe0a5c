import pytest
from django.contrib.auth import get_user_model
from django.core.files.storage import default_storage

from tenue.core.problems import Refused
from tenue.documents.models import Document, Status
from tenue.documents.services import document_delete, document_ingest, document_restore
from tests.conftest import SHARED_DATA

PDF = next((SHARED_DATA / "einvoice").rglob("*.pdf"))


def test_ingest_stores_the_file_once_and_reports_duplicates(company):
    data = PDF.read_bytes()
    first = document_ingest(
        company=company, name="facture.pdf", data=data, category="purchase", channel="upload"
    )
    assert not first.duplicate and first.document.kind == "pdf"
    assert default_storage.open(first.document.file.name).read() == data
    second = document_ingest(
        company=company,
        name="encore.pdf",
        data=data,
        category="purchase",
        channel="email",
        sender="client@example.fr",
    )
    assert second.duplicate and second.document.duplicate_of == first.document
    assert second.document.status == Status.DUPLICATE
    assert second.document.file.name == first.document.file.name
    assert Document.objects.filter(company=company).count() == 2


def test_same_file_in_another_dossier_is_not_a_duplicate(company, other_company):
    data = PDF.read_bytes()
    document_ingest(company=company, name="a.pdf", data=data, category="sale", channel="upload")
    other = document_ingest(
        company=other_company, name="a.pdf", data=data, category="sale", channel="upload"
    )
    assert not other.duplicate


@pytest.mark.parametrize(
    ("data", "message"),
    [(b"", "vide"), (b"MZ\x90\x00", "non accepté")],
)
def test_refusals_say_why(company, data, message):
    with pytest.raises(Refused, match=message):
        document_ingest(
            company=company, name="x.bin", data=data, category="purchase", channel="upload"
        )
    assert not Document.objects.exists()


def test_size_limit(company, settings):
    settings.TENUE_DOCUMENT_MAX_BYTES = 1000
    with pytest.raises(Refused, match="au-delà de la limite"):
        document_ingest(
            company=company,
            name="gros.pdf",
            data=b"%PDF-1.4\n" + b"x" * 2000,
            category="purchase",
            channel="upload",
        )


def test_deleted_documents_stay_retrievable(company):
    document = document_ingest(
        company=company, name="f.pdf", data=PDF.read_bytes(), category="admin", channel="upload"
    ).document
    document_delete(document=document)
    document.refresh_from_db()
    assert document.deleted_at is not None
    assert default_storage.exists(document.file.name)
    document_restore(document=document)
    document.refresh_from_db()
    assert document.deleted_at is None


def test_a_stranger_cannot_drop_documents(company):
    stranger = get_user_model().objects.create_user("x", password="x")
    with pytest.raises(Exception, match="non autorisée"):
        document_ingest(
            company=company,
            name="f.pdf",
            data=PDF.read_bytes(),
            category="purchase",
            channel="upload",
            by=stranger,
        )


def test_damaged_pdf_is_refused(company):
    with pytest.raises(Refused, match="PDF illisible"):
        document_ingest(
            company=company,
            name="abime.pdf",
            data=b"%PDF-1.4\n" + b"x" * 500,
            category="purchase",
            channel="upload",
        )


def test_documents_in_an_s3_compatible_bucket(company, settings):
    """The S3 path of the storage setting, against moto's in-process S3."""
    import boto3
    from moto import mock_aws

    with mock_aws():
        boto3.client("s3", region_name="eu-west-3").create_bucket(
            Bucket="pieces", CreateBucketConfiguration={"LocationConstraint": "eu-west-3"}
        )
        settings.STORAGES = {
            **settings.STORAGES,
            "default": {
                "BACKEND": "storages.backends.s3.S3Storage",
                "OPTIONS": {
                    "bucket_name": "pieces",
                    "region_name": "eu-west-3",
                    "file_overwrite": False,
                    "default_acl": None,
                },
            },
        }
        document = document_ingest(
            company=company,
            name="f.pdf",
            data=PDF.read_bytes(),
            category="purchase",
            channel="upload",
        ).document
        stored = (
            boto3.client("s3", region_name="eu-west-3")
            .get_object(Bucket="pieces", Key=document.file.name)["Body"]
            .read()
        )
        assert stored == PDF.read_bytes()
        assert default_storage.open(document.file.name).read() == PDF.read_bytes()
