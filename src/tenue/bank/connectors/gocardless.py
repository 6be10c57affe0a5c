"""GoCardless Bank Account Data (formerly Nordigen), API v2, as a `Connector`.

Sources: GoCardless's quick-start guide, "Account Transactions Output", "Statuses and Error
Messages" and overview pages (developer.gocardless.com/bank-account-data/…), its help-centre
articles on requisitions, rate limits and account errors, and the Berlin Group NextGenPSD2
transaction report the transaction fields come from. What those pages do not state is marked
"assumed" below.

The calls, in the order a connection makes them:
- `POST /token/new/` {secret_id, secret_key} → {access, access_expires, refresh,
  refresh_expires} (seconds: 86 400 and 2 592 000 in the documentation); `POST /token/refresh/`
  {refresh} → {access, access_expires}. Tokens are renewed a minute before they expire; a 401
  whose words speak of the token (assumed: "Invalid token") gets one new token and one retry;
- `GET /institutions/?country=fr` and `GET /institutions/{id}/` → [{id, name, bic,
  transaction_total_days, countries, logo, max_access_valid_for_days}] (days as text);
- `POST /agreements/enduser/` {institution_id, max_historical_days, access_valid_for_days,
  access_scope} → {id, created, accepted, access_valid_for_days…}: access is asked for
  `access_valid_for_days` (180 by default) but never beyond what the bank accepts, history for
  `max_historical_days` (730) but never beyond `transaction_total_days`;
- `POST /requisitions/` {redirect, institution_id, agreement, reference, user_language} →
  {id, link, status, created, accounts…}; `GET /requisitions/{id}/` → status (CR, GC, UA, SA,
  GA: pending; LN: linked; RJ: rejected; EX: expired; SU: suspended, in earlier versions of
  the statuses page) and account ids. A
  consent expires `access_valid_for_days` after the agreement's `accepted` time (documented as
  "number of days from acceptance"), taken as a UTC date;
- `GET /accounts/{id}/details/` → {account: {iban, currency, ownerName, name, bic…}},
  `GET /accounts/{id}/balances/` → {balances: [{balanceAmount {amount, currency}, balanceType,
  referenceDate}]}, `GET /accounts/{id}/transactions/?date_from=&date_to=` →
  {transactions: {booked: […], pending: […]}}. The transactions answer is not paginated (none
  of the sources shows a `next` there); the requisition and agreement lists are
  (`limit`/`offset`, answered with {count, next, previous, results}): `consents()` follows
  `next`, only within `base_url`, since it carries the token.

Banks may allow as few as four reads a day per account and per endpoint: one connector object
keeps the account answers it already received (details, balances, transactions for one date
range), so a sync asks each of them once.

How a transaction becomes a `BankLine`:
- `transactionId`, else `internalTransactionId` (GoCardless's own) → `bank_id`;
- `bookingDate` (else `bookingDateTime`) → `date`: a booked transaction without one is refused,
  never dated by guess; `valueDate` (else `valueDateTime`) → `value_date`;
- `transactionAmount.amount`, a signed text from the holder's side (documented examples,
  `"-12.0"`), → `amount` through `money.to_money`; a JSON number is read as Decimal, never
  float; digits beyond the cent are accepted only when they are zeros;
- `remittanceInformationUnstructuredArray` (joined; it holds what the single field truncates),
  else `remittanceInformationUnstructured`, else `additionalInformation`, else the
  counterparty's name → `label`;
- the other side according to the sign — `creditorName` / `creditorAccount.iban` for money
  out, `debtorName` / `debtorAccount.iban` for money in (GoCardless: "name of the creditor if a
  Debited transaction"), `ultimateCreditor` / `ultimateDebtor` when the name is missing —
  → `counterparty`, `counterparty_iban`;
- `endToEndId` (not the SEPA placeholder `NOTPROVIDED`), else the structured remittance
  reference, else `checkId` → `reference`;
- `bankTransactionCode` (ISO `PMNT-RCDT-ESCT`), else `proprietaryBankTransactionCode` →
  `operation_code` (the same preference as the camt.053 reader);
- `currencyExchange` (documented as an array of Berlin Group report exchange rates:
  sourceCurrency, exchangeRate, unitCurrency, targetCurrency) → `original_currency`, the one of
  source and target that is not the account's, and `original_amount`: an `instructedAmount` in
  that currency when the bank gives one (assumed: seen in the wild, not in GoCardless's pages),
  else the amount converted back at `exchangeRate` (1 `unitCurrency` = rate × the other
  currency), rounded half up to the cent — a derived figure, which may differ by a cent from
  the amount paid. When the rate cannot be read, only the currency is given.
Error bodies are read as {summary, detail, status_code} (documented for 409 "Account is
Processing"; assumed for the others).
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from urllib.parse import quote, urlencode

from stdnum import iban as stdnum_iban

from tenue.bank.connectors.base import (
    PSD2_CONSENT_DAYS,
    PSD2_EXTENDED_CONSENT_DAYS,
    BalanceType,
    ConnectorError,
    Consent,
    ConsentStatus,
    Institution,
    RemoteAccount,
    RemoteBalance,
    consent_expiry,
)
from tenue.bank.connectors.http import Json, Transport
from tenue.core import money
from tenue.core.bank import BankLine, Statement
from tenue.core.problems import Problem, Refused, Source

BASE_URL = "https://bankaccountdata.gocardless.com/api/v2"
ACCESS_SCOPE = ("balances", "details", "transactions")
DEFAULT_HISTORY_DAYS = 730  # asked for; each bank's `transaction_total_days` caps it
_TOKEN_MARGIN = dt.timedelta(seconds=60)

_STATUSES = {
    "CR": ConsentStatus.PENDING,  # CREATED
    "GC": ConsentStatus.PENDING,  # GIVING_CONSENT
    "UA": ConsentStatus.PENDING,  # UNDERGOING_AUTHENTICATION
    "SA": ConsentStatus.PENDING,  # SELECTING_ACCOUNTS
    "GA": ConsentStatus.PENDING,  # GRANTING_ACCESS
    "LN": ConsentStatus.ACTIVE,  # LINKED
    "RJ": ConsentStatus.REJECTED,  # REJECTED
    "SU": ConsentStatus.SUSPENDED,  # SUSPENDED (in earlier versions of the statuses page)
    "EX": ConsentStatus.EXPIRED,  # EXPIRED
}
_LONG_STATUSES = {
    "CREATED": "CR",
    "GIVING_CONSENT": "GC",
    "UNDERGOING_AUTHENTICATION": "UA",
    "SELECTING_ACCOUNTS": "SA",
    "GRANTING_ACCESS": "GA",
    "LINKED": "LN",
    "REJECTED": "RJ",
    "SUSPENDED": "SU",
    "EXPIRED": "EX",
}
_STATUS_WORDS = {
    ConsentStatus.PENDING: "en attente de l'accord du client",
    ConsentStatus.ACTIVE: "actif",
    ConsentStatus.REJECTED: "refusé",
    ConsentStatus.SUSPENDED: "suspendu",
    ConsentStatus.EXPIRED: "expiré",
}
_BALANCE_TYPES = {
    "openingbooked": BalanceType.OPENING,
    "closingbooked": BalanceType.CLOSING,
    "interimbooked": BalanceType.BOOKED,
    "expected": BalanceType.EXPECTED,
    "interimavailable": BalanceType.AVAILABLE,
    "forwardavailable": BalanceType.AVAILABLE,
    "closingavailable": BalanceType.AVAILABLE,
}
_AMOUNT = re.compile(r"([+-]?\d+)(?:\.(\d+))?")
_RATE = re.compile(r"\d+(\.\d+)?")
_NOT_PROVIDED = "NOTPROVIDED"


@dataclass(frozen=True)
class Tokens:
    """GoCardless access and refresh tokens with their expiry instants (UTC). The app may keep
    them in its cache between runs; never in the database in clear."""

    access: str = field(repr=False)
    access_expires_at: dt.datetime
    refresh: str = field(repr=False)
    refresh_expires_at: dt.datetime


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class GoCardlessConnector:
    """One GoCardless Bank Account Data account (its secrets), for one run."""

    name = "gocardless"

    def __init__(
        self,
        *,
        secret_id: str,
        secret_key: str,
        transport: Transport,
        base_url: str = BASE_URL,
        clock: Callable[[], dt.datetime] = _utcnow,
        access_valid_for_days: int = PSD2_EXTENDED_CONSENT_DAYS,
        max_historical_days: int = DEFAULT_HISTORY_DAYS,
        user_language: str = "FR",
        page_size: int = 100,
        tokens: Tokens | None = None,
    ) -> None:
        if not secret_id or not secret_key:
            raise ValueError("secret_id et secret_key GoCardless sont requis")
        if access_valid_for_days <= 0 or max_historical_days <= 0 or page_size <= 0:
            raise ValueError("durées et taille de page GoCardless : nombres positifs attendus")
        self._secret_id = secret_id
        self._secret_key = secret_key
        self.transport = transport
        self.base_url = base_url.rstrip("/")
        self.clock = clock
        self.access_valid_for_days = access_valid_for_days
        self.max_historical_days = max_historical_days
        self.user_language = user_language
        self.page_size = page_size
        self._tokens = tokens
        self._institutions: dict[str, Institution] = {}
        self._account_answers: dict[str, Json] = {}

    def __repr__(self) -> str:  # never the secrets
        return f"GoCardlessConnector(base_url={self.base_url!r})"

    @property
    def tokens(self) -> Tokens | None:
        return self._tokens

    # -- banks and consents --------------------------------------------------------------

    def institutions(self, country: str) -> list[Institution]:
        code = country.strip().upper()
        if len(code) != 2 or not code.isalpha():
            raise ValueError(f"code pays ISO à deux lettres attendu : {country!r}")
        what = "liste des banques"
        answer = self._call("GET", self._url("/institutions/", {"country": code.lower()}))
        found = [_institution(_object(item, what), what) for item in _array(answer, what)]
        self._institutions.update((institution.id, institution) for institution in found)
        return found

    def start_consent(
        self, institution_id: str, redirect_url: str, *, reference: str = ""
    ) -> Consent:
        if not redirect_url.startswith(("https://", "http://")):
            raise ValueError(f"URL de retour invalide : {redirect_url!r}")
        institution = self._institution(institution_id)
        access_days = min(
            self.access_valid_for_days, institution.max_access_days or PSD2_CONSENT_DAYS
        )
        history_days = min(
            self.max_historical_days, institution.max_history_days or PSD2_CONSENT_DAYS
        )
        what = "accord d'accès"
        agreement = _object(
            self._call(
                "POST",
                self._url("/agreements/enduser/"),
                {
                    "institution_id": institution.id,
                    "max_historical_days": history_days,
                    "access_valid_for_days": access_days,
                    "access_scope": list(ACCESS_SCOPE),
                },
            ),
            what,
        )
        what = "demande de consentement"
        requisition = _object(
            self._call(
                "POST",
                self._url("/requisitions/"),
                {
                    "redirect": redirect_url,
                    "institution_id": institution.id,
                    "agreement": _required(agreement, "id", "accord d'accès"),
                    "reference": reference or uuid.uuid4().hex,
                    "user_language": self.user_language,
                },
            ),
            what,
        )
        _required(requisition, "link", what)
        return self._consent(requisition, agreement)

    def consent_status(self, consent_id: str) -> Consent:
        requisition = self._requisition(consent_id)
        agreement_id = _text(requisition, "agreement", "demande de consentement")
        agreement: dict[str, Json] = {}
        if agreement_id:
            answer = self._call("GET", self._url(f"/agreements/enduser/{_segment(agreement_id)}/"))
            agreement = _object(answer, "accord d'accès")
        return self._consent(requisition, agreement)

    def consents(self) -> list[Consent]:
        """Every consent (requisition) this GoCardless account holds, with its expiry: what
        the app checks its own records against."""
        agreements = {
            _text(agreement, "id", "accords d'accès"): agreement
            for agreement in self._pages("/agreements/enduser/", "accords d'accès")
        }
        return [
            self._consent(requisition, agreements.get(_text(requisition, "agreement", ""), {}))
            for requisition in self._pages("/requisitions/", "demandes de consentement")
        ]

    def accounts(self, consent_id: str) -> list[RemoteAccount]:
        requisition = self._requisition(consent_id)
        status = _status(requisition)
        if status is not ConsentStatus.ACTIVE:
            raise ConnectorError(
                f"le consentement {consent_id} n'est pas actif ({_STATUS_WORDS[status]}) : "
                "ses comptes ne sont pas accessibles"
            )
        what = "demande de consentement"
        return [
            self._remote_account(_text_item(item, what))
            for item in _array(requisition.get("accounts", []), what)
        ]

    # -- account data --------------------------------------------------------------------

    def balances(self, account_id: str) -> list[RemoteBalance]:
        what = "soldes"
        answer = _object(self._account_data(f"/accounts/{_segment(account_id)}/balances/"), what)
        source_name = f"GoCardless, compte {account_id}, soldes"
        found: list[RemoteBalance] = []
        problems: list[Problem] = []
        for index, item in enumerate(_array(answer.get("balances", []), what), start=1):
            balance = _balance(_object(item, what), Source(source_name, index), problems)
            if balance is not None:
                found.append(balance)
        if problems:
            raise Refused(problems)
        return found

    def transactions(self, account_id: str, date_from: dt.date, date_to: dt.date) -> Statement:
        if date_from > date_to:
            raise ValueError(f"période vide : du {date_from} au {date_to}")
        details = self._details(account_id)
        booked = self._transaction_list(account_id, date_from, date_to, "booked")
        source_name = f"GoCardless, compte {account_id}, opérations comptabilisées"
        lines: list[BankLine] = []
        problems: list[Problem] = []
        for index, item in enumerate(booked, start=1):
            line = _line(item, Source(source_name, index), problems, pending=False)
            if line is not None and date_from <= line.date <= date_to:
                lines.append(line)
        if problems:
            raise Refused(problems)
        lines.sort(key=lambda line: line.date)  # stable: the bank's order within a day
        return Statement(
            account=_compact_iban(_text(details, "iban", "compte")) or account_id,
            currency=_required(details, "currency", "compte").upper(),
            lines=tuple(lines),
            bank_code=_text(details, "bic", "compte"),
            statement_id=f"{self.name}:{account_id}:{date_from}:{date_to}",
            source=Source(
                f"GoCardless, compte {account_id}, du {date_from:%d/%m/%Y} au {date_to:%d/%m/%Y}"
            ),
        )

    def pending_transactions(
        self, account_id: str, date_from: dt.date, date_to: dt.date
    ) -> tuple[BankLine, ...]:
        """Pending movements as lines, dated by booking date else value date; a pending
        movement that cannot be read is left out (it is shown, never imported)."""
        pending = self._transaction_list(account_id, date_from, date_to, "pending")
        source_name = f"GoCardless, compte {account_id}, opérations en attente"
        lines = []
        for index, item in enumerate(pending, start=1):
            line = _line(item, Source(source_name, index), [], pending=True)
            if line is not None:
                lines.append(line)
        return tuple(lines)

    # -- plumbing ------------------------------------------------------------------------

    def _url(self, path: str, query: Mapping[str, str] | None = None) -> str:
        url = f"{self.base_url}{path}"
        return f"{url}?{urlencode(query)}" if query else url

    def _call(self, method: str, url: str, body: Json = None) -> Json:
        """An authenticated request. A 401 that blames the token (revoked, or expired earlier
        than announced) gets one new token and one more try; any other 401 is the bank's
        refusal and is not repeated, since GoCardless suspends an account after ten
        consecutive failures."""
        try:
            return self._send(method, url, body)
        except ConnectorError as exc:
            if exc.status != 401 or "token" not in exc.detail.lower():
                raise
        self._tokens = None
        return self._send(method, url, body)

    def _send(self, method: str, url: str, body: Json) -> Json:
        headers = {"Authorization": f"Bearer {self._access_token()}"}
        return self.transport.request(method, url, headers, body).json

    def _access_token(self) -> str:
        now = self.clock()
        tokens = self._tokens
        if tokens is not None and now < tokens.access_expires_at - _TOKEN_MARGIN:
            return tokens.access
        if tokens is not None and now < tokens.refresh_expires_at - _TOKEN_MARGIN:
            try:
                self._tokens = self._refreshed(tokens, now)
                return self._tokens.access
            except ConnectorError as exc:
                if exc.status != 401:
                    raise
                # the refresh token was revoked: start again from the secrets
        self._tokens = self._new_tokens(now)
        return self._tokens.access

    def _new_tokens(self, now: dt.datetime) -> Tokens:
        body: Json = {"secret_id": self._secret_id, "secret_key": self._secret_key}
        try:
            answer = self.transport.request("POST", self._url("/token/new/"), {}, body)
        except ConnectorError as exc:
            if exc.status not in (401, 403):
                raise
            raise ConnectorError(
                f"GoCardless refuse les identifiants du cabinet ({exc.status}) : vérifiez "
                "secret_id et secret_key dans la configuration de la connexion bancaire",
                status=exc.status,
                detail=exc.detail,
            ) from exc
        what = "jeton d'accès"
        token = _object(answer.json, what)
        return Tokens(
            access=_required(token, "access", what),
            access_expires_at=now + dt.timedelta(seconds=_seconds(token, "access_expires")),
            refresh=_required(token, "refresh", what),
            refresh_expires_at=now + dt.timedelta(seconds=_seconds(token, "refresh_expires")),
        )

    def _refreshed(self, tokens: Tokens, now: dt.datetime) -> Tokens:
        body: Json = {"refresh": tokens.refresh}
        answer = self.transport.request("POST", self._url("/token/refresh/"), {}, body)
        what = "jeton d'accès"
        token = _object(answer.json, what)
        return Tokens(
            access=_required(token, "access", what),
            access_expires_at=now + dt.timedelta(seconds=_seconds(token, "access_expires")),
            refresh=tokens.refresh,
            refresh_expires_at=tokens.refresh_expires_at,
        )

    def _institution(self, institution_id: str) -> Institution:
        if institution_id not in self._institutions:
            what = "banque"
            answer = self._call("GET", self._url(f"/institutions/{_segment(institution_id)}/"))
            self._institutions[institution_id] = _institution(_object(answer, what), what)
        return self._institutions[institution_id]

    def _institution_name(self, institution_id: str) -> str:
        """The bank's name, or "" when GoCardless no longer lists it (the id then names it)."""
        try:
            return self._institution(institution_id).name
        except ConnectorError as exc:
            if exc.status != 404:
                raise
            return ""

    def _requisition(self, consent_id: str) -> dict[str, Json]:
        answer = self._call("GET", self._url(f"/requisitions/{_segment(consent_id)}/"))
        return _object(answer, "demande de consentement")

    def _consent(self, requisition: dict[str, Json], agreement: dict[str, Json]) -> Consent:
        what = "demande de consentement"
        institution_id = _required(requisition, "institution_id", what)
        days = _number(agreement, "access_valid_for_days", "accord d'accès") or PSD2_CONSENT_DAYS
        start = _timestamp(agreement, "accepted", "accord d'accès") or _timestamp(
            requisition, "created", what
        )
        if start is None:
            raise _unexpected(what, "ni date d'acceptation ni date de création")
        return Consent(
            id=_required(requisition, "id", what),
            institution_id=institution_id,
            status=_status(requisition),
            expires_on=consent_expiry(start.date(), days),
            link=_text(requisition, "link", what),
            institution_name=self._institution_name(institution_id),
            account_ids=tuple(
                _text_item(item, what) for item in _array(requisition.get("accounts", []), what)
            ),
            reference=_text(requisition, "reference", what),
        )

    def _pages(self, path: str, what: str) -> list[dict[str, Json]]:
        url = self._url(path, {"limit": str(self.page_size), "offset": "0"})
        seen: set[str] = set()
        items: list[dict[str, Json]] = []
        while True:
            seen.add(url)
            page = _object(self._call("GET", url), what)
            items.extend(_object(item, what) for item in _array(page.get("results"), what))
            following = page.get("next")
            if following is None or following == "":
                return items
            if not isinstance(following, str) or not following.startswith(f"{self.base_url}/"):
                raise _unexpected(what, f"page suivante hors de {self.base_url} : refusée")
            if following in seen:
                raise _unexpected(what, "la pagination revient sur une page déjà lue")
            url = following

    def _account_data(self, path: str, query: Mapping[str, str] | None = None) -> Json:
        """An account endpoint's answer, asked once per connector (banks count every read)."""
        url = self._url(path, query)
        if url not in self._account_answers:
            self._account_answers[url] = self._call("GET", url)
        return self._account_answers[url]

    def _details(self, account_id: str) -> dict[str, Json]:
        answer = self._account_data(f"/accounts/{_segment(account_id)}/details/")
        return _object(_object(answer, "compte").get("account"), "compte")

    def _remote_account(self, account_id: str) -> RemoteAccount:
        details, what = self._details(account_id), "compte"
        return RemoteAccount(
            id=account_id,
            iban=_compact_iban(_text(details, "iban", what)),
            name=_text(details, "name", what)
            or _text(details, "displayName", what)
            or _text(details, "product", what),
            currency=_required(details, "currency", what).upper(),
            owner=_text(details, "ownerName", what),
            bic=_text(details, "bic", what),
        )

    def _transaction_list(
        self, account_id: str, date_from: dt.date, date_to: dt.date, part: str
    ) -> list[Json]:
        what = "opérations"
        answer = self._account_data(
            f"/accounts/{_segment(account_id)}/transactions/",
            {"date_from": date_from.isoformat(), "date_to": date_to.isoformat()},
        )
        transactions = _object(_object(answer, what).get("transactions"), what)
        return _array(transactions.get(part, []), what)


# -- reading answers -----------------------------------------------------------------------


def _unexpected(what: str, why: str) -> ConnectorError:
    return ConnectorError(f"réponse inattendue de GoCardless ({what}) : {why}")


def _segment(identifier: str) -> str:
    """An id as one path segment: never a way to reach another endpoint."""
    if not identifier:
        raise ValueError("identifiant vide")
    return quote(identifier, safe="")


def _object(value: Json, what: str) -> dict[str, Json]:
    if not isinstance(value, dict):
        raise _unexpected(what, "objet JSON attendu")
    return value


def _array(value: Json, what: str) -> list[Json]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise _unexpected(what, "liste JSON attendue")
    return value


def _text(obj: Mapping[str, Json], key: str, what: str) -> str:
    value = obj.get(key)
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    raise _unexpected(what, f"texte attendu pour {key}")


def _text_item(value: Json, what: str) -> str:
    if not isinstance(value, str) or not value:
        raise _unexpected(what, "identifiant de compte attendu")
    return value


def _required(obj: Mapping[str, Json], key: str, what: str) -> str:
    value = _text(obj, key, what)
    if not value:
        raise _unexpected(what, f"champ {key} absent")
    return value


def _number(obj: Mapping[str, Json], key: str, what: str) -> int | None:
    """A whole number given as a number or as text ("540"); None when absent."""
    text = _text(obj, key, what)
    if not text:
        return None
    if not text.isdigit():
        raise _unexpected(what, f"nombre entier attendu pour {key} : {text!r}")
    return int(text)


def _seconds(obj: Mapping[str, Json], key: str) -> int:
    value = _number(obj, key, "jeton d'accès")
    if value is None:
        raise _unexpected("jeton d'accès", f"champ {key} absent")
    return value


def _timestamp(obj: Mapping[str, Json], key: str, what: str) -> dt.datetime | None:
    text = _text(obj, key, what)
    if not text:
        return None
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise _unexpected(what, f"date illisible pour {key} : {text!r}") from None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC)


def _status(requisition: Mapping[str, Json]) -> ConsentStatus:
    raw = requisition.get("status")
    if isinstance(raw, dict):  # some answers give {"short": "LN", "long": "LINKED", …}
        raw = raw.get("short") or raw.get("long")
    code = raw.strip().upper() if isinstance(raw, str) else ""
    code = _LONG_STATUSES.get(code, code)
    if code not in _STATUSES:
        raise _unexpected("demande de consentement", f"statut inconnu {code!r}")
    return _STATUSES[code]


def _institution(obj: Mapping[str, Json], what: str) -> Institution:
    return Institution(
        id=_required(obj, "id", what),
        name=_text(obj, "name", what),
        bic=_text(obj, "bic", what),
        countries=tuple(
            item.upper() for item in _array(obj.get("countries"), what) if isinstance(item, str)
        ),
        max_history_days=_number(obj, "transaction_total_days", what),
        max_access_days=_number(obj, "max_access_valid_for_days", what),
    )


def _compact_iban(text: str) -> str:
    return str(stdnum_iban.compact(text)) if text else ""


class _BadAmount(ValueError):
    pass


def _amount(value: Json) -> Decimal:
    """An amount given as text (or as a JSON number, read as Decimal), exact to the cent."""
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
        raise _BadAmount("montant absent ou qui n'est pas un nombre")
    text = str(value).strip()
    found = _AMOUNT.fullmatch(text)
    if found is None:
        raise _BadAmount(f"montant illisible : {text!r}")
    decimals = found.group(2) or ""
    if len(decimals) > 2:
        if decimals[2:].strip("0"):
            raise _BadAmount(f"montant plus précis que le centime : {text!r}")
        text = f"{found.group(1)}.{decimals[:2]}"
    return money.to_money(text)


def _balance(
    obj: Mapping[str, Json], source: Source, problems: list[Problem]
) -> RemoteBalance | None:
    what = "soldes"
    amount_field = obj.get("balanceAmount")
    if not isinstance(amount_field, dict):
        problems.append(Problem("montant du solde absent", "balanceAmount", source))
        return None
    try:
        amount = _amount(amount_field.get("amount"))
    except _BadAmount as exc:
        problems.append(Problem(str(exc), "balanceAmount.amount", source))
        return None
    kind = _text(obj, "balanceType", what)
    day = _text(obj, "referenceDate", what) or _text(obj, "lastChangeDateTime", what)
    date = _day(day, "referenceDate", source, problems)
    return RemoteBalance(
        type=_BALANCE_TYPES.get(kind.lower(), BalanceType.OTHER),
        amount=amount,
        currency=_text(amount_field, "currency", what).upper(),
        date=date,
        source_type=kind,
        credit_limit_included=obj.get("creditLimitIncluded") is True,
    )


def _day(text: str, field_name: str, source: Source, problems: list[Problem]) -> dt.date | None:
    """A date from `2026-10-31` or `2026-10-31T…` (the calendar date written, never moved to
    another time zone); None, with a problem, when it cannot be read."""
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        problems.append(Problem(f"date illisible : {text!r}", field_name, source))
        return None


def _words(value: Json) -> str:
    return " ".join(value.split()) if isinstance(value, str) else ""


def _line(item: Json, source: Source, problems: list[Problem], *, pending: bool) -> BankLine | None:
    """One transaction as a line; None, with problems, when it cannot be one."""
    if not isinstance(item, dict):
        problems.append(Problem("opération illisible : objet JSON attendu", None, source))
        return None
    found: list[Problem] = []
    amount: Decimal | None = None
    currency = ""
    money_field = item.get("transactionAmount")
    if isinstance(money_field, dict):
        try:
            amount = _amount(money_field.get("amount"))
        except _BadAmount as exc:
            found.append(Problem(str(exc), "transactionAmount.amount", source))
        currency = _words(money_field.get("currency")).upper()
        if not currency:
            found.append(Problem("devise absente", "transactionAmount.currency", source))
    else:
        found.append(Problem("montant absent", "transactionAmount", source))
    booking = _day(
        _words(item.get("bookingDate")) or _words(item.get("bookingDateTime")),
        "bookingDate",
        source,
        found,
    )
    value_date = _day(
        _words(item.get("valueDate")) or _words(item.get("valueDateTime")),
        "valueDate",
        source,
        found,
    )
    date = booking or (value_date if pending else None)
    if date is None and not found:
        found.append(
            Problem(
                "date de comptabilisation absente (bookingDate) : opération refusée plutôt "
                "que datée au hasard",
                "bookingDate",
                source,
            )
        )
    problems.extend(found)
    if found or amount is None or date is None:
        return None
    counterparty, counterparty_iban = _counterparty(item, amount)
    original_amount, original_currency = _original(item, amount, currency)
    return BankLine(
        date=date,
        amount=amount,
        label=_label(item) or counterparty,
        value_date=value_date,
        currency=currency,
        bank_id=_words(item.get("transactionId")) or _words(item.get("internalTransactionId")),
        reference=_reference(item),
        counterparty=counterparty,
        counterparty_iban=counterparty_iban,
        operation_code=_words(item.get("bankTransactionCode"))
        or _words(item.get("proprietaryBankTransactionCode")),
        original_amount=original_amount,
        original_currency=original_currency,
        source=source,
    )


def _label(item: Mapping[str, Json]) -> str:
    parts = item.get("remittanceInformationUnstructuredArray")
    if isinstance(parts, list):
        joined = " ".join(_words(part) for part in parts if _words(part))
        if joined:
            return joined
    return _words(item.get("remittanceInformationUnstructured")) or _words(
        item.get("additionalInformation")
    )


def _reference(item: Mapping[str, Json]) -> str:
    end_to_end = _words(item.get("endToEndId"))
    if end_to_end and end_to_end.upper() != _NOT_PROVIDED:
        return end_to_end
    structured = item.get("remittanceInformationStructured")
    if isinstance(structured, dict):  # NextGenPSD2 1.3.8+: {"reference": …, "referenceType": …}
        structured = structured.get("reference")
    return _words(structured) or _words(item.get("checkId"))


def _counterparty(item: Mapping[str, Json], amount: Decimal) -> tuple[str, str]:
    """Name and IBAN of the other side: the creditor of money out, the debtor of money in."""
    money_out = amount < 0 or (amount == 0 and not _words(item.get("debtorName")))
    side, ultimate = ("creditor", "ultimateCreditor") if money_out else ("debtor", "ultimateDebtor")
    name = _words(item.get(f"{side}Name")) or _words(item.get(ultimate))
    account = item.get(f"{side}Account")
    iban = _compact_iban(_words(account.get("iban"))) if isinstance(account, dict) else ""
    return name, iban


def _original(
    item: Mapping[str, Json], amount: Decimal, currency: str
) -> tuple[Decimal | None, str]:
    """The amount and currency the payment was made in, when not the account's."""
    rates = item.get("currencyExchange")
    for rate in rates if isinstance(rates, list) else [rates]:
        if not isinstance(rate, dict):
            continue
        source = _words(rate.get("sourceCurrency")).upper()
        target = _words(rate.get("targetCurrency")).upper()
        foreign = {source, target} - {currency, ""}
        if len(foreign) != 1 or currency not in (source, target):
            continue
        (foreign_currency,) = foreign
        instructed = rate.get("instructedAmount")
        if isinstance(instructed, dict) and _words(instructed.get("currency")).upper() == (
            foreign_currency
        ):
            try:
                return _signed(abs(_amount(instructed.get("amount"))), amount), foreign_currency
            except _BadAmount:
                pass  # the rate may still say it
        factor = _rate(rate.get("exchangeRate"))
        unit = _words(rate.get("unitCurrency")).upper()
        if factor is None or unit not in (source, target):
            return None, foreign_currency
        converted = abs(amount) / factor if unit == foreign_currency else abs(amount) * factor
        return _signed(money.quantize(converted), amount), foreign_currency
    return None, ""


def _signed(value: Decimal, like: Decimal) -> Decimal:
    return -value if like < 0 else value


def _rate(value: Json) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
        return None
    text = str(value).strip()
    if not _RATE.fullmatch(text):
        return None
    rate = Decimal(text)
    return rate if rate > 0 else None
