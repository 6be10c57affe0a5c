"""`tenue bank match`: proposals with their score and reason; `--auto` letters those above the
dossier's threshold and leaves the others waiting."""

from __future__ import annotations

import json
from decimal import Decimal

from tenue.bank.models import BankTransaction
from tenue.bank.services import settings_for
from tenue.cli.main import main
from tenue.ledger.models import Line
from tests.bank.test_matching import move, statement


def test_bank_match_lists_proposals_then_auto_letters_the_sure_ones(
    company, supplier, post, capsys, tmp_path
):
    settings = settings_for(company)
    settings.match_threshold = 101  # nothing on import: the command does it
    settings.save()
    for day, amount, piece in (
        ("2025-03-01", "240.00", "F2025-090"),
        ("2025-03-02", "35.00", "F2025-091"),
    ):
        post("AC", day, ("6064", amount, ""), ("401", "", amount), aux={1: "FDUR"}, piece=piece)
    path = statement(
        tmp_path,
        "cli",
        [
            move("2025-03-10", "-240.00", "VIR DURAND F2025-090"),
            move("2025-03-11", "-35.00", "PRELEVEMENT"),
            move("2025-03-12", "-9.99", "CB ABONNEMENT"),
        ],
    )
    assert main(["bank", "import", str(path), "--dossier", company.slug]) == 0
    capsys.readouterr()

    assert main(["bank", "match", "--dossier", company.slug]) == 0
    out = capsys.readouterr().out
    assert "100 % 401 FDUR Durand SA : F2025-090 -240,00\u00a0€" in out
    assert "même montant, référence F2025-090 dans le libellé, nom Durand SA reconnu" in out
    assert " 55 % 401 FDUR Durand SA : F2025-091 -35,00\u00a0€" in out
    assert "aucune proposition" in out
    assert "0 mouvement(s) lettré(s), 3 en attente (seuil du dossier : 101 %)" in out
    assert not Line.objects.filter(lettering__isnull=False).exists()

    settings.match_threshold = 90
    settings.save()
    assert main(["bank", "match", "--dossier", company.slug, "--auto", "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["threshold"] == 90
    [applied] = report["applied"]
    assert applied["transaction"]["amount"] == "-240.00"
    assert applied["proposal"]["score"] == 100
    assert applied["proposal"]["items"][0]["references"] == ["F2025-090"]
    assert [w["transaction"]["amount"] for w in report["waiting"]] == ["-35.00", "-9.99"]
    assert report["waiting"][0]["proposals"][0]["reason"] == "même montant"
    assert BankTransaction.objects.get(amount=Decimal("-240.00")).status == "explained"
    assert BankTransaction.objects.filter(status="waiting").count() == 2
