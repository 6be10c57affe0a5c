from decimal import Decimal

import pytest

from tenue.core import money


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1 234,56", "1234.56"),
        ("1\u202f234,56", "1234.56"),
        ("1\u00a0234,56 €", "1234.56"),
        ("-12,5", "-12.50"),
        ("1234.56", "1234.56"),
        ("0,1", "0.10"),
        ("+7", "7.00"),
        ("1 000 000,00", "1000000.00"),
    ],
)
def test_parse_french_and_dotted(text, expected):
    assert money.parse(text) == Decimal(expected)
    assert money.parse(text).as_tuple().exponent == -2


@pytest.mark.parametrize("text", ["", "abc", "1.234,56", "12,345,6", "1,2.3", "1,234", "12.345"])
def test_parse_refuses_ambiguous_or_garbage(text):
    with pytest.raises(money.MoneyError):
        money.parse(text)


def test_float_is_refused():
    with pytest.raises(money.MoneyError, match="float"):
        money.to_money(0.1)
    with pytest.raises(money.MoneyError):
        money.to_money(True)
    with pytest.raises(money.MoneyError):
        money.quantize(1.5)


def test_quantize_rounds_half_up_to_the_cent():
    assert money.quantize(Decimal("0.005")) == Decimal("0.01")
    assert money.quantize(Decimal("2.675")) == Decimal("2.68")
    assert money.quantize(Decimal("-0.005")) == Decimal("-0.01")


def test_format_french():
    assert money.format_amount(Decimal("1234.5")) == "1\u202f234,50\u00a0€"
    assert money.format_amount(Decimal("-1234567.891"), currency=None) == "-1\u202f234\u202f567,89"
    assert money.format_amount(Decimal("0"), currency=None, blank_zero=True) == ""
    assert money.format_plain(Decimal("1234.5")) == "1234.50"


def test_cents_round_trip():
    assert money.to_cents(Decimal("1234.56")) == 123456
    assert money.from_cents(-5) == Decimal("-0.05")
    for cents in (0, 1, 99, 100, 123456789):
        assert money.to_cents(money.from_cents(cents)) == cents


def test_parse_then_format_round_trip():
    for text in ("0,01", "12,00", "999\u202f999,99", "-3,40"):
        assert money.format_amount(money.parse(text), currency=None) == text
