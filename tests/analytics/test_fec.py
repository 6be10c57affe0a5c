"""FEC with analytics: the Axe/Tag/Valeur columns (repeated per split) exported from one dossier
and imported into another through a correspondence table onto its existing axes and tags, and
exported again, the same."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tenue.analytics import services
from tenue.analytics.models import Split, Tag
from tenue.core.problems import Refused
from tenue.ledger.fec import Mapping, fec_export, fec_import
from tenue.ledger.models import FiscalYear
from tenue.ledger.services import entry_post
from tests.conftest import make_entry

D = Decimal


def shares(company):  # type: ignore[no-untyped-def]
    """Every split of the dossier: (entry's number in the file, line position, axis, tag,
    amount), the file's number being the one the exported file gave."""
    return sorted(
        (
            s.line.entry.external_number or str(s.line.entry.number),
            s.line.entry.journal.code,
            s.line.position,
            s.tag.axis.name,
            s.tag.name,
            s.amount,
        )
        for s in Split.objects.filter(line__company=company).select_related(
            "line__entry__journal", "tag__axis"
        )
    )


@pytest.fixture
def tagged_books(company, activity, tags):
    site = services.axis_create(company=company, name="Site")
    shop = services.tag_create(axis=site, name="Boutique")
    market = services.tag_create(axis=site, name="Marché")

    def post(*args, **kwargs):  # type: ignore[no-untyped-def]
        return entry_post(company=company, entry=make_entry(*args, **kwargs))

    purchase = post("AC", "2025-03-01", ("601", "100.00", ""), ("401", "", "100.00"))
    sale = post("VE", "2025-03-02", ("411", "90.10", ""), ("707", "", "90.10"))
    line = purchase.lines.get(position=1)
    services.line_split_set(line=line, tag=tags["Boulangerie"], percent=D("33.33"))
    services.line_split_set(line=line, tag=tags["Pâtisserie"], amount=D("50.00"))
    services.line_split_set(line=line, tag=shop, percent=D("100"))
    services.line_split_set(
        line=sale.lines.get(position=2), tag=tags["Traiteur"], amount=D("90.10")
    )
    services.line_split_set(line=sale.lines.get(position=2), tag=market, percent=D("20"))
    return company


def test_fec_analytic_round_trip_with_a_correspondence_table(tagged_books, other_company, tmp_path):
    company = tagged_books
    year = FiscalYear.objects.get(company=company)
    exported = fec_export(company=company, year=year, out_dir=tmp_path / "a")
    assert exported.report.ok, exported.report.text()
    header = exported.path.read_text(encoding="utf-8").splitlines()[0].split("\t")
    assert header[18:] == ["Axe", "Tag", "Valeur"] * 3  # the line with the most splits has 3
    text = exported.path.read_text(encoding="utf-8")
    assert "Activité\tBoulangerie\t33,33" in text and "Site\tMarché\t18,02" in text

    # the other dossier names its axis « Métier » and the caterer « Événements »
    trade = services.axis_create(company=other_company, name="Métier")
    services.tag_create(axis=trade, name="Événements")
    table = tmp_path / "correspondance.csv"
    table.write_text(
        "type;source;cible\naxe;Activité;Métier\ntag;Activité:Traiteur;Métier:Événements\n",
        encoding="utf-8",
    )
    result = fec_import(company=other_company, path=exported.path, mapping=Mapping.read(table))
    assert result.tags_created == 4  # Boulangerie, Pâtisserie on Métier; Boutique, Marché on Site

    renamed = {("Activité", "Traiteur"): ("Métier", "Événements")}
    expected = sorted(
        (number, journal, position, *renamed.get((axis, tag), ("Métier", tag)), amount)
        if axis == "Activité"
        else (number, journal, position, axis, tag, amount)
        for number, journal, position, axis, tag, amount in shares(company)
    )
    assert shares(other_company) == expected
    assert Tag.objects.filter(axis=trade).count() == 3

    again = fec_export(
        company=other_company,
        year=FiscalYear.objects.get(company=other_company),
        out_dir=tmp_path / "b",
    )
    lines_a = exported.path.read_text(encoding="utf-8").splitlines()[1:]
    lines_b = again.path.read_text(encoding="utf-8").splitlines()[1:]
    assert [x.split("\t")[20::3] for x in lines_a] == [x.split("\t")[20::3] for x in lines_b]
    assert [x.split("\t")[19] for x in lines_b if x.split("\t")[19]] == [
        "Boulangerie",
        "Événements",
    ]


def test_a_correspondence_onto_a_missing_tag_refuses_the_import(
    tagged_books, other_company, tmp_path
):
    year = FiscalYear.objects.get(company=tagged_books)
    exported = fec_export(company=tagged_books, year=year, out_dir=tmp_path)
    table = tmp_path / "table.csv"
    table.write_text("tag;Activité:Traiteur;Métier:Inconnu\n", encoding="utf-8")
    with pytest.raises(Refused, match="le tag Métier:Inconnu n'existe pas dans le dossier"):
        fec_import(company=other_company, path=exported.path, mapping=Mapping.read(table))
    assert not Split.objects.filter(line__company=other_company).exists()
    bad = tmp_path / "bad.csv"
    bad.write_text("tag;Traiteur;Métier:Traiteur\n", encoding="utf-8")
    with pytest.raises(Refused, match="Axe:Tag"):
        Mapping.read(bad)
