import json
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from tenue.cli.main import main
from tenue.ledger.services import entries_validate_until


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_dossier_create_then_list(db, capsys):
    code, out, _ = run(
        capsys,
        "dossier",
        "create",
        "--name",
        "Alpha SAS",
        "--siren",
        "732829320",
        "--slug",
        "alpha",
        "--year-start",
        "2026-04-01",
        "--format",
        "json",
    )
    assert code == 0
    created = json.loads(out)
    assert created["fiscal_year"] == {"start": "2026-04-01", "end": "2027-03-31"}
    assert created["journals"] == ["AC", "AN", "BQ", "OD", "VE"]
    code, out, _ = run(capsys, "dossier", "list", "--format", "json")
    assert [d["slug"] for d in json.loads(out)] == ["alpha"]


def test_dossier_create_with_bad_siren_fails_clearly(db, capsys):
    code, _, err = run(
        capsys, "dossier", "create", "--name", "X", "--siren", "123456789", "--slug", "x"
    )
    assert code == 1 and "SIREN invalide" in err


def test_report_formats(company, supplier, post, capsys, tmp_path):
    post("AC", "2025-01-05", ("6064", "1234.56", ""), ("401", "", "1234.56"), aux={1: "FDUR"})
    code, out, _ = run(
        capsys, "report", "balance", "--dossier", company.slug, "--year", "2025", "--format", "json"
    )
    payload = json.loads(out)
    assert code == 0 and payload["balanced"] is True
    assert payload["totals"]["debit"] == "1234.56"
    assert {r["account"]: r["balance_debit"] for r in payload["rows"]}["6064"] == "1234.56"
    _, text, _ = run(capsys, "report", "ledger", "--dossier", company.slug)
    assert "1\u202f234,56" in text and "05/01/2025" in text
    _, csv_text, _ = run(capsys, "report", "journal", "--dossier", company.slug, "--format", "csv")
    assert csv_text.startswith("\ufeffDate;Journal;") and "1234,56" in csv_text
    target = tmp_path / "balance.xlsx"
    run(
        capsys,
        "report",
        "balance",
        "--dossier",
        company.slug,
        "--format",
        "xlsx",
        "--out",
        str(target),
    )
    from openpyxl import load_workbook

    sheet = load_workbook(target).active
    assert sheet["A1"].value == "Compte"
    rows = {r[0]: r for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert Decimal(str(rows["6064"][2])) == Decimal("1234.56")
    assert Decimal(str(rows["401"][3])) == Decimal("1234.56")


def test_verify_reports_a_break_with_a_nonzero_status(company, post, capsys):
    from datetime import date

    from django.db import connection

    post("AC", "2025-01-05", ("6064", "10.00", ""), ("401", "", "10.00"))
    entries_validate_until(company=company, until=date(2025, 12, 31), valid_date=date(2026, 1, 5))
    code, out, _ = run(capsys, "verify", "--dossier", company.slug)
    assert code == 0 and "intacte" in out
    with connection.cursor() as cursor:
        cursor.execute("UPDATE ledger_entry SET label = 'autre'")
    code, out, _ = run(capsys, "verify", "--dossier", company.slug, "--format", "json")
    assert code == 1 and json.loads(out)["ok"] is False


@pytest.mark.slow
def test_demo_balance_matches_the_web_page_to_the_cent(db, capsys, client):
    code, out, _ = run(capsys, "demo", "--quiet")
    assert code == 0 and "expert" in out
    for slug in ("boulangerie-martin", "studio-lumen", "garage-dupont"):
        code, out, _ = run(
            capsys, "report", "balance", "--dossier", slug, "--year", "2025", "--format", "json"
        )
        payload = json.loads(out)
        assert payload["balanced"] is True
        assert Decimal(payload["totals"]["debit"]) > Decimal("100000")
        code, out, _ = run(capsys, "verify", "--dossier", slug)
        assert code == 0
    client.post(reverse("web:login"), {"username": "expert", "password": "tenue-demo"})
    body = client.get(reverse("web:balance", args=["garage-dupont"])).content.decode()
    shown = re.search(r'id="total-debit">([^<]+)<', body).group(1)
    assert shown.replace("\u202f", "").replace(",", ".") == payload["totals"]["debit"]
    # November's e-invoices: known suppliers posted, the new one waits, the copy is a duplicate
    from tenue.booking.models import EntryProposal

    statuses = sorted(
        EntryProposal.objects.filter(company__slug="garage-dupont").values_list("status", flat=True)
    )
    assert statuses == ["duplicate", "posted", "posted", "posted", "to_review"]
    queue = client.get(reverse("web:review_queue", args=["garage-dupont"])).content.decode()
    assert "Papeterie Moderne" in queue
    # the collaborateur does not see the garage; the dirigeant sees only his bakery
    client.post(reverse("web:logout"))
    client.post(reverse("web:login"), {"username": "collab", "password": "tenue-demo"})
    assert client.get(reverse("web:balance", args=["garage-dupont"])).status_code == 404
    code, out, _ = run(capsys, "demo")
    assert "existe déjà" in out


def test_report_supplier_balance(company, supplier, post, capsys):
    post("AC", "2025-01-05", ("6064", "80.00", ""), ("401", "", "80.00"), aux={1: "FDUR"})
    code, out, _ = run(
        capsys,
        "report",
        "balance",
        "--dossier",
        company.slug,
        "--aux",
        "suppliers",
        "--format",
        "json",
    )
    rows = json.loads(out)["rows"]
    assert code == 0 and rows == [
        {
            "account": "FDUR",
            "label": "Durand SA",
            "debit": "0.00",
            "credit": "80.00",
            "balance_debit": "0.00",
            "balance_credit": "80.00",
        }
    ]


def test_fec_check_exit_status_and_json(db, capsys, tmp_path):
    from tenue.formats.fec_generate import generate_fec
    from tests.formats.test_fec import PIPE

    good = generate_fec(tmp_path, lines=300)
    code, out, _ = run(capsys, "fec", "check", str(good.path))
    assert code == 0 and "FEC CONFORME" in out
    code, out, _ = run(capsys, "fec", "check", str(PIPE), "--format", "json")
    payload = json.loads(out)
    assert code == 1 and payload["ok"] is False and payload["lines"] == 934
    assert any(p["field"] == "EcritureDate" and p["line"] == 2 for p in payload["problems"])


def test_fec_import_then_definitive_export(company, capsys, tmp_path):
    from tenue.formats.fec_generate import generate_fec

    generated = generate_fec(tmp_path / "in", lines=400)
    code, out, err = run(
        capsys, "fec", "import", str(generated.path), "--dossier", company.slug, "--format", "json"
    )
    assert code == 0 and json.loads(out)["lines"] == generated.lines
    code, out, err = run(
        capsys,
        "fec",
        "export",
        "--dossier",
        company.slug,
        "--year",
        "2024",
        "--definitive",
        "--out",
        str(tmp_path / "out"),
    )
    assert code != 0 and "--yes" in err + out  # no terminal: confirmation required
    code, out, _ = run(
        capsys,
        "fec",
        "export",
        "--dossier",
        company.slug,
        "--year",
        "2024",
        "--definitive",
        "--yes",
        "--out",
        str(tmp_path / "out"),
    )
    assert code == 0 and "conforme" in out
    assert (tmp_path / "out" / "732829320FEC20241231.txt").exists()
    code, _, err = run(capsys, "fec", "import", str(generated.path), "--dossier", company.slug)
    assert code == 1 and "déjà été importé" in err


def test_entries_template(capsys, tmp_path, db):
    code, out, err = run(capsys, "import", "entries", "--template")
    assert code == 0 and out.splitlines()[0].lstrip("\ufeff").lower().startswith("journal")
    assert "Débit, Crédit" in err
    target = tmp_path / "modele.xlsx"
    code, _, _ = run(capsys, "import", "entries", "--template", "--out", str(target))
    assert code == 0 and target.read_bytes()[:2] == b"PK"


def test_documents_add_and_list(company, capsys, tmp_path, settings):
    from tests.documents.test_services import PDF

    settings.MEDIA_ROOT = tmp_path / "documents"
    bad = tmp_path / "virus.exe"
    bad.write_bytes(b"MZ\x90\x00")
    code, out, _ = run(
        capsys,
        "documents",
        "add",
        str(PDF),
        str(PDF),
        str(bad),
        "--dossier",
        company.slug,
        "--category",
        "achat",
        "--format",
        "json",
    )
    results = json.loads(out)
    assert code == 1  # one file refused
    assert results[0]["kind"] == "pdf" and results[0]["duplicate_of"] is None
    assert results[1]["duplicate_of"] == results[0]["id"]
    assert "non accepté" in results[2]["refused"][0]
    code, out, _ = run(capsys, "documents", "list", "--dossier", company.slug, "--format", "json")
    listed = json.loads(out)
    assert [(d["status"], d["category"], d["channel"]) for d in listed] == [
        ("received", "purchase", "upload"),
        ("duplicate", "purchase", "upload"),
    ]
    code, out, _ = run(
        capsys, "documents", "list", "--dossier", company.slug, "--status", "duplicate"
    )
    assert code == 0 and "doublon de" in out


def test_documents_read_then_show_every_field_and_the_entry(db, capsys, buyer, tmp_path, settings):
    from tests.booking.test_services import FACTURX

    settings.TENUE_READ_ON_ARRIVAL = False
    invoice = tmp_path / "facture.pdf"
    invoice.write_bytes(FACTURX.read_bytes())
    code, out, _ = run(
        capsys,
        "documents",
        "add",
        str(invoice),
        "--dossier",
        "client",
        "--category",
        "achat",
        "--format",
        "json",
    )
    document_id = json.loads(out)[0]["id"]
    code, out, _ = run(capsys, "documents", "read", "--dossier", "client", "--format", "json")
    assert code == 0
    assert json.loads(out) == {"read": 1, "posted": 0, "to_review": 1, "duplicates": 0, "failed": 0}
    code, out, _ = run(capsys, "documents", "show", str(document_id), "--format", "json")
    shown = json.loads(out)
    fields = {f["name"]: f for f in shown["reading"]["fields"]}
    assert fields["number"]["value"] == "F20260023"
    assert fields["seller.siren"]["value"] == "123456782"
    assert (
        fields["total_ttc"]["confidence"] == 1.0
        and "GrandTotalAmount" in fields["total_ttc"]["where"]
    )
    assert shown["proposal"]["status"] == "to_review"
    assert shown["proposal"]["lines"][-1]["credit"] == "104.90"
    code, out, _ = run(capsys, "documents", "show", str(document_id))
    assert "F20260023" in out and "104.90" in out and "nouveau fournisseur" in out
