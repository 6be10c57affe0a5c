"""GoCardless Bank Account Data against recorded answers written from its documentation
(tests/bank/connectors/recorded): tokens, consents, accounts, balances, transactions, errors."""

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from tenue.bank.connectors.base import (
    BalanceType,
    ConnectorError,
    ConsentStatus,
    RateLimited,
    renewal_warnings,
)
from tenue.bank.connectors.gocardless import BASE_URL, GoCardlessConnector
from tenue.bank.connectors.http import Exchange, RecordedTransport, Response, UnexpectedRequest
from tenue.core.problems import Refused, Severity

RECORDED = Path(__file__).parent / "recorded"
SECRET_ID = "0b7d5c1e-tenue-test-id"
SECRET_KEY = "tenue-test-secret-key-not-real"
NOW = dt.datetime(2026, 11, 2, 8, 0, tzinfo=dt.UTC)
CURRENT = "a1f3c2d4-5b6e-4f70-8a91-b2c3d4e5f601"
SAVINGS = "c7e9a0b2-1d34-4e56-9f78-0a1b2c3d4e02"
REQUISITION = "8126e9fb-93dd-4c2b-a1b0-3a1f4b6c9d21"
OCTOBER = (dt.date(2026, 10, 1), dt.date(2026, 10, 31))


class Clock:
    def __init__(self, now: dt.datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


def connect(*names: str, clock: Clock | None = None, token: bool = True, **options):
    """A connector on recordings (after `token.json`, the first token, unless `token` is
    false) and its transport."""
    paths = [RECORDED / name for name in (("token.json",) if token else ()) + names]
    transport = RecordedTransport.from_files(*paths)
    connector = GoCardlessConnector(
        secret_id=SECRET_ID,
        secret_key=SECRET_KEY,
        transport=transport,
        clock=clock or Clock(),
        **options,
    )
    return connector, transport


FIRST_TOKEN = Exchange(
    method="POST",
    url=f"{BASE_URL}/token/new/",
    response=Response(
        200,
        {"access": "ACCESS-1", "access_expires": 86400, "refresh": "R", "refresh_expires": 2592000},
    ),
)


def answered(*exchanges: tuple[str, str, int, object]) -> RecordedTransport:
    """Recordings written inline, after the first token: (method, path, status, json)."""
    return RecordedTransport(
        [
            FIRST_TOKEN,
            *(
                Exchange(method=m, url=f"{BASE_URL}{path}", response=Response(status, body))
                for m, path, status, body in exchanges
            ),
        ]
    )


def on(transport: RecordedTransport, **options) -> GoCardlessConnector:
    return GoCardlessConnector(
        secret_id=SECRET_ID, secret_key=SECRET_KEY, transport=transport, clock=Clock(), **options
    )


# -- tokens ----------------------------------------------------------------------------------


def test_the_first_request_gets_a_token_from_the_secrets():
    connector, transport = connect("institutions_fr.json")

    banks = connector.institutions("FR")

    transport.assert_exhausted()
    method, url, body = transport.requests[0]
    assert (method, url) == ("POST", f"{BASE_URL}/token/new/")
    assert body == {"secret_id": SECRET_ID, "secret_key": SECRET_KEY}
    assert connector.tokens is not None
    assert connector.tokens.access == "ACCESS-1"
    assert connector.tokens.access_expires_at == NOW + dt.timedelta(days=1)
    assert connector.tokens.refresh_expires_at == NOW + dt.timedelta(days=30)
    assert [bank.name for bank in banks] == ["BNP Paribas", "CIC", "Société Générale"]


def test_the_token_is_refreshed_near_expiry_then_renewed_from_the_secrets():
    clock = Clock()
    connector, transport = connect("token_refresh.json", clock=clock)

    connector.institutions("fr")  # ACCESS-1, new
    clock.now = NOW + dt.timedelta(days=1) - dt.timedelta(seconds=30)  # inside the margin
    connector.institutions("fr")  # ACCESS-2, refreshed
    clock.now = NOW + dt.timedelta(days=31)  # refresh token lapsed too
    connector.institutions("fr")  # ACCESS-3, new

    transport.assert_exhausted()  # each request carried the bearer its recording expects
    assert [url.rsplit("/api/v2", 1)[1] for _, url, _ in transport.requests] == [
        "/token/new/",
        "/institutions/?country=fr",
        "/token/refresh/",
        "/institutions/?country=fr",
        "/token/new/",
        "/institutions/?country=fr",
    ]
    assert connector.tokens is not None and connector.tokens.access == "ACCESS-3"


def test_a_token_the_service_refuses_is_replaced_once():
    connector, transport = connect("errors_invalid_token.json")

    balances = connector.balances(CURRENT)

    transport.assert_exhausted()
    assert [b.amount for b in balances] == [Decimal("4712.47")]
    assert connector.tokens is not None and connector.tokens.access == "ACCESS-2"


def test_refused_secrets_give_a_french_error_that_never_shows_the_secret():
    connector, _ = connect("errors_credentials.json", token=False)

    with pytest.raises(ConnectorError) as caught:
        connector.institutions("FR")

    assert caught.value.status == 401
    assert "GoCardless refuse les identifiants du cabinet" in caught.value.message
    assert "secret_id et secret_key" in caught.value.message
    assert SECRET_KEY not in str(caught.value)
    assert SECRET_KEY not in repr(connector)


# -- consents --------------------------------------------------------------------------------


def test_starting_a_consent_asks_the_longest_access_the_bank_allows():
    connector, transport = connect(
        "consent_start.json", clock=Clock(dt.datetime(2026, 10, 2, 9, 12, tzinfo=dt.UTC))
    )

    consent = connector.start_consent(
        "BNP_PARIBAS_BNPAFRPP",
        "https://tenue.example.fr/banque/retour",
        reference="societe-a-512100-20261002",
    )

    transport.assert_exhausted()  # agreement: 180 days, 730 days of history, full scope
    assert consent.id == REQUISITION
    assert consent.status is ConsentStatus.PENDING
    assert consent.link.startswith("https://ob.gocardless.com/ob-psd2/start/8126e9fb")
    assert consent.institution_name == "BNP Paribas"
    assert consent.reference == "societe-a-512100-20261002"
    assert consent.account_ids == ()
    assert consent.expires_on == dt.date(2027, 3, 31)  # provisional: 180 days from creation


def test_starting_a_consent_never_asks_more_than_the_bank_allows():
    connector, transport = connect("consent_start_capped.json")

    consent = connector.start_consent(
        "CIC_CMCIFRPP",
        "https://tenue.example.fr/banque/retour",
        reference="societe-a-512200-20261002",
    )

    transport.assert_exhausted()  # agreement: 90 days of access, 90 days of history
    assert consent.expires_on == dt.date(2026, 12, 31)


def test_a_linked_consent_expires_counting_from_its_acceptance():
    connector, transport = connect("consent_linked.json")

    consent = connector.consent_status(REQUISITION)

    transport.assert_exhausted()
    assert consent.status is ConsentStatus.ACTIVE
    assert consent.account_ids == (CURRENT, SAVINGS)
    assert consent.expires_on == dt.date(2027, 4, 1)  # accepted 3 October + 180 days


def test_accounts_of_a_linked_consent():
    connector, transport = connect("accounts.json")

    current, savings = connector.accounts(REQUISITION)

    transport.assert_exhausted()
    assert current.id == CURRENT
    assert current.iban == "FR7630004008280001093821714"  # given in groups of four
    assert current.name == "Compte courant professionnel"
    assert current.currency == "EUR"
    assert current.owner == "MENUISERIE DURAND SARL"
    assert current.bic == "BNPAFRPP"
    assert savings.iban == "FR7630004008280001093823557"
    assert savings.name == "Livret Entreprise"  # no name: the product names it
    assert savings.currency == "EUR"


def test_accounts_of_a_consent_the_client_has_not_finished_are_refused():
    connector = on(
        answered(
            (
                "GET",
                f"/requisitions/{REQUISITION}/",
                200,
                {"id": REQUISITION, "status": "UA", "institution_id": "CIC_CMCIFRPP"},
            )
        )
    )

    with pytest.raises(ConnectorError, match="n'est pas actif \\(en attente de l'accord"):
        connector.accounts(REQUISITION)


def test_consents_follow_every_page_and_feed_the_renewal_warnings():
    connector, transport = connect("consents_pages.json", page_size=2)

    consents = connector.consents()

    transport.assert_exhausted()
    assert [(c.institution_name, c.status, c.expires_on) for c in consents] == [
        ("BNP Paribas", ConsentStatus.ACTIVE, dt.date(2027, 4, 1)),
        ("Société Générale", ConsentStatus.ACTIVE, dt.date(2026, 11, 8)),
        ("", ConsentStatus.PENDING, dt.date(2026, 12, 31)),  # CIC no longer listed (404)
    ]
    warnings = renewal_warnings(consents, NOW.date())
    assert [(p.severity, p.message) for p in warnings] == [
        (
            Severity.WARNING,
            "la connexion à Société Générale expire le 08/11/2026 : renouvelez le consentement",
        )
    ]


def test_a_next_page_outside_the_api_is_refused_rather_than_sent_the_token():
    connector = on(
        answered(
            (
                "GET",
                "/agreements/enduser/?limit=100&offset=0",
                200,
                {
                    "count": 200,
                    "next": "https://collect.example.net/steal?offset=100",
                    "results": [],
                },
            )
        )
    )

    with pytest.raises(ConnectorError, match="page suivante hors de https://bankaccountdata"):
        connector.consents()


# -- account data ----------------------------------------------------------------------------


def test_balances_keep_their_type_amount_and_date():
    connector, _ = connect("statement_october.json")

    balances = {b.source_type: b for b in connector.balances(CURRENT)}

    assert balances["closingBooked"].type is BalanceType.CLOSING
    assert balances["closingBooked"].amount == Decimal("4712.47")
    assert balances["closingBooked"].date == dt.date(2026, 10, 31)
    assert balances["openingBooked"].type is BalanceType.OPENING
    assert balances["expected"].type is BalanceType.EXPECTED
    assert balances["expected"].amount == Decimal("4689.07")
    available = balances["interimAvailable"]
    assert (available.type, available.credit_limit_included) == (BalanceType.AVAILABLE, True)
    assert available.date == dt.date(2026, 11, 2)  # from lastChangeDateTime
    assert all(b.currency == "EUR" for b in balances.values())


def test_booked_transactions_become_lines_with_exact_amounts_and_signs():
    connector, _ = connect("statement_october.json")

    statement = connector.transactions(CURRENT, *OCTOBER)

    assert statement.account == "FR7630004008280001093821714"
    assert statement.currency == "EUR"
    assert statement.bank_code == "BNPAFRPP"
    assert statement.opening_balance is None and statement.closing_balance is None
    assert [(line.date, line.amount) for line in statement.lines] == [
        (dt.date(2026, 10, 2), Decimal("1440.00")),
        (dt.date(2026, 10, 5), Decimal("-1287.45")),
        (dt.date(2026, 10, 8), Decimal("-41.55")),
        (dt.date(2026, 10, 12), Decimal("-3600.00")),
        (dt.date(2026, 10, 31), Decimal("-12.90")),  # "-12.9" in the answer
    ]
    assert all(isinstance(line.amount, Decimal) for line in statement.lines)
    assert statement.movements == Decimal("-3501.90")
    assert [line.bank_id for line in statement.lines] == [
        "2026100200012345",
        "2026100500017654",
        "2026100800041233",
        "4f0e2d1c3b5a49788796a5b4c3d2e1f0",  # no transactionId: GoCardless's own id
        "2026103100098712",
    ]


def test_lines_keep_label_reference_operation_code_and_source():
    connector, _ = connect("statement_october.json")

    customer, urssaf, card, _, fees = connector.transactions(CURRENT, *OCTOBER).lines

    assert customer.label == "VIR SEPA BOULANGERIE LEROY FACTURE FA-2026-0913"
    assert customer.reference == "FA-2026-0913"
    assert customer.operation_code == "PMNT-RCDT-ESCT"
    assert urssaf.label == "PRLV SEPA URSSAF ILE DE FRANCE COTISATIONS SEPTEMBRE 2026"
    assert urssaf.reference == ""  # endToEndId NOTPROVIDED is no reference
    assert urssaf.operation_code == "PRLV SEPA"  # only a proprietary code
    assert card.value_date == dt.date(2026, 10, 7)
    assert fees.counterparty == "" and fees.counterparty_iban == ""
    assert fees.source is not None and fees.source.line == 1  # first in GoCardless's answer
    assert "opérations comptabilisées" in fees.source.name


def test_the_counterparty_is_the_other_side_according_to_the_sign():
    connector, _ = connect("statement_october.json")

    customer, urssaf, _, supplier, _ = connector.transactions(CURRENT, *OCTOBER).lines

    # money in: the debtor, not the account holder named as creditor
    assert (customer.counterparty, customer.counterparty_iban) == (
        "BOULANGERIE LEROY",
        "FR7610278060760002011450111",
    )
    # money out: the creditor, not the account holder named as debtor
    assert (supplier.counterparty, supplier.counterparty_iban) == (
        "SCIERIE DU JURA",
        "FR7630003036200005027081229",
    )
    assert urssaf.counterparty_iban == "FR1420041010050500013M02606"  # compacted


def test_a_foreign_card_payment_keeps_its_original_amount_and_currency():
    connector, _ = connect("statement_october.json")

    card = connector.transactions(CURRENT, *OCTOBER).lines[2]

    assert card.amount == Decimal("-41.55")
    assert card.currency == "EUR"
    assert card.original_currency == "USD"
    # 1 USD = 0.9234 EUR: 41.55 / 0.9234 = 44.9968 -> 45.00 USD, paid out
    assert card.original_amount == Decimal("-45.00")
    assert card.counterparty == "AMAZON WEB SERVICES EMEA SARL"


def test_pending_movements_are_apart_and_the_bank_is_asked_once():
    connector, transport = connect("statement_october.json")

    statement = connector.transactions(CURRENT, *OCTOBER)
    pending = connector.pending_transactions(CURRENT, *OCTOBER)

    assert len(statement.lines) == 5  # the pending card payment is not among them
    assert [(p.date, p.amount, p.label) for p in pending] == [
        (dt.date(2026, 11, 2), Decimal("-23.40"), "CB MONOPRIX 31/10")
    ]
    transactions_url = f"{BASE_URL}/accounts/{CURRENT}/transactions/"
    assert sum(url.startswith(transactions_url) for _, url, _ in transport.requests) == 1


def transaction(**fields: object) -> dict[str, object]:
    base: dict[str, object] = {
        "transactionId": "T1",
        "bookingDate": "2026-10-06",
        "transactionAmount": {"amount": "-10.00", "currency": "EUR"},
        "remittanceInformationUnstructured": "CB PAPETERIE",
    }
    base.update(fields)
    return base


def statement_of(*booked: object):
    connector = on(
        answered(
            ("GET", f"/accounts/{CURRENT}/details/", 200, {"account": {"currency": "EUR"}}),
            (
                "GET",
                f"/accounts/{CURRENT}/transactions/?date_from=2026-10-01&date_to=2026-10-31",
                200,
                {"transactions": {"booked": list(booked), "pending": []}},
            ),
        )
    )
    return connector.transactions(CURRENT, *OCTOBER)


def test_an_unreadable_transaction_refuses_the_whole_statement():
    with pytest.raises(Refused) as caught:
        statement_of(
            transaction(),
            transaction(transactionAmount={"amount": "12,50", "currency": "EUR"}),
            transaction(bookingDate=None, valueDate="2026-10-07"),
            transaction(transactionAmount={"amount": "-3.456", "currency": "EUR"}),
        )

    problems = {(p.source.line if p.source else None): p for p in caught.value.problems}
    assert sorted(problems) == [2, 3, 4]
    assert problems[2].message == "montant illisible : '12,50'"
    assert problems[2].field == "transactionAmount.amount"
    assert problems[3].field == "bookingDate"  # never dated by guess from the value date
    assert "plus précis que le centime" in problems[4].message


def test_amounts_as_numbers_or_with_trailing_zeros_stay_exact():
    statement = statement_of(
        transaction(transactionId="A", transactionAmount={"amount": "-8.000", "currency": "EUR"}),
        transaction(
            transactionId="B", transactionAmount={"amount": Decimal("250.5"), "currency": "EUR"}
        ),
    )

    assert [line.amount for line in statement.lines] == [Decimal("-8.00"), Decimal("250.50")]


def test_an_instructed_amount_in_the_exchange_is_taken_as_given():
    """Shape seen with some banks, not in GoCardless's pages: used when present."""
    (line,) = statement_of(
        transaction(
            transactionAmount={"amount": "-139.12", "currency": "EUR"},
            currencyExchange=[
                {
                    "sourceCurrency": "GBP",
                    "targetCurrency": "EUR",
                    "unitCurrency": "GBP",
                    "exchangeRate": "1.1593",
                    "instructedAmount": {"amount": "120.00", "currency": "GBP"},
                }
            ],
        )
    ).lines

    assert (line.original_amount, line.original_currency) == (Decimal("-120.00"), "GBP")


def test_an_exchange_without_a_usable_rate_gives_the_currency_only():
    (line,) = statement_of(
        transaction(
            currencyExchange=[
                {"sourceCurrency": "CHF", "targetCurrency": "EUR", "exchangeRate": ""}
            ]
        )
    ).lines

    assert (line.original_amount, line.original_currency) == (None, "CHF")


# -- errors ----------------------------------------------------------------------------------


def test_a_rate_limit_says_when_the_bank_will_answer_again():
    connector, _ = connect("errors_rate_limit.json")

    with pytest.raises(RateLimited) as caught:
        connector.balances(CURRENT)

    assert caught.value.status == 429
    assert caught.value.retry_after == 43200
    assert "réessayez dans 12 heures" in caught.value.message
    assert "Daily request limit set by the Institution" in caught.value.detail


def test_a_bank_failure_is_a_french_error_to_retry_later():
    connector, _ = connect("errors_bank_down.json")

    with pytest.raises(ConnectorError) as caught:
        connector.balances(CURRENT)

    assert caught.value.status == 500
    assert not isinstance(caught.value, RateLimited)
    assert "en panne ou indisponible" in caught.value.message
    assert "Request to Institution returned an error" in caught.value.message


def test_an_expired_bank_access_is_reported_and_not_retried():
    connector, transport = connect("errors_access_expired.json")

    with pytest.raises(ConnectorError) as caught:
        connector.transactions(CURRENT, *OCTOBER)

    assert caught.value.status == 401
    assert "renouvelez alors le consentement" in caught.value.message
    assert len(transport.requests) == 2  # token, details: no new token, no second try


def test_an_unexpected_request_fails_the_test_loudly():
    connector, _ = connect()  # a token, and nothing else recorded

    with pytest.raises(UnexpectedRequest, match=f"GET {BASE_URL}/accounts/{CURRENT}/balances/"):
        connector.balances(CURRENT)
