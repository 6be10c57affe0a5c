"""`tenue bank`: import a statement, list transactions in JSON with their entries."""

from __future__ import annotations

import json

from tenue.cli.main import main
from tests.bank.test_statement_import import IBAN, MARCH, camt


def test_bank_import_then_transactions_in_json(company, capsys, tmp_path):
    path = camt(tmp_path, "mars.xml", MARCH)
    assert main(["bank", "import", str(path), "--dossier", company.slug]) == 0
    out = capsys.readouterr().out
    assert "3 mouvement(s) ajouté(s), 0 déjà connu(s)" in out
    assert main(["bank", "transactions", "--dossier", company.slug, "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["amount"] for r in rows] == ["-45.10", "1200.00", "-300.00"]
    assert all(r["entry"].startswith("BQ1 ") and r["status"] == "waiting" for r in rows)
    assert {r["account"] for r in rows} == {IBAN}
    assert main(["bank", "accounts", "--dossier", company.slug, "--format", "json"]) == 0
    [account] = json.loads(capsys.readouterr().out)
    assert (account["account"], account["transactions"], account["balance"]) == (
        "512101",
        3,
        "854.90",
    )


def test_bank_import_of_a_broken_file_exits_with_its_problem(company, capsys, tmp_path):
    path = camt(tmp_path, "casse.xml", MARCH, closing="1.00")
    assert main(["bank", "import", str(path), "--dossier", company.slug]) == 1
    err = capsys.readouterr().err
    assert "rupture de solde" in err and "casse.xml" in err
