"""The JSON API a mobile app or a partner posts documents to, with token authentication."""

import json

import pytest
from django.contrib.auth import get_user_model

from tenue.cli.main import main
from tenue.documents.models import Document
from tenue.firms.models import CompanyRole, FirmRole
from tenue.firms.services import api_token_create, company_member_add, firm_member_add
from tests.documents.test_services import PDF


@pytest.fixture
def token(firm, company):
    admin = get_user_model().objects.create_user("admin", password="x")
    firm_member_add(firm=firm, user=admin, role=FirmRole.FIRM_ADMIN)
    owner = get_user_model().objects.create_user("mobile", password="x")
    company_member_add(company=company, user=owner, role=CompanyRole.OWNER, by=admin)
    return api_token_create(user=owner, name="app")[1]


def post(client, slug, token, data, name="facture.pdf", category="purchase"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(
        f"/api/dossiers/{slug}/documents",
        {
            "file": SimpleUploadedFile(name, data),
            "category": category,
            "channel": "mobile",
            "tags": "Paris, Projet A",
        },
        headers={"Authorization": f"Bearer {token}"},
    )


def test_post_then_list_documents(client, company, token):
    created = post(client, company.slug, token, PDF.read_bytes())
    assert created.status_code == 201
    body = created.json()
    assert body["kind"] == "pdf" and body["channel"] == "mobile"
    assert body["tags"] == ["Paris", "Projet A"] and body["duplicate_of"] is None
    again = post(client, company.slug, token, PDF.read_bytes()).json()
    assert again["status"] == "duplicate" and again["duplicate_of"] == body["id"]
    listed = client.get(
        f"/api/dossiers/{company.slug}/documents", headers={"Authorization": f"Bearer {token}"}
    ).json()
    assert [d["id"] for d in listed] == [body["id"], again["id"]]


def test_refusals_and_scoping(client, company, other_company, token):
    refused = post(client, company.slug, token, b"MZ\x90\x00", name="x.exe")
    assert refused.status_code == 400
    assert "non accepté" in refused.json()["problems"][0]["message"]
    assert post(client, other_company.slug, token, PDF.read_bytes()).status_code == 404
    assert post(client, company.slug, "tnu_wrong", PDF.read_bytes()).status_code == 401
    assert not Document.objects.exists()


def test_token_from_the_command_line(db, capsys, company, token):
    code = main(["token", "create", "--username", "mobile", "--format", "json"])
    secret = json.loads(capsys.readouterr().out)["token"]
    assert code == 0 and secret.startswith("tnu_") and secret != token


def test_openapi_schema_is_served(client, db):
    schema = client.get("/api/openapi.json")
    assert schema.status_code == 200
    assert "/api/dossiers/{slug}/documents" in schema.json()["paths"]
