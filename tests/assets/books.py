"""Entries read back as (account, debit, credit) texts, posted or computed by the core."""

from __future__ import annotations


def rows(entry) -> list[tuple[str, str, str]]:  # type: ignore[no-untyped-def]
    """A posted entry's lines as (account, debit, credit) texts, in their order."""
    return [
        (x.account.number, f"{x.debit:.2f}", f"{x.credit:.2f}")
        for x in entry.lines.select_related("account").order_by("position")
    ]


def core_rows(entry) -> list[tuple[str, str, str]]:  # type: ignore[no-untyped-def]
    """A core entry's lines in the same shape."""
    return [(x.account, f"{x.debit:.2f}", f"{x.credit:.2f}") for x in entry.lines]
