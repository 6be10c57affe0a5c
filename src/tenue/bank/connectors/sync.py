"""One pull of a connected account: booked movements and the bank's balances over a period,
as the `StatementFile` every statement reader returns, ready for the bank app to import.

`fetch_statement(connector, account_id, since, until)` asks the connector for the balances,
then for the booked movements, once each (banks may allow four reads a day), and builds one
`Statement` for the days `since` to `until` included.

Balances are the bank's, never made up to fit:
- the closing balance is the bank's booked balance (`closingBooked`, else `interimBooked`) at
  its reference date R, carried to the end of `until` by the movements booked between R and
  `until` (added when R is earlier, taken off when R is later); the movements are fetched over
  the whole span so that this is arithmetic, not a guess;
- the opening balance is stated only when the bank gives an opening booked balance too
  (`openingBooked` at the start of its date O), carried likewise to the start of `since`.
  Both balances then come from the bank, and `balance_problems` checks that opening + movements
  = closing to the cent: a break is reported, never adjusted. A closing balance alone is never
  turned into an opening one by subtracting the movements: that would check nothing;
- a balance without a date, or in another currency than the account's, is not used (a note or a
  problem says so); expected and available balances are not booked balances and are ignored.

Pending movements are not imported (they may change or vanish, their booking date is unknown):
a note counts them. Movements the connector cannot read make it refuse the pull
(`tenue.core.problems.Refused`): the result then holds those problems and no statement, as a
statement file that cannot be read whole. `ConnectorError` (service out of reach, quota,
expired consent) is not data: it propagates, for the task to report.

The result is idempotent to import: every line carries the bank's id when the aggregator gives
one (else the app falls back to `BankLine.content_key`), so pulling overlapping periods again
adds nothing twice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import replace
from decimal import Decimal

from tenue.bank.connectors.base import BalanceType, Connector, RemoteBalance
from tenue.core import money
from tenue.core.bank import BankLine, StatementFile, balance_problems
from tenue.core.problems import Problem, Refused, Severity, Source

FORMAT = "psd2"
_CLOSING_TYPES = (BalanceType.CLOSING, BalanceType.BOOKED)


def fetch_statement(
    connector: Connector, account_id: str, since: dt.date, until: dt.date
) -> StatementFile:
    """The booked movements of `account_id` from `since` to `until` included, with the bank's
    balances carried to those dates where it gives them."""
    if since > until:
        raise ValueError(f"période vide : du {since} au {until}")
    name = f"{connector.name} — compte {account_id} du {since:%d/%m/%Y} au {until:%d/%m/%Y}"
    result = StatementFile(name=name, format=FORMAT)
    source = Source(name)
    balances = connector.balances(account_id)
    closing = _first_dated(balances, _CLOSING_TYPES, result)
    opening = _first_dated(balances, (BalanceType.OPENING,), result)
    dates = [d for d in (closing.date if closing else None, opening.date if opening else None) if d]
    window_from, window_to = min([since, *dates]), max([until, *dates])
    try:
        pulled = connector.transactions(account_id, window_from, window_to)
    except Refused as exc:
        result.problems.extend(exc.problems)
        return result
    closing = _same_currency(closing, pulled.currency, "de clôture", source, result)
    opening = _same_currency(opening, pulled.currency, "d'ouverture", source, result)
    in_period = tuple(line for line in pulled.lines if since <= line.date <= until)
    statement = replace(
        pulled,
        lines=in_period,
        statement_id=f"{connector.name}:{account_id}:{since}:{until}",
        source=source,
    )
    if closing is not None and closing.date is not None:
        statement = replace(
            statement,
            closing_date=until,
            closing_balance=closing.amount + _movements(pulled.lines, closing.date, until),
        )
    else:
        result.notes.append("pas de solde comptable daté utilisable : relevé sans solde de clôture")
    if opening is not None and opening.date is not None:
        # openingBooked is the balance before the movements of its own date
        before_opening = opening.date - dt.timedelta(days=1)
        before_since = since - dt.timedelta(days=1)
        statement = replace(
            statement,
            opening_date=since,
            opening_balance=opening.amount + _movements(pulled.lines, before_opening, before_since),
        )
    else:
        result.notes.append(
            "pas de solde d'ouverture utilisable : la continuité des soldes n'est "
            "pas vérifiée sur cette période"
        )
    for line in in_period:
        if line.currency != statement.currency:
            result.problems.append(
                Problem(
                    f"opération en {line.currency} sur un compte en {statement.currency} : "
                    "elle ne peut pas être comptabilisée telle quelle",
                    "currency",
                    line.source or source,
                )
            )
    pending = connector.pending_transactions(account_id, window_from, window_to)
    if pending:
        result.notes.append(
            f"{len(pending)} opération(s) en attente non reprise(s) : elles le seront une fois "
            "comptabilisées par la banque"
        )
    result.statements.append(statement)
    result.problems.extend(balance_problems(statement))
    return result


def _movements(lines: Iterable[BankLine], known: dt.date, wanted: dt.date) -> Decimal:
    """What to add to a balance at the end of day `known` to get it at the end of `wanted`."""
    if wanted >= known:
        return sum((line.amount for line in lines if known < line.date <= wanted), money.ZERO)
    return -sum((line.amount for line in lines if wanted < line.date <= known), money.ZERO)


def _first_dated(
    balances: Sequence[RemoteBalance], types: Sequence[BalanceType], result: StatementFile
) -> RemoteBalance | None:
    """The first balance of the first type given, preferring one without credit line; a
    balance without reference date cannot be placed and is noted."""
    for kind in types:
        candidates = sorted(
            (b for b in balances if b.type is kind), key=lambda b: b.credit_limit_included
        )
        for balance in candidates:
            if balance.date is not None:
                return balance
            result.notes.append(
                f"solde {balance.source_type or balance.type.value} sans date de référence : "
                "non repris"
            )
    return None


def _same_currency(
    balance: RemoteBalance | None,
    currency: str,
    which: str,
    source: Source,
    result: StatementFile,
) -> RemoteBalance | None:
    if balance is None or balance.currency == currency:
        return balance
    result.problems.append(
        Problem(
            f"solde {which} en {balance.currency or 'devise inconnue'} sur un compte en "
            f"{currency} : non repris",
            "solde",
            source,
            Severity.WARNING,
        )
    )
    return None
