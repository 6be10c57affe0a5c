import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tenue.documents.models import Document, Status
from tenue.firms.models import CompanyRole, FirmRole
from tenue.firms.services import company_member_add, firm_member_add
from tests.documents.test_services import PDF


@pytest.fixture
def owner(firm, company):
    admin = get_user_model().objects.create_user("admin", password="x")
    firm_member_add(firm=firm, user=admin, role=FirmRole.FIRM_ADMIN)
    user = get_user_model().objects.create_user("dirigeant", password="x")
    company_member_add(company=company, user=user, role=CompanyRole.OWNER, by=admin)
    return user


def test_single_upload_opens_the_tag_form_then_saves_tags(client, owner, company):
    client.force_login(owner)
    url = reverse("web:documents", args=[company.slug])
    response = client.post(
        url, {"categorie": "purchase", "fichiers": SimpleUploadedFile("f.pdf", PDF.read_bytes())}
    )
    document = Document.objects.get(company=company)
    assert response.status_code == 302
    assert response.url == reverse("web:document", args=[company.slug, document.pk])
    page = client.get(response.url).content.decode()
    assert "Tags" in page and "iframe" in page
    client.post(response.url, {"tags": "Projet A, Paris ", "commentaire": "Déjeuner client"})
    document.refresh_from_db()
    assert document.tags == ["Projet A", "Paris"] and document.comment == "Déjeuner client"
    file = client.get(reverse("web:document_file", args=[company.slug, document.pk]))
    assert b"".join(file.streaming_content) == PDF.read_bytes()
    assert file["X-Frame-Options"] == "SAMEORIGIN"


def test_many_files_with_a_duplicate_and_a_refusal(client, owner, company):
    client.force_login(owner)
    url = reverse("web:documents", args=[company.slug])
    files = [
        SimpleUploadedFile("a.pdf", PDF.read_bytes()),
        SimpleUploadedFile("b.pdf", PDF.read_bytes()),
        SimpleUploadedFile("c.exe", b"MZ\x90\x00"),
    ]
    page = client.post(url, {"categorie": "sale", "fichiers": files}).content.decode()
    assert "a.pdf : reçu" in page and "b.pdf : déjà reçu" in page and "non accepté" in page
    assert sorted(Document.objects.values_list("status", flat=True)) == [
        Status.DUPLICATE,
        Status.RECEIVED,
    ]


def test_documents_of_another_dossier_are_not_reachable(client, owner, company, other_company):
    from tenue.documents.services import document_ingest

    elsewhere = document_ingest(
        company=other_company,
        name="x.pdf",
        data=PDF.read_bytes(),
        category="admin",
        channel="upload",
    ).document
    client.force_login(owner)
    assert client.get(reverse("web:document", args=[company.slug, elsewhere.pk])).status_code == 404
    assert (
        client.get(
            reverse("web:document_file", args=[other_company.slug, elsewhere.pk])
        ).status_code
        == 404
    )


def test_settings_page_shows_addresses_and_edits_the_allow_list(client, firm, owner, company):
    from tenue.documents.mail import sender_allowed

    client.force_login(owner)
    url = reverse("web:settings", args=[company.slug])
    page = client.get(url).content.decode()
    assert f"achat.{company.slug}@collecte.tenue.local" in page and "<textarea" not in page
    assert client.post(url, {"expediteurs": "x@y.fr"}).status_code == 403
    admin = get_user_model().objects.get(username="admin")
    client.force_login(admin)
    client.post(url, {"expediteurs": "Compta@Fournisseur.fr\nautre@b.fr", "tous": ""})
    assert sender_allowed(company, "compta@fournisseur.fr")
    assert not sender_allowed(company, "spam@x.example")
    client.post(url, {"expediteurs": "", "tous": "1"})
    assert sender_allowed(company, "spam@x.example")
    assert "courrier indésirable" in client.get(url).content.decode()


def test_category_change_from_the_document_page(client, owner, company):
    from tenue.documents.services import document_ingest

    document = document_ingest(
        company=company, name="f.pdf", data=PDF.read_bytes(), category="purchase", channel="upload"
    ).document
    client.force_login(owner)
    url = reverse("web:document", args=[company.slug, document.pk])
    assert '<option value="admin"' in client.get(url).content.decode()
    response = client.post(url, {"categorie": "admin"})
    assert response.status_code == 302
    document.refresh_from_db()
    assert document.category == "admin"
    assert "Catégorie changée" in client.get(url).content.decode()


def test_split_from_the_document_page(client, owner, company):
    from tenue.documents.services import document_ingest
    from tests.documents.test_watch import _three_pages

    scan = document_ingest(
        company=company, name="scan.pdf", data=_three_pages(), category="purchase", channel="upload"
    ).document
    client.force_login(owner)
    url = reverse("web:document", args=[company.slug, scan.pk])
    client.post(url, {"decoupe": "1-x"})
    assert "« 1-2, 3 »" in client.get(url).content.decode()
    client.post(url, {"decoupe": "1-2, 3"})
    assert Document.objects.filter(split_from=scan).count() == 2
    assert "découpée en 2 pièces" in client.get(url).content.decode()


def test_document_store_folders_and_their_visibility(client, firm, owner, company):
    from tenue.documents.models import DocumentFolder

    admin = get_user_model().objects.get(username="admin")
    client.force_login(admin)
    root = client.get(reverse("web:folders", args=[company.slug])).content.decode()
    assert "Dossier permanent" in root and "Dossier comptable" in root
    accounting = DocumentFolder.objects.get(company=company, name="Dossier comptable")
    assert list(accounting.children.values_list("name", flat=True)) == ["Exercice 2025"]
    permanent = DocumentFolder.objects.get(company=company, name="Dossier permanent")
    url = reverse("web:folder", args=[company.slug, permanent.pk])
    client.post(url, {"nouveau": "Notes internes", "visible": ""})
    internal = DocumentFolder.objects.get(company=company, name="Notes internes")
    internal_url = reverse("web:folder", args=[company.slug, internal.pk])
    client.post(internal_url, {"fichiers": SimpleUploadedFile("memo.pdf", PDF.read_bytes())})
    memo = Document.objects.get(folder=internal)
    client.post(url, {"fichiers": SimpleUploadedFile("kbis.pdf", PDF.read_bytes() + b"%k")})
    kbis = Document.objects.get(folder=permanent)
    client.force_login(owner)
    seen = client.get(url).content.decode()
    assert "kbis.pdf" in seen and "Notes internes" not in seen
    assert client.get(internal_url).status_code == 404
    assert client.get(reverse("web:document_file", args=[company.slug, memo.pk])).status_code == 404
    assert client.get(reverse("web:document_file", args=[company.slug, kbis.pk])).status_code == 200
    assert client.post(url, {"nouveau": "x"}).status_code == 403
