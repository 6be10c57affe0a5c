"""`tenue close`: what blocks a closing, then the closing itself."""

from __future__ import annotations

import json

from tenue.cli.main import main
from tenue.ledger.models import FiscalYear


def test_close_year_says_what_blocks_then_closes(company, post, capsys):
    post("OD", "2025-01-02", ("512", "500.00", ""), ("101", "", "500.00"))
    post("OD", "2025-03-02", ("471", "20.00", ""), ("512", "", "20.00"))
    assert main(["close", "year", "--dossier", company.slug, "--year", "2025", "--check"]) == 1
    out = capsys.readouterr().out
    assert "bloquée" in out and "le compte 471 n'est pas soldé" in out
    post("OD", "2025-03-03", ("6064", "20.00", ""), ("471", "", "20.00"))
    assert (
        main(["close", "year", "--dossier", company.slug, "--year", "2025", "--format", "json"])
        == 0
    )
    done = json.loads(capsys.readouterr().out)
    assert done["result"] == "-20.00" and done["validated"] == 3
    assert FiscalYear.objects.get(company=company, start__year=2025).status == "closed"


def test_close_period_locks_it(company, post, capsys):
    post("OD", "2025-01-02", ("512", "500.00", ""), ("101", "", "500.00"))
    assert main(["close", "period", "--dossier", company.slug, "--until", "2025-01-31"]) == 0
    assert "1 écriture(s) validée(s)" in capsys.readouterr().out
    assert FiscalYear.objects.get(company=company).locked_until.isoformat() == "2025-01-31"
