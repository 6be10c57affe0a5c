"""`tenue bank rules | rule-add | rules-apply`: preview without saving, add, list, apply."""

from __future__ import annotations

import json

from tenue.bank.models import BankRule, BankTransaction
from tenue.cli.main import main
from tests.bank.test_statement_import import MARCH, camt


def test_preview_then_add_list_and_apply_a_rule(company, capsys, tmp_path):
    dossier = ["--dossier", company.slug]
    assert main(["bank", "import", str(camt(tmp_path, "mars.xml", MARCH)), *dossier]) == 0
    capsys.readouterr()
    edf = ["--name", "EDF", "--label-contains", "edf", "--direction", "out", "--account", "6061"]
    assert main(["bank", "rule-add", *dossier, *edf, "--vat", "20", "--preview"]) == 0
    out = capsys.readouterr().out
    assert "PRLV EDF FACTURE 123" in out and "CB AMAZON" not in out
    assert "prendrait 1 mouvement(s) en attente" in out
    assert not BankRule.objects.exists()

    assert main(["bank", "rule-add", *dossier, *edf, "--vat", "20"]) == 0
    assert "Règle « EDF » ajoutée en position 1." in capsys.readouterr().out
    assert main(["bank", "rules", *dossier]) == 0
    assert (
        "1. EDF : si libellé contient « edf », décaissement -> 6061 + TVA 20 %"
        in capsys.readouterr().out
    )

    assert main(["bank", "rules-apply", *dossier, "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert [(r["label"], r["explanation"]) for r in report["explained"]] == [
        ("PRLV EDF FACTURE 123", "règle « EDF »")
    ]
    assert BankTransaction.objects.filter(status="explained").count() == 1


def test_a_bad_rule_exits_with_its_problems_in_french(company, capsys):
    bad = ["--name", "X", "--label-regex", "(a+)+", "--account", "6061", "--vat", "19.6"]
    assert main(["bank", "rule-add", "--dossier", company.slug, *bad]) == 1
    err = capsys.readouterr().err
    assert "une répétition dans une répétition" in err and "taux de TVA 19.6 % inconnu" in err
    assert not BankRule.objects.exists()


def test_a_suggested_rule_is_accepted_or_dismissed_from_the_command_line(company, capsys, tmp_path):
    from tenue.bank.models import RuleSuggestion
    from tests.bank.test_rules import book, carrefour

    txs = carrefour(company, tmp_path)
    for tx in txs[:3]:
        book(tx)
    suggestion = RuleSuggestion.objects.get()
    dossier = ["--dossier", company.slug]
    assert main(["bank", "rules", *dossier]) == 0
    assert f"tenue bank suggestion accept|dismiss {suggestion.pk}" in capsys.readouterr().out
    assert main(["bank", "suggestion", "accept", str(suggestion.pk), *dossier]) == 0
    assert "Règle « CARREFOUR » ajoutée en position 1" in capsys.readouterr().out
    assert BankRule.objects.get().name == "CARREFOUR"
    assert main(["bank", "suggestion", "dismiss", str(suggestion.pk), *dossier]) == 1
    assert "Aucune règle suggérée" in capsys.readouterr().err
