"""The content digest is the same whether PostgreSQL or Python computes it."""

from datetime import date
from decimal import Decimal

from tenue.core.entries import Entry, Line
from tenue.ledger import chain
from tenue.ledger.services import entry_post


def test_database_and_python_digests_agree_on_awkward_content(company, supplier):
    entry = entry_post(
        company=company,
        entry=Entry(
            journal="AC",
            date=date(2025, 2, 3),
            label="Éléphant « l'œuf » \\n 100 % \x1f fin",
            piece_ref="F-01\x1e",
            piece_date=date(2025, 2, 1),
            lines=(
                Line(account="6064", debit=Decimal("1234.50"), label="Tab\there; quote'\""),
                Line(
                    account="44566",
                    debit=Decimal("246.90"),
                    currency_amount=Decimal("300.00"),
                    currency="USD",
                ),
                Line(account="401", credit=Decimal("1481.40"), aux_number="FDUR", piece_ref="X"),
            ),
        ),
    )
    other = entry_post(
        company=company,
        entry=Entry(
            journal="AC",
            date=date(2025, 2, 4),
            label="Simple",
            lines=(
                Line(account="6064", debit=Decimal("1.00")),
                Line(account="401", credit=Decimal("1.00")),
            ),
        ),
    )
    ids = [entry.pk, other.pk]
    from_database = chain.content_digests(ids)
    from_python = chain.python_digests(ids)
    assert from_database == from_python
    assert from_database[entry.pk] != from_database[other.pk]
    text = chain.canonical(
        next(iter(type(entry).objects.filter(pk=entry.pk).values_list(*chain.HEAD_FIELDS))), []
    )
    assert "\x1f fin" not in text and "Éléphant" in text  # separators removed from the fields
