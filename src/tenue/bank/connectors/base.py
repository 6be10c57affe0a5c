"""The interface every bank connection speaks: a PSD2 account-information aggregator (GoCardless
Bank Account Data, Bridge, Powens…) seen as a `Connector`, and the records it returns.

A connection goes through three stages, and the records follow them:
1. choosing the bank: `institutions(country)` gives `Institution` records;
2. the client's consent: `start_consent` gives a `Consent` whose `link` the client follows to
   authenticate at the bank; `consent_status` tells, later, whether the consent is active, which
   accounts it covers and when it expires (`expires_on`);
3. reading the accounts: `accounts(consent)` gives `RemoteAccount` records (to link one of them
   to a dossier's bank account), `balances(account)` gives `RemoteBalance` records, and
   `transactions(account, from, to)` gives a `tenue.core.bank.Statement` of booked movements —
   the same record every statement file reader returns, so the bank app imports both alike.

Invariants:
- amounts are `Decimal` quantized to the cent, signed from the account holder's side (money in is
  positive), as everywhere in `tenue.core.bank`;
- `transactions` returns booked movements only: a pending movement may still change or vanish,
  and its booking date is not known. Connectors give pending movements separately
  (`pending_transactions`) for display; the sync counts them in a note and imports none;
- a connector never answers with a silent empty result when it could not ask: it raises
  `ConnectorError` (with a French message the accountant can act on) when the aggregator or the
  bank refuses or fails, `RateLimited` when a quota is reached, and
  `tenue.core.problems.Refused` when the data it received cannot be turned into records;
- consents expire: PSD2 access lasts 90 days, 180 days where the bank applies the 2023 RTS
  amendment (EU delegated regulation 2022/2360). `renewal_warnings` turns expiry dates into
  French warnings ahead of time and errors once a connection has lapsed.

Nothing here touches Django or the network: settings and secrets arrive as constructor
arguments of the concrete connectors, HTTP goes through a `Transport` (`http.py`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Protocol

from tenue.core.bank import BankLine, Statement
from tenue.core.problems import Problem, Severity, Source

PSD2_CONSENT_DAYS = 90
PSD2_EXTENDED_CONSENT_DAYS = 180  # banks applying the 2023 RTS amendment
RENEWAL_WARNING_DAYS = 14


class ConnectorError(Exception):
    """A request the aggregator or the bank refused or could not answer.

    `message` is French and says what to do; `status` is the HTTP status when there was one;
    `detail` is what the aggregator said (its own words, for support); `retry_after` is a delay
    in seconds after which the same request may succeed."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        detail: str = "",
        retry_after: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.detail = detail
        self.retry_after = retry_after


class RateLimited(ConnectorError):
    """A quota is reached (HTTP 429): banks may allow as few as four reads a day per account and
    endpoint, so waiting `retry_after` seconds (often hours) is the only remedy."""


class ConsentStatus(StrEnum):
    PENDING = "pending"  # created; the client has not finished at the bank yet
    ACTIVE = "active"  # the accounts can be read
    REJECTED = "rejected"  # the client or the bank refused; start again
    SUSPENDED = "suspended"  # the aggregator stopped reading after repeated errors
    EXPIRED = "expired"  # the access period is over; a new consent is needed


class BalanceType(StrEnum):
    """Balance types, from the Berlin Group NextGenPSD2 names most aggregators reuse."""

    OPENING = "opening"  # openingBooked: booked balance at the start of the reporting period
    CLOSING = "closing"  # closingBooked: booked balance at the end of the reporting period
    BOOKED = "booked"  # interimBooked: booked so far in the day
    EXPECTED = "expected"  # booked plus pending: not a statement balance
    AVAILABLE = "available"  # interimAvailable, forwardAvailable: what may be spent
    OTHER = "other"  # anything else (card nonInvoiced, unknown names)


@dataclass(frozen=True)
class Institution:
    """A bank the aggregator can reach."""

    id: str
    name: str
    bic: str = ""
    countries: tuple[str, ...] = ()
    max_history_days: int | None = None  # how far back transactions go
    max_access_days: int | None = None  # longest consent the bank accepts (90 or 180)


@dataclass(frozen=True)
class Consent:
    """The client's permission to read the accounts of one bank, for a limited time."""

    id: str
    institution_id: str
    status: ConsentStatus
    expires_on: dt.date  # last day the access can be used (UTC date, a day early at worst)
    link: str = ""  # where to send the client to give (or renew) the consent
    institution_name: str = ""
    account_ids: tuple[str, ...] = ()
    reference: str = ""  # our own identifier, given when the consent was started


@dataclass(frozen=True)
class RemoteAccount:
    """An account as the aggregator names it; `id` is what `balances` and `transactions` take.

    The id belongs to one consent: renewing the consent may give new ids for the same accounts,
    so the app links a dossier's bank account by `iban` and updates the id on renewal."""

    id: str
    iban: str  # compact, upper case; "" when the bank does not give it
    name: str
    currency: str
    owner: str
    bic: str = ""


@dataclass(frozen=True)
class RemoteBalance:
    type: BalanceType
    amount: Decimal  # signed, + in favour of the holder
    currency: str
    date: dt.date | None  # the bank's reference date; None when not given
    source_type: str = ""  # the aggregator's own name for the type (`closingBooked`…)
    credit_limit_included: bool = False


class Connector(Protocol):
    """What the bank app needs from an aggregator; one object per aggregator account (secrets)
    and per run (it may keep short-lived tokens and responses)."""

    name: str  # "gocardless"…: names the source of the statements

    def institutions(self, country: str) -> list[Institution]:
        """The banks reachable in `country` (ISO 3166 alpha-2, `FR`)."""
        ...

    def start_consent(
        self, institution_id: str, redirect_url: str, *, reference: str = ""
    ) -> Consent:
        """Open a consent at one bank: the returned `link` is where the client authenticates;
        the client comes back to `redirect_url`. `expires_on` is provisional until the client
        accepts (the access period starts then)."""
        ...

    def consent_status(self, consent_id: str) -> Consent:
        """The consent as it stands now: status, accounts, expiry date."""
        ...

    def accounts(self, consent_id: str) -> list[RemoteAccount]:
        """The accounts an active consent covers; `ConnectorError` when it is not active."""
        ...

    def balances(self, account_id: str) -> list[RemoteBalance]: ...

    def transactions(self, account_id: str, date_from: dt.date, date_to: dt.date) -> Statement:
        """Booked movements dated (booking date) from `date_from` to `date_to` included, in a
        statement without balances (the sync adds them); `Refused` when some movement cannot
        be read, since a statement is imported whole or not at all."""
        ...

    def pending_transactions(
        self, account_id: str, date_from: dt.date, date_to: dt.date
    ) -> tuple[BankLine, ...]:
        """Movements the bank announces but has not booked: for display only."""
        ...


def consent_expiry(accepted_on: dt.date, valid_for_days: int) -> dt.date:
    """The date a consent accepted on `accepted_on` for `valid_for_days` days expires."""
    if valid_for_days <= 0:
        raise ValueError(f"durée de consentement invalide : {valid_for_days} jours")
    return accepted_on + dt.timedelta(days=valid_for_days)


def renewal_warnings(
    consents: Iterable[Consent], today: dt.date, warn_days: int = RENEWAL_WARNING_DAYS
) -> list[Problem]:
    """French problems for the consents to renew, most urgent first.

    A consent that expires within `warn_days` days gives a warning; one that expires today,
    has expired or was suspended gives an error (synchronisation stops or has stopped). Pending
    and rejected consents are not connections yet and give nothing."""
    if warn_days < 0:
        raise ValueError(f"délai d'alerte négatif : {warn_days}")
    found: list[tuple[dt.date, Problem]] = []
    for consent in consents:
        problem = _renewal_problem(consent, today, warn_days)
        if problem is not None:
            found.append((consent.expires_on, problem))
    found.sort(key=lambda pair: (pair[1].severity is not Severity.ERROR, pair[0]))
    return [problem for _, problem in found]


def _renewal_problem(consent: Consent, today: dt.date, warn_days: int) -> Problem | None:
    bank = consent.institution_name or consent.institution_id
    day = f"{consent.expires_on:%d/%m/%Y}"
    source = Source(f"connexion bancaire {bank} (consentement {consent.id})")

    def error(message: str) -> Problem:
        return Problem(message, "consentement", source, Severity.ERROR)

    if consent.status is ConsentStatus.SUSPENDED:
        return error(
            f"la connexion à {bank} est suspendue après des erreurs répétées : "
            "reconnectez le compte en renouvelant le consentement"
        )
    if consent.status is ConsentStatus.EXPIRED or (
        consent.status is ConsentStatus.ACTIVE and consent.expires_on < today
    ):
        when = f" le {day}" if consent.expires_on <= today else ""
        return error(
            f"la connexion à {bank} a expiré{when} : renouvelez le consentement "
            "pour reprendre la synchronisation bancaire"
        )
    if consent.status is not ConsentStatus.ACTIVE:
        return None
    if consent.expires_on == today:
        return error(
            f"la connexion à {bank} expire aujourd'hui ({day}) : renouvelez le consentement "
            "pour ne pas interrompre la synchronisation bancaire"
        )
    if (consent.expires_on - today).days <= warn_days:
        return Problem(
            f"la connexion à {bank} expire le {day} : renouvelez le consentement",
            "consentement",
            source,
            Severity.WARNING,
        )
    return None
