"""Every real statement file of shared/data/bank imports into a dossier whose fiscal years cover
its dates, or is refused with exactly the reader's errors; importing it again adds nothing."""

from __future__ import annotations

from datetime import date

import pytest

from tenue.bank.models import BankTransaction
from tenue.bank.services import statement_import
from tenue.core.problems import Refused, Severity
from tenue.formats.bank_statements import read_statement
from tenue.ledger.models import FiscalYear
from tenue.ledger.services import fiscal_year_create
from tests.formats.test_bank_statements import FILES

IBAN = "FR7630006000011234567890189"  # for files that do not name their account


def _cover(company, dates):
    """Fiscal years (calendar years) of the dossier for every date of the file."""
    FiscalYear.objects.filter(company=company).delete()
    for year in sorted({d.year for d in dates}):
        fiscal_year_create(company=company, start=date(year, 1, 1))


@pytest.mark.parametrize(("path", "kind"), FILES, ids=lambda x: getattr(x, "name", x))
def test_each_real_file_imports_or_is_refused_with_the_readers_errors(path, kind, company):
    read = read_statement(path)
    errors = [str(p) for p in read.problems if p.severity is Severity.ERROR]
    dates = [line.date for s in read.statements for line in s.lines]
    _cover(company, dates or [date(2025, 1, 1)])
    named = all(s.account for s in read.statements)
    if errors or not read.statements:
        with pytest.raises(Refused) as refused:
            statement_import(company=company, path=path, iban=None if named else IBAN)
        if errors:
            assert [str(p) for p in refused.value.problems] == errors
        assert not BankTransaction.objects.filter(company=company).exists()
        return
    try:
        result = statement_import(company=company, path=path, iban=None if named else IBAN)
    except Refused as refused:
        # an account that is no IBAN (a foreign bank's number) needs the user's IBAN; another
        # currency than the bank account's is refused: both say so in French
        messages = " ".join(str(p) for p in refused.problems)
        assert "indiquez l'IBAN" in messages or "relevé en " in messages, messages
        return
    lines = sum(len(s.lines) for s in read.statements)
    assert result.added + result.skipped == lines
    assert BankTransaction.objects.filter(company=company).count() == result.added
    assert all(tx.entry_id for tx in BankTransaction.objects.filter(company=company))
    again = statement_import(company=company, path=path, iban=None if named else IBAN)
    assert (again.added, again.skipped) == (0, lines)
