"""One pull of a connected account into a statement file: with GoCardless on recordings, and
with an in-memory connector for the balance arithmetic."""

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from tenue.bank.connectors.base import BalanceType, RemoteBalance
from tenue.bank.connectors.gocardless import GoCardlessConnector
from tenue.bank.connectors.http import RecordedTransport
from tenue.bank.connectors.sync import fetch_statement
from tenue.core.bank import BankLine, Statement
from tenue.core.problems import Problem, Refused, Severity, Source

RECORDED = Path(__file__).parent / "recorded"
CURRENT = "a1f3c2d4-5b6e-4f70-8a91-b2c3d4e5f601"
OCT_1, OCT_31 = dt.date(2026, 10, 1), dt.date(2026, 10, 31)


def test_october_with_gocardless_gives_a_balanced_statement_in_four_requests():
    transport = RecordedTransport.from_files(
        RECORDED / "token.json", RECORDED / "statement_october.json"
    )
    connector = GoCardlessConnector(
        secret_id="0b7d5c1e-tenue-test-id",
        secret_key="tenue-test-secret-key-not-real",
        transport=transport,
        clock=lambda: dt.datetime(2026, 11, 2, 8, 0, tzinfo=dt.UTC),
    )

    result = fetch_statement(connector, CURRENT, OCT_1, OCT_31)

    transport.assert_exhausted()
    assert len(transport.requests) == 4  # token, balances, details, transactions (once)
    assert result.format == "psd2"
    assert result.problems == []
    assert result.notes == [
        "1 opération(s) en attente non reprise(s) : elles le seront une fois comptabilisées "
        "par la banque"
    ]
    (statement,) = result.statements
    assert statement.account == "FR7630004008280001093821714"
    assert (statement.opening_date, statement.opening_balance) == (OCT_1, Decimal("8214.37"))
    assert (statement.closing_date, statement.closing_balance) == (OCT_31, Decimal("4712.47"))
    assert statement.movements == Decimal("-3501.90")
    assert len(statement.lines) == 5
    assert statement.statement_id == f"gocardless:{CURRENT}:2026-10-01:2026-10-31"


def line(day: int, amount: str, month: int = 10, currency: str = "EUR") -> BankLine:
    return BankLine(
        date=dt.date(2026, month, day),
        amount=Decimal(amount),
        label=f"opération du {day}/{month}",
        currency=currency,
        bank_id=f"{month}-{day}-{amount}",
        source=Source("mémoire", day),
    )


def balance(kind: BalanceType, amount: str, day: dt.date | None, currency: str = "EUR"):
    return RemoteBalance(
        type=kind, amount=Decimal(amount), currency=currency, date=day, source_type=kind.value
    )


class InMemory:
    """A connector that answers from lists, and remembers the period it was asked for."""

    name = "mémoire"

    def __init__(self, balances, lines=(), pending=(), refuse: list[Problem] | None = None):
        self._balances, self._lines, self._pending = list(balances), list(lines), tuple(pending)
        self._refuse = refuse
        self.asked: list[tuple[dt.date, dt.date]] = []

    def balances(self, account_id):
        return self._balances

    def transactions(self, account_id, date_from, date_to):
        self.asked.append((date_from, date_to))
        if self._refuse:
            raise Refused(self._refuse)
        return Statement(
            account="FR7630004008280001093821714",
            currency="EUR",
            lines=tuple(x for x in self._lines if date_from <= x.date <= date_to),
        )

    def pending_transactions(self, account_id, date_from, date_to):
        return self._pending


OCTOBER_LINES = [line(2, "1440.00"), line(5, "-1287.45"), line(31, "-12.90")]  # -> +139.65


def test_a_closing_balance_dated_after_the_period_is_carried_back_to_its_end():
    """Synced on 3 November: the bank's booked balance of 2 November includes two November
    movements, which are fetched to take them off, and left out of October's statement."""
    connector = InMemory(
        [
            balance(BalanceType.OPENING, "1000.00", OCT_1),
            balance(BalanceType.BOOKED, "1039.65", dt.date(2026, 11, 2)),
        ],
        [*OCTOBER_LINES, line(1, "-200.00", month=11), line(2, "100.00", month=11)],
    )

    result = fetch_statement(connector, "acc", OCT_1, OCT_31)

    assert connector.asked == [(OCT_1, dt.date(2026, 11, 2))]
    (statement,) = result.statements
    assert [x.date.month for x in statement.lines] == [10, 10, 10]
    assert statement.closing_balance == Decimal("1139.65")  # 1039.65 + 200.00 - 100.00
    assert statement.opening_balance == Decimal("1000.00")
    assert result.problems == []


def test_a_closing_balance_dated_inside_the_period_is_carried_forward():
    connector = InMemory(
        [balance(BalanceType.CLOSING, "152.55", dt.date(2026, 10, 5))], OCTOBER_LINES
    )

    (statement,) = fetch_statement(connector, "acc", OCT_1, OCT_31).statements

    assert statement.closing_balance == Decimal("139.65")  # 152.55 - 12.90 (31 October)
    assert statement.closing_date == OCT_31


def test_an_opening_balance_dated_inside_the_period_is_carried_back_to_its_start():
    """openingBooked of 5 October is the balance before that day's movements."""
    connector = InMemory(
        [
            balance(BalanceType.OPENING, "2440.00", dt.date(2026, 10, 5)),
            balance(BalanceType.CLOSING, "1139.65", OCT_31),
        ],
        OCTOBER_LINES,
    )

    result = fetch_statement(connector, "acc", OCT_1, OCT_31)

    (statement,) = result.statements
    assert statement.opening_balance == Decimal("1000.00")  # 2440.00 - 1440.00 (2 October)
    assert statement.opening_date == OCT_1
    assert result.problems == []


def test_balances_that_disagree_with_the_movements_are_reported_never_adjusted():
    connector = InMemory(
        [
            balance(BalanceType.OPENING, "1000.00", OCT_1),
            balance(BalanceType.CLOSING, "1139.56", OCT_31),
        ],
        OCTOBER_LINES,
    )

    result = fetch_statement(connector, "acc", OCT_1, OCT_31)

    (statement,) = result.statements
    assert statement.closing_balance == Decimal("1139.56")
    assert [p.severity for p in result.problems] == [Severity.ERROR]
    assert "rupture de solde" in result.problems[0].message
    assert "écart -0,09" in result.problems[0].message


def test_a_closing_balance_alone_states_no_opening_balance():
    connector = InMemory([balance(BalanceType.CLOSING, "1139.65", OCT_31)], OCTOBER_LINES)

    result = fetch_statement(connector, "acc", OCT_1, OCT_31)

    (statement,) = result.statements
    assert statement.opening_balance is None and statement.opening_date is None
    assert statement.closing_balance == Decimal("1139.65")
    assert any("pas de solde d'ouverture" in note for note in result.notes)


def test_undated_expected_and_available_balances_are_not_statement_balances():
    connector = InMemory(
        [
            balance(BalanceType.CLOSING, "1139.65", None),
            balance(BalanceType.EXPECTED, "1100.00", OCT_31),
            balance(BalanceType.AVAILABLE, "6139.65", OCT_31),
        ],
        OCTOBER_LINES,
    )

    result = fetch_statement(connector, "acc", OCT_1, OCT_31)

    (statement,) = result.statements
    assert statement.closing_balance is None and statement.opening_balance is None
    assert "solde closing sans date de référence : non repris" in result.notes
    assert any("relevé sans solde de clôture" in note for note in result.notes)
    assert connector.asked == [(OCT_1, OCT_31)]


def test_a_balance_in_another_currency_is_not_used():
    connector = InMemory(
        [balance(BalanceType.CLOSING, "1210.00", OCT_31, currency="CHF")], OCTOBER_LINES
    )

    result = fetch_statement(connector, "acc", OCT_1, OCT_31)

    assert result.statements[0].closing_balance is None
    assert [(p.severity, p.message) for p in result.problems] == [
        (Severity.WARNING, "solde de clôture en CHF sur un compte en EUR : non repris")
    ]


def test_a_line_in_another_currency_is_a_problem():
    connector = InMemory([], [*OCTOBER_LINES, line(20, "-50.00", currency="USD")])

    result = fetch_statement(connector, "acc", OCT_1, OCT_31)

    assert len(result.statements[0].lines) == 4
    assert [p.message for p in result.problems] == [
        "opération en USD sur un compte en EUR : elle ne peut pas être comptabilisée telle quelle"
    ]
    assert result.problems[0].source == Source("mémoire", 20)


def test_movements_the_connector_cannot_read_give_problems_and_no_statement():
    refusal = [Problem("montant illisible : '12,50'", "transactionAmount.amount")]
    connector = InMemory([balance(BalanceType.CLOSING, "1.00", OCT_31)], refuse=refusal)

    result = fetch_statement(connector, "acc", OCT_1, OCT_31)

    assert result.statements == []
    assert result.problems == refusal


def test_an_empty_period_is_a_programming_error():
    with pytest.raises(ValueError):
        fetch_statement(InMemory([]), "acc", OCT_31, OCT_1)
