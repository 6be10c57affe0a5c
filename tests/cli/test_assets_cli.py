"""`tenue assets` and `tenue loans`: list, depreciate (preview then --post, once), import and
its template, a loan's schedule in JSON."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

from tenue.assets.models import DepreciationMethod, FixedAsset, Periodicity
from tenue.assets.services import fixed_asset_create, loan_create, loan_event_add
from tenue.cli.main import main
from tenue.core import loans as core
from tenue.ledger.models import Entry

D = Decimal


def computers(company):  # type: ignore[no-untyped-def]
    return fixed_asset_create(
        company=company,
        account="2183",
        label="Ordinateurs",
        acquired_on=date(2025, 4, 15),
        value=D("12000.00"),
        method=DepreciationMethod.LINEAR,
        duration_years=5,
    )


def test_list_and_depreciate_then_post_once(company, capsys):
    computers(company)
    assert main(["assets", "list", "--dossier", company.slug, "--format", "json"]) == 0
    [asset] = json.loads(capsys.readouterr().out)
    assert [(x["end"], x["dotation"]) for x in asset["schedule"][:2]] == [
        ("2025-12-31", "1706.67"),
        ("2026-12-31", "2400.00"),
    ]
    assert main(["assets", "depreciate", "--dossier", company.slug, "--year", "2025"]) == 0
    out = capsys.readouterr().out
    assert "28183" in out and "1\u202f706,67\u00a0€" in out and "ajoutez --post" in out
    assert not Entry.objects.exists()
    args = ["assets", "depreciate", "--dossier", company.slug, "--year", "2025", "--post"]
    assert main([*args, "--format", "json"]) == 0
    posted = json.loads(capsys.readouterr().out)
    assert posted["total"] == "1706.67" and posted["posted"] == ["OD 1"]
    assert main(args) == 1
    assert "déjà comptabilisées" in capsys.readouterr().err
    assert Entry.objects.count() == 1


def test_import_template_then_import_it(company, capsys, tmp_path):
    out = tmp_path / "modele.csv"
    assert main(["assets", "import", "--template", "--out", str(out)]) == 0
    assert main(["assets", "import", str(out), "--dossier", company.slug]) == 0
    assert "2 immobilisation(s) reprise(s)" in capsys.readouterr().out
    assert FixedAsset.objects.filter(company=company).count() == 2
    bad = tmp_path / "mauvais.csv"
    bad.write_text(out.read_text(encoding="utf-8-sig").replace("L;5", "X;5"), encoding="utf-8")
    assert main(["assets", "import", str(bad), "--dossier", company.slug]) == 1
    assert "mauvais.csv, ligne 2 — champ Mode : mode inconnu" in capsys.readouterr().err


def test_loan_schedule_in_json(company, capsys):
    loan = loan_create(
        company=company,
        label="Prêt matériel",
        principal=D("12000.00"),
        annual_rate=D("0.12"),
        instalments=6,
        periodicity=Periodicity.MONTHLY,
        first_due=date(2025, 1, 31),
    )
    loan_event_add(loan=loan, event=core.RateRevision(date(2025, 4, 1), D("0.06")))
    args = ["loans", "schedule", "--dossier", company.slug, "--id", str(loan.pk)]
    assert main([*args, "--format", "json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["events"] == [{"kind": "rate_revision", "on": "2025-04-01"}]
    assert [(r["number"], r["interest"], r["total_paid"]) for r in payload["rows"][2:4]] == [
        (3, "80.79", "2070.58"),
        (4, "30.45", "2050.18"),
    ]
    assert payload["rows"][3]["annual_rate"] == "0.06"
    assert main(["loans", "schedule", "--dossier", company.slug, "--id", "999"]) == 1
    assert "Emprunt 999 inconnu" in capsys.readouterr().err
