"""Importing a register taken over from other software: all or nothing, problems naming the
line and the column, plans going on from the depreciation booked before.

The dossier's first open fiscal year is 2025: the cumulative depreciation runs to 31/12/2024.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from tenue.assets.models import FixedAsset, RegisterImport
from tenue.assets.selectors import register
from tenue.assets.services import depreciation_post, register_import
from tenue.core.problems import Refused
from tenue.formats import asset_register
from tests.assets.books import rows

D = Decimal
HEADER = (
    "Compte;Libellé;Date d'acquisition;Date de mise en service;Valeur d'origine;"
    "Valeur résiduelle;Mode;Durée (années);Amortissements antérieurs\n"
)
GOOD = HEADER + (
    "2183;Ordinateurs;15/04/2023;;12 000,00;;linéaire;5;4 106,67\n"
    "2154;Presse;01/09/2022;;30000.00;;D;7;17666,27\n"
    "2182;Camionnette;2025-03-01;;24000;;L;4;\n"
)


def write(tmp_path, name: str, text: str):  # type: ignore[no-untyped-def]
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_good_register_is_imported_and_its_plans_go_on(company, year_2025, tmp_path):
    result = register_import(company=company, path=write(tmp_path, "registre.csv", GOOD))
    assert result.takeover_date == date(2024, 12, 31)
    assert len(result.assets) == 3
    computers, press, van = result.assets
    assert (computers.takeover_date, computers.takeover_cumulative) == (
        date(2024, 12, 31),
        D("4106.67"),
    )
    assert computers.source == "registre.csv, ligne 2"
    assert (press.method, press.takeover_cumulative) == ("degressive", D("17666.27"))
    assert van.takeover_date is None  # bought after the takeover
    plans = {plan.row.label: plan.lines for plan in register(company=company)}
    # The computers go on at 2 400 a year from 4 106,67 (no year before 2025 is repeated).
    assert [(x.period.end.year, x.dotation) for x in plans["Ordinateurs"][:2]] == [
        (2025, D("2400.00")),
        (2026, D("2400.00")),
    ]
    assert plans["Ordinateurs"][0].opening_net_value == D("7893.33")
    # The press, degressive 7 years from 17 666,27: 12 333,73 x 32,142857 % = 3 964,41.
    assert plans["Presse"][0].dotation == D("3964.41")
    # The van: 24 000 / 4 = 6 000 a year, from 01/03/2025: 6 000 x 300/360 = 5 000,00.
    assert plans["Camionnette"][0].dotation == D("5000.00")
    [posting] = depreciation_post(company=company, fiscal_year=year_2025)
    assert rows(posting.entry) == [
        ("6811", "11364.41", "0.00"),
        ("28154", "0.00", "3964.41"),
        ("28182", "0.00", "5000.00"),
        ("28183", "0.00", "2400.00"),
    ]


def test_a_bad_line_refuses_the_file_naming_line_and_column(company, tmp_path):
    text = GOOD + "2183;Écran;31/02/2024;;300,00;;L;3;\n2183;Clavier;01/01/2024;;abc;;L;3;\n"
    with pytest.raises(Refused) as refused:
        register_import(company=company, path=write(tmp_path, "registre.csv", text))
    problems = refused.value.problems
    assert [(p.source.line, p.field) for p in problems] == [
        (5, "Date d'acquisition"),
        (6, "Valeur d'origine"),
    ]
    assert str(problems[0]).startswith("registre.csv, ligne 5 — champ Date d'acquisition : ")
    assert not FixedAsset.objects.exists() and not RegisterImport.objects.exists()


def test_a_missing_column_and_a_file_imported_twice_are_refused(company, tmp_path):
    with pytest.raises(Refused, match="colonne obligatoire absente : « Mode »"):
        register_import(
            company=company,
            path=write(tmp_path, "court.csv", "Compte;Libellé;Date d'acquisition\n"),
        )
    path = write(tmp_path, "registre.csv", GOOD)
    register_import(company=company, path=path)
    with pytest.raises(Refused, match="fichier déjà importé"):
        register_import(company=company, path=path)
    assert FixedAsset.objects.filter(company=company).count() == 3


def test_the_xlsx_template_imports_as_it_is(company, tmp_path):
    path = tmp_path / "modele.xlsx"
    path.write_bytes(asset_register.template_xlsx())
    result = register_import(company=company, path=path)
    assert [(a.account, a.value, a.takeover_cumulative) for a in result.assets] == [
        ("2183", D("12000.00"), D("4106.67")),
        ("2154", D("30000.00"), D("17666.27")),
    ]
    csv_path = write(tmp_path, "modele.csv", asset_register.template_csv().lstrip("\ufeff"))
    read = asset_register.read_register(csv_path, takeover_date=date(2024, 12, 31))
    assert read.problems == ()
    assert [a.takeover for a in read.assets] == [a.takeover for a in _core(result.assets)]


def _core(rows_):  # type: ignore[no-untyped-def]
    from tenue.assets.mappers import asset_of

    return [asset_of(r) for r in rows_]
