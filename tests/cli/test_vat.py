"""`tenue vat ca3` / `tenue vat ca12` on the hand-made dossier of tests/reports/vat_books.py."""

from __future__ import annotations

import json

import pytest

from tenue.cli.main import main
from tenue.reports.models import VatSettlement

from ..reports.vat_books import march_books


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_ca3_json_text_and_post(company, post, capsys):
    march_books(company, post)
    code, out, _ = run(
        capsys, "vat", "ca3", "--dossier", company.slug, "--period", "2025-03", "--format", "json"
    )
    assert code == 0
    payload = json.loads(out)
    lines = {x["box"]: x for x in payload["lines"]}
    assert (lines["08"]["base"], lines["08"]["tax"]) == ("7000.40", "1400.08")
    assert (lines["08"]["declared_base"], lines["08"]["declared_tax"]) == ("7000", "1400")
    assert lines["09"]["declared_tax"] == "28"
    assert payload["credit"] == "582" and payload["to_pay"] == "0"
    assert {e["label"] for e in lines["F2"]["entries"]} == {
        "Brussels — livraison intracommunautaire"
    }
    assert {x["account"] for x in payload["settlement"]["lines"]} >= {"44567", "658"}
    assert payload["posted"] is None and payload["settled"] is None
    assert not VatSettlement.objects.exists()

    code, out, _ = run(
        capsys, "vat", "ca3", "--dossier", company.slug, "--period", "2025-03", "--post"
    )
    assert code == 0
    assert "Crédit de TVA à reporter : 582 €" in out
    assert "Écriture de liquidation passée : OD n° 1 du 31/03/2025." in out
    assert VatSettlement.objects.count() == 1

    code, _, err = run(
        capsys, "vat", "ca3", "--dossier", company.slug, "--period", "2025-T1", "--post"
    )
    assert code == 1 and "période déjà liquidée" in err
    code, out, _ = run(capsys, "vat", "ca3", "--dossier", company.slug, "--period", "2025-03")
    assert code == 0 and "Période déjà liquidée : écriture OD n° 1" in out


def test_ca12_and_bad_period(company, post, capsys):
    march_books(company, post)
    code, out, _ = run(
        capsys,
        "vat",
        "ca12",
        "--dossier",
        company.slug,
        "--year",
        "2025",
        "--previous-vat",
        "1 500,00",
        "--format",
        "json",
    )
    assert code == 0
    payload = json.loads(out)
    assert payload["form"] == "CA12"
    # 1 500 × 55 % = 825; × 40 % = 600.
    assert payload["instalments"] == {"base": "1500.00", "july": "825", "december": "600"}
    with pytest.raises(SystemExit) as refused:
        main(["vat", "ca3", "--dossier", company.slug, "--period", "2025-13"])
    assert refused.value.code == 2
    assert "AAAA-MM" in capsys.readouterr().err
