"""`tenue analytics axes` and `tenue analytics report`: the axes with their use, and the income
statement by tag in JSON, whose columns add up to the total."""

from __future__ import annotations

import json
from decimal import Decimal

from tenue.analytics import services
from tenue.cli.main import main


def test_axes_and_report_in_json(company, charge_line, activity, tags, capsys):
    services.line_split_set(line=charge_line, tag=tags["Pâtisserie"], percent=Decimal("25"))
    assert main(["analytics", "axes", "--dossier", company.slug, "--format", "json"]) == 0
    [axis] = json.loads(capsys.readouterr().out)
    assert axis["axis"] == "Activité"
    assert {t["tag"]: t["lines"] for t in axis["tags"]} == {
        "Boulangerie": 0,
        "Pâtisserie": 1,
        "Traiteur": 0,
    }
    args = ["analytics", "report", "--dossier", company.slug, "--axis", "activité"]
    assert main([*args, "--year", "2025", "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["columns"] == ["Boulangerie", "Pâtisserie", "Traiteur", "Non ventilé"]
    rows = {r["code"]: r for r in report["rows"]}
    assert rows["achats_matieres"]["amounts"]["Pâtisserie"] == "25.00"
    assert rows["achats_matieres"]["amounts"]["Non ventilé"] == "75.00"
    for row in report["rows"]:
        assert sum(Decimal(a) for a in row["amounts"].values()) == Decimal(row["total"])
    assert main(args) == 0
    table = capsys.readouterr().out
    assert "Compte de résultat par Activité" in table and "Non ventilé" in table


def test_report_on_an_unknown_axis_names_the_axes(company, activity, capsys):
    assert main(["analytics", "report", "--dossier", company.slug, "--axis", "Projet"]) == 1
    assert "Axe inconnu : Projet (axes du dossier : Activité)" in capsys.readouterr().err
