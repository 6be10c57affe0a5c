"""Migration batches (TRA, spreadsheet entries, payroll) applied to a dossier."""

from datetime import date
from decimal import Decimal

import pytest

from tenue.analytics.models import Split
from tenue.core.problems import Refused
from tenue.formats import spreadsheet_entries
from tenue.formats.payroll import read_payroll
from tenue.formats.spreadsheet_entries import read_spreadsheet_entries
from tenue.formats.tra import read_tra
from tenue.ledger.imports import batch_import
from tenue.ledger.models import Entry, ImportKind, Journal, Line, ThirdParty, ThirdPartyKind
from tests.formats.test_payroll import month, write_csv
from tests.formats.test_tra import header, movement, sale, write


def test_spreadsheet_template_imports_with_its_analytics(company, tmp_path):
    path = tmp_path / "ecritures.csv"
    path.write_text(spreadsheet_entries.template_csv(), encoding="utf-8")
    result = batch_import(
        company=company, batch=read_spreadsheet_entries(path), path=path, kind=ImportKind.ENTRIES
    )
    assert (result.entries, result.lines) == (1, 3)
    assert result.debit == result.credit == Decimal("1200.00")
    assert result.tags_created == 2
    line = Line.objects.get(company=company, account__number="706000")
    assert sorted(Split.objects.filter(line=line).values_list("tag__name", "amount")) == [
        ("CONSEIL", Decimal("600.00")),
        ("FORMATION", Decimal("400.00")),
    ]
    customer = ThirdParty.objects.get(company=company, aux_number="DUPONT")
    assert customer.kind == ThirdPartyKind.CUSTOMER and customer.account.number == "411000"
    with pytest.raises(Refused, match="déjà été importé"):
        batch_import(
            company=company,
            batch=read_spreadsheet_entries(path),
            path=path,
            kind=ImportKind.ENTRIES,
        )


def test_batch_with_an_error_is_refused_whole(company, tmp_path):
    path = tmp_path / "ecritures.csv"
    rows = spreadsheet_entries.template_csv().splitlines()
    rows.append(rows[1].replace("FA2025-001", "FA2025-002").replace("1200,00", "12O0,00"))
    path.write_text("\n".join(rows), encoding="utf-8")
    batch = read_spreadsheet_entries(path)
    with pytest.raises(Refused) as refused:
        batch_import(company=company, batch=batch, path=path, kind=ImportKind.ENTRIES)
    assert any(p.source and p.source.line == 5 for p in refused.value.problems)
    assert not Entry.objects.filter(company=company).exists()


def test_tra_file_imports(company, tmp_path):
    path = write(
        tmp_path,
        [
            header(),
            *sale(),
            movement("BQ1", "31012025", "512000", "D", "1200,00", piece="3"),
            movement(
                "BQ1", "31012025", "411000", "C", "1200,00", piece="3", kind="X", aux="DUPONT"
            ),
        ],
    )
    result = batch_import(company=company, batch=read_tra(path), path=path, kind=ImportKind.TRA)
    assert result.entries == 2 and sorted(result.journals_created) == ["BQ1", "VTE"]
    assert Journal.objects.get(company=company, code="BQ1").kind == "bank"
    sale_entry = Entry.objects.get(company=company, journal__code="VTE")
    assert (sale_entry.number, sale_entry.date) == (1, date(2025, 1, 15))
    assert sale_entry.lines.get(account__number="411000").third_party.aux_number == "DUPONT"


def test_payroll_is_one_od_entry_per_month(company, tmp_path):
    path = write_csv(
        tmp_path,
        [
            "Date;Compte;Libellé;Débit;Crédit;Salarié",
            *month("15/01/2025", "2000,00", "800,00", "1560,00", "1240,00", "Alice Martin"),
            *month("15/02/2025", "2000,00", "800,00", "1560,00", "1240,00", "Alice Martin"),
        ],
    )
    result = batch_import(
        company=company, batch=read_payroll(path), path=path, kind=ImportKind.PAYROLL
    )
    assert result.entries == 2
    dates = list(
        Entry.objects.filter(company=company)
        .order_by("number")
        .values_list("journal__code", "date")
    )
    assert dates == [("OD", date(2025, 1, 31)), ("OD", date(2025, 2, 28))]
