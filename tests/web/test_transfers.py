"""The dossier's imports page (FEC, TRA, spreadsheet, payroll) and FEC download."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tenue.firms.models import CompanyRole, FirmRole
from tenue.firms.services import assignment_add, company_member_add, firm_member_add
from tenue.formats.fec_generate import generate_fec
from tenue.ledger.models import Entry, EntryStatus, FiscalYear
from tests.formats.test_fec import STANDARD


@pytest.fixture
def people(firm, company):
    admin = get_user_model().objects.create_user("admin", password="x")
    firm_member_add(firm=firm, user=admin, role=FirmRole.FIRM_ADMIN)
    owner = get_user_model().objects.create_user("owner", password="x")
    company_member_add(company=company, user=owner, role=CompanyRole.OWNER, by=admin)
    accountant = get_user_model().objects.create_user("compta", password="x")
    firm_member_add(firm=firm, user=accountant, role=FirmRole.ACCOUNTANT)
    assignment_add(company=company, user=accountant, by=admin)
    return {"admin": admin, "owner": owner, "accountant": accountant}


@pytest.fixture(autouse=True)
def eager(settings, tmp_path):
    settings.TENUE_TASKS_EAGER = True
    settings.TENUE_HOME = tmp_path / "home"


def test_fec_upload_runs_the_import_and_shows_its_summary(client, people, company):
    client.force_login(people["accountant"])
    url = reverse("web:transfers", args=[company.slug])
    page = client.get(url).content.decode()
    assert "Importer un fichier" in page and "Exporter le FEC" in page
    upload = SimpleUploadedFile(STANDARD.name, STANDARD.read_bytes())
    response = client.post(url, {"type": "fec", "fichier": upload})
    assert response.status_code == 302 and "/imports/" in response.url
    done = client.get(response.url).content.decode()
    assert "Import terminé" in done and "2033 écritures" in done and "hx-get" not in done
    assert Entry.objects.filter(company=company).count() == 2033
    listing = client.get(url).content.decode()
    assert STANDARD.name in listing and "10\u202f186\u202f219,81" in listing
    again = client.post(
        url, {"type": "fec", "fichier": SimpleUploadedFile(STANDARD.name, STANDARD.read_bytes())}
    )
    refused = client.get(again.url).content.decode()
    assert "Import refusé" in refused and "déjà été importé" in refused


def test_refused_import_lists_the_problems_and_saves_nothing(client, people, company):
    client.force_login(people["accountant"])
    broken = STANDARD.read_bytes().replace(b"\t13500,00\t", b"\t13501,00\t", 1)
    response = client.post(
        reverse("web:transfers", args=[company.slug]),
        {"type": "fec", "fichier": SimpleUploadedFile(STANDARD.name, broken)},
    )
    page = client.get(response.url).content.decode()
    assert "Import refusé" in page and "ligne 2" in page and "déséquilibrée" in page
    assert not Entry.objects.filter(company=company).exists()


def test_company_owner_may_not_import(client, people, company):
    client.force_login(people["owner"])
    url = reverse("web:transfers", args=[company.slug])
    assert "Importer un fichier" not in client.get(url).content.decode()
    response = client.post(url, {"type": "fec", "fichier": SimpleUploadedFile("x.txt", b"x")})
    assert response.status_code == 403


def test_fec_download_provisional_then_definitive(client, people, company, tmp_path):
    generated = generate_fec(tmp_path, lines=300, year_end=company.fiscal_years.get().end)
    lines = generated.path.read_text(encoding="utf-8").splitlines()
    # the same year without ValidDate: a provisional book
    provisional = "\n".join(
        [lines[0]] + [re.sub(r"\t\d{8}(\t\t)$", r"\t\1", row) for row in lines[1:]]
    )
    client.force_login(people["accountant"])
    client.post(
        reverse("web:transfers", args=[company.slug]),
        {"type": "fec", "fichier": SimpleUploadedFile(generated.path.name, provisional.encode())},
    )
    assert not Entry.objects.filter(company=company, status=EntryStatus.VALIDATED).exists()
    year = FiscalYear.objects.get(company=company)
    url = reverse("web:fec_download", args=[company.slug])
    response = client.post(url, {"exercice": year.pk})
    assert response.status_code == 200
    assert "732829320FEC20251231-provisoire.txt" in response["Content-Disposition"]
    body = b"".join(response.streaming_content).decode()
    assert body.startswith("JournalCode\tJournalLib")
    unconfirmed = client.post(url, {"exercice": year.pk, "definitif": "1"})
    assert unconfirmed.status_code == 302
    assert not Entry.objects.filter(company=company, status=EntryStatus.VALIDATED).exists()
    definitive = client.post(url, {"exercice": year.pk, "definitif": "1", "confirmation": "1"})
    assert "732829320FEC20251231.txt" in definitive["Content-Disposition"]
    assert not Entry.objects.filter(company=company, status=EntryStatus.POSTED).exists()


def test_template_downloads(client, people, company):
    client.force_login(people["owner"])
    xlsx = client.get(reverse("web:entries_template", args=[company.slug, "xlsx"]))
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    csv = client.get(reverse("web:entries_template", args=[company.slug, "csv"]))
    assert "Journal;Date" in csv.content.decode("utf-8-sig")


def test_uploaded_file_names_are_made_safe_for_the_disk(client, people, company, settings):
    client.force_login(people["accountant"])
    upload = SimpleUploadedFile("Relevé 2024 (copie)?.txt", b"JournalCode\tx\n")
    response = client.post(
        reverse("web:transfers", args=[company.slug]), {"type": "fec", "fichier": upload}
    )
    assert response.status_code == 302
    saved = [p for p in (settings.TENUE_HOME / "imports").rglob("*") if p.is_file()]
    assert [p.name for p in saved] == ["Relevé_2024_copie.txt"]
    assert all(settings.TENUE_HOME / "imports" in p.parents for p in saved)
