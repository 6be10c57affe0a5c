"""Bank rules without a database: each condition, the order of rules, bounded regular
expressions, the preview, and the lines a rule books (HT + VAT = TTC to the cent)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from tenue.core import bank_rules as br
from tenue.core.problems import Refused

DAY = dt.date(2025, 3, 3)
IBAN = "FR7630006000011234567890189"
OTHER_IBAN = "FR1420041010050500013M02606"


def movement(amount: str, label: str = "", **kwargs: Any) -> br.Movement:
    return br.Movement(Decimal(amount), label, DAY, **kwargs)


def rule(name: str = "R", account: str = "6061", vat: str = "0", **conditions: str) -> br.Rule:
    return br.rule_from_dict(name, conditions, {"account": account, "vat_rate": vat})


def caught(r: br.Rule, *movements: br.Movement) -> list[bool]:
    return [br.matches(r.conditions, m) for m in movements]


# -- conditions ---------------------------------------------------------------------------------
def test_label_contains_ignores_case_accents_punctuation_and_what_lies_between_words():
    r = rule(label_contains="prélèvement edf")
    assert caught(
        r,
        movement("-45.10", "PRELEVEMENT SEPA E.D.F. 12/03"),  # "E D F" is not "EDF"
        movement("-45.10", "Prélèvement SEPA EDF mars"),
        movement("-45.10", "EDF PRELEVEMENT"),  # wrong order
        movement("-45.10", "PRLV EDF"),
    ) == [False, True, False, False]


def test_label_regex_is_searched_case_insensitively():
    r = rule(label_regex=r"^CB\s+AMAZON")
    assert caught(r, movement("-9.99", "cb amazon mktp"), movement("-9.99", "VIR CB AMAZON")) == [
        True,
        False,
    ]


def test_amount_range_is_on_the_absolute_amount_bounds_included():
    r = rule(label_contains="CB", amount_min="10,00", amount_max="50")
    assert caught(
        r,
        movement("-9.99", "CB"),
        movement("-10.00", "CB"),
        movement("50.00", "CB"),
        movement("-50.01", "CB"),
    ) == [False, True, True, False]


def test_direction_tells_money_in_from_money_out():
    out = rule(label_contains="AMAZON", direction="out")
    money_in = rule(label_contains="AMAZON", direction="in")
    refund, purchase = movement("12.00", "AMAZON"), movement("-12.00", "AMAZON")
    assert caught(out, refund, purchase) == [False, True]
    assert caught(money_in, refund, purchase) == [True, False]


def test_counterparty_name_and_iban():
    by_name = rule(counterparty_contains="durand")
    by_iban = rule(counterparty_iban="fr76 3000 6000 0112 3456 7890 189")
    durand = movement("-100", "VIR", counterparty="DURAND SA", counterparty_iban=IBAN)
    other = movement("-100", "VIR", counterparty="Martin", counterparty_iban=OTHER_IBAN)
    assert caught(by_name, durand, other) == [True, False]
    assert caught(by_iban, durand, other) == [True, False]


def test_bank_account_restricts_a_rule_to_one_of_the_dossiers_accounts():
    r = rule(label_contains="FRAIS", bank_account=OTHER_IBAN)
    assert caught(
        r,
        movement("-8", "FRAIS TENUE", bank_account=OTHER_IBAN),
        movement("-8", "FRAIS TENUE", bank_account=IBAN),
    ) == [True, False]


def test_all_conditions_must_hold():
    r = rule(label_contains="EDF", direction="out", amount_max="100")
    assert caught(
        r,
        movement("-45.10", "PRLV EDF"),
        movement("-145.10", "PRLV EDF"),
        movement("45.10", "REMB EDF"),
        movement("-45.10", "PRLV ENGIE"),
    ) == [True, False, False, False]


# -- order and preview --------------------------------------------------------------------------
def test_the_first_matching_rule_wins():
    amazon_prime = rule("Prime", "6278", label_contains="AMAZON PRIME")
    amazon = rule("Amazon", "6068", label_contains="AMAZON")
    prime = movement("-6.99", "CB AMAZON PRIME FR")
    goods = movement("-30.00", "CB AMAZON MKTP")
    assert br.first_matching([amazon_prime, amazon], prime) is amazon_prime
    assert br.first_matching([amazon, amazon_prime], prime) is amazon
    assert br.first_matching([amazon_prime, amazon], goods) is amazon
    assert br.first_matching([amazon_prime], movement("-1", "FRAIS")) is None


def test_preview_lists_the_movements_a_rule_would_catch_in_order():
    movements = [
        movement("-45.10", "PRLV EDF 03/25", ref=1),
        movement("-300.00", "CB AMAZON", ref=2),
        movement("-52.00", "PRLV EDF 04/25", ref=3),
        movement("52.00", "REMBT EDF", ref=4),
    ]
    r = rule(label_contains="EDF", direction="out")
    assert [m.ref for m in br.preview(r, movements)] == [1, 3]


# -- refused rules ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        ("PRLV (EDF", "expression régulière invalide"),
        ("(a+)+$", "une répétition dans une répétition"),
        ("(ab|a)*c", "une alternative dans une répétition"),
        (r"(\w+) \1", "renvois à un groupe"),
        (".*.*.*X", "trop coûteuse"),
        ("A" * 201, "trop longue"),
    ],
)
def test_a_bad_or_unbounded_regex_is_refused_in_french(pattern, message):
    with pytest.raises(Refused, match=message) as refused:
        rule(label_regex=pattern)
    assert refused.value.problems[0].field == "label_regex"


def test_bounded_regexes_are_accepted():
    for pattern in (r"PRLV.*EDF", r"^CB\s+\d{2}/\d{2}", r"(?:SEPA )?EDF", r"(?:PRLV|VIR) URSSAF"):
        assert br.regex_problems(pattern) == []


def test_every_problem_of_a_rule_is_reported_at_once():
    with pytest.raises(Refused) as refused:
        br.rule_from_dict(
            "",
            {"label_contains": "EDF", "amount_min": "50", "amount_max": "10", "color": "red"},
            {"account": "6061", "vat_rate": "19.6", "aux_number": "FDUR"},
        )
    fields = [p.field for p in refused.value.problems]
    assert fields == ["name", "conditions", "amount_min", "vat_rate", "aux_number"]
    assert "taux admis : 0, 2,1, 5,5, 10, 20" in str(refused.value)


def test_a_rule_needs_a_condition_on_what_the_movement_is():
    with pytest.raises(Refused, match="au moins une condition"):
        rule(direction="out")


def test_vat_only_on_an_expense_or_revenue_account_and_amounts_never_from_float():
    with pytest.raises(Refused, match="la TVA ne se ventile que sur"):
        rule(account="401", vat="20", label_contains="X")
    with pytest.raises(Refused, match="float"):
        br.rule_from_dict("R", {"amount_min": 10.5}, {"account": "6061"})
    with pytest.raises(Refused, match="float"):
        br.rule_from_dict("R", {"label_contains": "X"}, {"account": "6061", "vat_rate": 20.0})
    with pytest.raises(Refused, match="IBAN invalide"):
        rule(counterparty_iban="FR7630006000011234567890188")


def test_the_stored_form_round_trips():
    r = br.rule_from_dict(
        "EDF",
        {"label_contains": " PRLV  EDF ", "amount_max": "1 000,00", "direction": "out"},
        {
            "account": "6061",
            "vat_rate": "5,5",
            "analytics": [{"axis": "Site", "tag": "Lyon"}],
            "label": "Électricité",
        },
    )
    stored = br.rule_to_dict(r)
    assert stored == {
        "name": "EDF",
        "conditions": {"label_contains": "PRLV EDF", "amount_max": "1000.00", "direction": "out"},
        "actions": {
            "account": "6061",
            "vat_rate": "5.5",
            "analytics": [{"axis": "Site", "tag": "Lyon"}],
            "label": "Électricité",
        },
    }
    assert br.rule_from_dict(stored["name"], stored["conditions"], stored["actions"]) == r


# -- lines --------------------------------------------------------------------------------------
def balances(lines: tuple[br.Line, ...]) -> dict[str, Decimal]:
    return {line.account: line.debit - line.credit for line in lines}


def test_a_payment_at_20_percent_books_ht_and_deductible_vat_to_the_cent():
    r = rule(account="6061", vat="20", label_contains="EDF")
    lines = br.lines_for(r, movement("-45.10", "PRLV EDF"))
    assert balances(lines) == {"6061": Decimal("37.58"), "44566": Decimal("7.52")}
    assert [line.label for line in lines] == ["PRLV EDF", "TVA PRLV EDF"]


def test_money_in_on_a_revenue_account_books_collected_vat_on_the_credit_side():
    r = rule(account="706", vat="5.5", label_contains="VIR")
    lines = br.lines_for(r, movement("100.00", "VIR CLIENT"))
    assert balances(lines) == {"706": Decimal("-94.79"), "44571": Decimal("-5.21")}


def test_a_suppliers_refund_reverses_expense_and_deductible_vat():
    r = rule(account="6061", vat="20", label_contains="EDF")
    lines = br.lines_for(r, movement("45.10", "REMBT EDF"))
    assert balances(lines) == {"6061": Decimal("-37.58"), "44566": Decimal("-7.52")}


@pytest.mark.parametrize("rate", ["2.1", "5.5", "10", "20"])
@pytest.mark.parametrize("ttc", ["0.01", "0.99", "45.10", "1234.57", "99999.99"])
def test_ht_and_vat_always_add_up_to_the_amount(rate, ttc):
    ht, vat = br.split_ttc(Decimal(ttc), Decimal(rate))
    assert ht + vat == Decimal(ttc)
    assert abs(ht * Decimal(rate) / 100 - vat) <= Decimal("0.01")
    r = rule(account="6061", vat=rate, label_contains="X")
    lines = br.lines_for(r, movement(f"-{ttc}", "X"))
    assert sum(line.debit for line in lines) == Decimal(ttc)
    assert all(line.credit == 0 for line in lines)


def test_without_vat_one_line_and_a_third_party_keeps_its_aux_and_the_rewritten_label():
    r = br.rule_from_dict(
        "Durand",
        {"counterparty_contains": "DURAND"},
        {"account": "401", "aux_number": "fdur", "label": "Règlement Durand"},
    )
    [line] = br.lines_for(r, movement("-1200.00", "VIR SEPA 4471", counterparty="DURAND"))
    assert (line.account, line.aux_number, line.debit, line.credit, line.label) == (
        "401",
        "FDUR",
        Decimal("1200.00"),
        Decimal("0.00"),
        "Règlement Durand",
    )


# -- corrections --------------------------------------------------------------------------------
def test_the_label_key_drops_dates_numbers_and_card_digits():
    assert br.label_key("CB CARREFOUR 12/03 CARTE 4974XXXX1234") == "CB CARREFOUR CARTE"
    assert br.label_key("CB CARREFOUR 02/04 CARTE 4974XXXX1234") == "CB CARREFOUR CARTE"
    assert br.label_key("PRLV SEPA EDF Facture n° 2025-118 mars") == "PRLV SEPA EDF"
    assert br.label_key("CB XXXX 1234 Amazon.fr") == "CB AMAZON FR"


def test_a_suggested_rule_needs_a_word_that_is_not_an_operation_word():
    actions = br.Actions("6061", Decimal(20))
    suggested = br.suggested_rule("PRLV SEPA EDF", br.Direction.OUT, actions)
    assert suggested is not None
    assert suggested.name == "EDF"
    assert suggested.conditions == br.Conditions(
        label_contains="PRLV SEPA EDF", direction=br.Direction.OUT
    )
    assert br.suggested_rule("CB CARTE", br.Direction.OUT, actions) is None
