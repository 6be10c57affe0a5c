"""Analytic fixtures: an axis with its tags, and a purchase to tag."""

from __future__ import annotations

import pytest


@pytest.fixture
def activity(company):
    from tenue.analytics.services import axis_create, tag_create

    axis = axis_create(company=company, name="Activité")
    for name in ("Boulangerie", "Pâtisserie", "Traiteur"):
        tag_create(axis=axis, name=name)
    return axis


@pytest.fixture
def tags(activity):
    return {t.name: t for t in activity.tags.all()}


@pytest.fixture
def purchase(post):
    """A purchase of 100,00 € HT (line 1, account 601), its VAT and its supplier."""
    return post(
        "AC",
        "2025-03-01",
        ("601", "100.00", ""),
        ("44566", "20.00", ""),
        ("401", "", "120.00"),
        label="Moulins de Brie facture 12",
    )


@pytest.fixture
def charge_line(purchase):
    return purchase.lines.get(position=1)
