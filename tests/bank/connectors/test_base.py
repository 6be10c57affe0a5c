"""Consent expiry and renewal warnings: what the firm is told before a bank connection lapses."""

import datetime as dt

import pytest

from tenue.bank.connectors.base import (
    PSD2_CONSENT_DAYS,
    PSD2_EXTENDED_CONSENT_DAYS,
    Consent,
    ConsentStatus,
    consent_expiry,
    renewal_warnings,
)
from tenue.core.problems import Severity

TODAY = dt.date(2026, 12, 17)


def consent(
    expires_on: dt.date,
    status: ConsentStatus = ConsentStatus.ACTIVE,
    bank: str = "BNP Paribas",
    consent_id: str = "8126e9fb",
) -> Consent:
    return Consent(
        id=consent_id,
        institution_id="BNP_PARIBAS_BNPAFRPP",
        status=status,
        expires_on=expires_on,
        institution_name=bank,
    )


def test_a_consent_lasts_90_days_or_180_where_the_bank_allows_it():
    accepted = dt.date(2026, 10, 3)
    assert consent_expiry(accepted, PSD2_CONSENT_DAYS) == dt.date(2027, 1, 1)
    assert consent_expiry(accepted, PSD2_EXTENDED_CONSENT_DAYS) == dt.date(2027, 4, 1)
    with pytest.raises(ValueError):
        consent_expiry(accepted, 0)


def test_a_consent_expiring_within_14_days_gives_a_french_warning():
    problems = renewal_warnings([consent(dt.date(2026, 12, 31))], TODAY)

    assert len(problems) == 1
    assert problems[0].severity is Severity.WARNING
    assert problems[0].message == (
        "la connexion à BNP Paribas expire le 31/12/2026 : renouvelez le consentement"
    )
    assert problems[0].field == "consentement"
    assert "8126e9fb" in str(problems[0].source)


def test_the_warning_starts_exactly_14_days_ahead():
    on_the_day = renewal_warnings([consent(TODAY + dt.timedelta(days=14))], TODAY)
    one_day_before = renewal_warnings([consent(TODAY + dt.timedelta(days=15))], TODAY)

    assert [p.severity for p in on_the_day] == [Severity.WARNING]
    assert one_day_before == []


def test_the_warning_delay_is_a_setting():
    in_twenty_days = consent(TODAY + dt.timedelta(days=20))

    assert renewal_warnings([in_twenty_days], TODAY) == []
    assert len(renewal_warnings([in_twenty_days], TODAY, warn_days=30)) == 1
    with pytest.raises(ValueError):
        renewal_warnings([in_twenty_days], TODAY, warn_days=-1)


def test_an_expired_consent_is_an_error():
    problems = renewal_warnings([consent(dt.date(2026, 12, 10))], TODAY)

    assert [p.severity for p in problems] == [Severity.ERROR]
    assert problems[0].message.startswith("la connexion à BNP Paribas a expiré le 10/12/2026")
    assert "renouvelez le consentement" in problems[0].message


def test_a_consent_expiring_today_is_already_an_error():
    problems = renewal_warnings([consent(TODAY)], TODAY)

    assert [p.severity for p in problems] == [Severity.ERROR]
    assert "expire aujourd'hui (17/12/2026)" in problems[0].message


def test_the_aggregators_expired_status_wins_over_the_date():
    """GoCardless says EX (revoked by the client at the bank, say) before the planned date."""
    problems = renewal_warnings([consent(dt.date(2027, 3, 1), status=ConsentStatus.EXPIRED)], TODAY)

    assert [p.severity for p in problems] == [Severity.ERROR]
    assert problems[0].message.startswith("la connexion à BNP Paribas a expiré :")


def test_a_suspended_connection_is_an_error_and_pending_ones_say_nothing():
    problems = renewal_warnings(
        [
            consent(dt.date(2027, 3, 1), status=ConsentStatus.SUSPENDED, bank="CIC"),
            consent(TODAY, status=ConsentStatus.PENDING, bank="LCL"),
            consent(dt.date(2026, 12, 1), status=ConsentStatus.REJECTED, bank="Qonto"),
        ],
        TODAY,
    )

    assert len(problems) == 1
    assert problems[0].severity is Severity.ERROR
    assert "la connexion à CIC est suspendue" in problems[0].message


def test_errors_come_first_then_the_nearest_expiry():
    problems = renewal_warnings(
        [
            consent(dt.date(2026, 12, 30), bank="Société Générale", consent_id="a"),
            consent(dt.date(2026, 12, 20), bank="Crédit Agricole", consent_id="b"),
            consent(dt.date(2026, 12, 1), bank="BNP Paribas", consent_id="c"),
            consent(dt.date(2027, 6, 1), bank="La Banque Postale", consent_id="d"),
        ],
        TODAY,
    )

    assert [p.message.split(" expire")[0].split(" a expiré")[0] for p in problems] == [
        "la connexion à BNP Paribas",
        "la connexion à Crédit Agricole",
        "la connexion à Société Générale",
    ]
    assert [p.severity for p in problems] == [Severity.ERROR, Severity.WARNING, Severity.WARNING]


def test_a_bank_without_a_name_is_named_by_its_id():
    problems = renewal_warnings([consent(dt.date(2026, 12, 24), bank="")], TODAY)

    assert problems[0].message.startswith("la connexion à BNP_PARIBAS_BNPAFRPP expire le")
