"""Axes, tags and splits: percentages refused above 100 %, amounts in error above the line until
fixed, tags in use never deleted, who may manage axes, removing a wrong tag in one action."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied

from tenue.analytics import selectors, services
from tenue.analytics.models import Axis, Split, Tag
from tenue.analytics.ventilation import Coverage
from tenue.core.problems import Refused
from tenue.firms.models import CompanyRole, FirmRole
from tenue.firms.services import company_member_add, firm_member_add

D = Decimal


def coverage_of(line, axis):  # type: ignore[no-untyped-def]
    found = selectors.coverages(line_amounts={line.pk: line.debit + line.credit}, axes=[axis])
    return found[line.pk][0]


def test_percent_split_refused_above_100_percent(charge_line, activity, tags):
    services.line_split_set(line=charge_line, tag=tags["Boulangerie"], percent=D("60"))
    services.line_split_set(line=charge_line, tag=tags["Pâtisserie"], percent=D("40"))
    with pytest.raises(Refused, match=r"dépasserait 100 % \(110 %\)") as refused:
        services.line_split_set(line=charge_line, tag=tags["Traiteur"], percent=D("10"))
    assert "ligne 1 de l'écriture AC 1" in str(refused.value)
    assert not Split.objects.filter(tag=tags["Traiteur"]).exists()
    # replacing a tag's own share is not adding to it: 60 % becomes 50 %, then 10 % fits
    services.line_split_set(line=charge_line, tag=tags["Boulangerie"], percent=D("50"))
    services.line_split_set(line=charge_line, tag=tags["Traiteur"], percent=D("10"))
    assert sorted(Split.objects.values_list("percent", "amount")) == [
        (D("10.00"), D("10.00")),
        (D("40.00"), D("40.00")),
        (D("50.00"), D("50.00")),
    ]
    with pytest.raises(Refused, match="au-dessus de 100 %"):
        services.line_split_set(line=charge_line, tag=tags["Traiteur"], percent=D("100.5"))


def test_percentages_give_amounts_that_add_up_to_the_cent(post, activity, tags):
    entry = post("AC", "2025-03-02", ("601", "0.10", ""), ("401", "", "0.10"))
    line = entry.lines.get(position=1)
    for name in ("Boulangerie", "Pâtisserie", "Traiteur"):
        services.line_split_set(line=line, tag=tags[name], percent=D("33.33"))
    amounts = list(Split.objects.filter(line=line).order_by("id").values_list("amount", flat=True))
    assert amounts == [D("0.03"), D("0.04"), D("0.03")]  # 99,99 % of 0,10 € is 0,10 €
    assert coverage_of(line, activity).coverage is Coverage.COMPLETE


def test_amount_split_is_in_error_above_the_line_until_fixed(charge_line, activity, tags):
    company = activity.company
    services.line_split_set(line=charge_line, tag=tags["Boulangerie"], percent=D("50"))
    split = services.line_split_set(line=charge_line, tag=tags["Traiteur"], amount=D("80.00"))
    cover = coverage_of(charge_line, activity)
    assert cover.in_error and cover.remainder == D("-30.00")
    [wrong] = selectors.tags_in_error(company=company)
    assert (wrong.line_id, wrong.axis, wrong.excess) == (charge_line.pk, "Activité", D("30.00"))
    status = selectors.analytics_status(company=company)
    assert (status.tags_in_error, status.lines_in_error) == (1, 1)

    services.line_split_set(line=charge_line, tag=tags["Traiteur"], amount=D("50.00"))
    assert not coverage_of(charge_line, activity).in_error
    assert selectors.tags_in_error(company=company) == []
    assert selectors.analytics_status(company=company).tags_in_error == 0
    assert Split.objects.get(pk=split.pk).amount == D("50.00")


def test_a_line_may_be_partly_tagged_and_its_remainder_is_reported(charge_line, activity, tags):
    services.line_split_set(line=charge_line, tag=tags["Boulangerie"], amount=D("30.00"))
    cover = coverage_of(charge_line, activity)
    assert (cover.coverage, cover.tagged, cover.remainder) == (
        Coverage.PARTIAL,
        D("30.00"),
        D("70.00"),
    )


def test_many_lines_at_once_all_or_nothing(post, activity, tags):
    first = post("AC", "2025-03-03", ("601", "10.00", ""), ("401", "", "10.00")).lines.get(
        position=1
    )
    second = post("AC", "2025-03-04", ("6061", "20.00", ""), ("401", "", "20.00")).lines.get(
        position=1
    )
    services.line_split_set(line=second, tag=tags["Pâtisserie"], percent=D("70"))
    with pytest.raises(Refused) as refused:
        services.lines_tag(lines=[first, second], tag=tags["Boulangerie"], percent=D("50"))
    assert [p.message for p in refused.value.problems] == [
        "ligne 1 de l'écriture AC 2 : la ventilation dépasserait 100 % (120 %)"
    ]
    assert not Split.objects.filter(tag=tags["Boulangerie"]).exists()
    services.lines_tag(lines=[first, second], tag=tags["Boulangerie"], percent=D("30"))
    assert Split.objects.filter(tag=tags["Boulangerie"]).count() == 2
    assert services.lines_untag(lines=[first, second], tag=tags["Boulangerie"]) == 2


def test_removing_a_wrong_tag_is_one_action(charge_line, tags):
    split = services.line_split_set(line=charge_line, tag=tags["Traiteur"], percent=D("100"))
    services.split_remove(split=split)
    assert not Split.objects.filter(line=charge_line).exists()


def test_deleting_a_used_tag_or_axis_is_refused(charge_line, activity, tags):
    services.line_split_set(line=charge_line, tag=tags["Traiteur"], percent=D("100"))
    with pytest.raises(Refused, match="utilisé sur 1 ligne d'écriture"):
        services.tag_delete(tag=tags["Traiteur"])
    with pytest.raises(Refused, match="l'axe « Activité » est utilisé sur 1 ligne"):
        services.axis_delete(axis=activity)
    assert Tag.objects.filter(pk=tags["Traiteur"].pk).exists()
    # renamed at any time; an unused tag goes
    services.tag_rename(tag=tags["Traiteur"], name="Traiteur et événements")
    services.axis_rename(axis=activity, name="Métier")
    services.tag_delete(tag=tags["Pâtisserie"])
    assert sorted(Tag.objects.values_list("name", flat=True)) == [
        "Boulangerie",
        "Traiteur et événements",
    ]
    split = Split.objects.get(line=charge_line)
    services.split_remove(split=split)
    services.axis_delete(axis=activity)
    assert not Axis.objects.exists()


def test_names_are_unique_whatever_their_case(company, activity):
    with pytest.raises(Refused, match="existe déjà"):
        services.axis_create(company=company, name="activité")
    with pytest.raises(Refused, match="existe déjà"):
        services.tag_create(axis=activity, name="  boulangerie ")
    assert services.tag_get_or_create(axis=activity, name="BOULANGERIE").name == "Boulangerie"


def test_axes_are_managed_by_the_firm_or_the_owner_and_cfo_others_only_tag(
    firm, company, charge_line
):
    users = get_user_model().objects
    admin = users.create_user("admin")
    firm_member_add(firm=firm, user=admin, role=FirmRole.FIRM_ADMIN)
    roles = {}
    for role in (CompanyRole.OWNER, CompanyRole.CFO, CompanyRole.STAFF):
        roles[role] = users.create_user(str(role))
        company_member_add(company=company, user=roles[role], role=role, by=admin)
    outsider = users.create_user("ailleurs")

    axis = services.axis_create(company=company, name="Site", by=roles[CompanyRole.OWNER])
    services.axis_rename(axis=axis, name="Sites", by=roles[CompanyRole.CFO])
    services.axis_create(company=company, name="Projet", by=admin)
    with pytest.raises(PermissionDenied):
        services.axis_create(company=company, name="Client", by=roles[CompanyRole.STAFF])
    with pytest.raises(PermissionDenied):
        services.axis_create(company=company, name="Client", by=outsider)
    # every user of the dossier tags, creating a tag on the fly
    tag = services.tag_create(axis=axis, name="Marché", by=roles[CompanyRole.STAFF])
    services.line_split_set(
        line=charge_line, tag=tag, percent=D("100"), by=roles[CompanyRole.STAFF]
    )
    with pytest.raises(PermissionDenied):
        services.line_split_set(line=charge_line, tag=tag, percent=D("50"), by=outsider)
    with pytest.raises(PermissionDenied):
        services.tag_rename(tag=tag, name="Marchés", by=roles[CompanyRole.STAFF])


def test_a_tag_of_another_dossier_is_refused(other_company, charge_line):
    axis = services.axis_create(company=other_company, name="Site")
    tag = services.tag_create(axis=axis, name="Ailleurs")
    with pytest.raises(Refused, match="introuvable dans le dossier"):
        services.line_split_set(line=charge_line, tag=tag, percent=D("10"))


def test_tags_are_kept_when_an_entry_is_rewritten(charge_line, purchase, tags):
    from tenue.core.entries import credit, debit
    from tenue.ledger.services import entry_update

    services.line_split_set(line=charge_line, tag=tags["Traiteur"], amount=D("40.00"))
    with services.splits_kept(entry=purchase):
        entry_update(
            entry=purchase,
            label=purchase.label,
            lines=[
                debit("601", "60.00"),
                debit("6061", "40.00"),
                debit("44566", "20.00"),
                credit("401", "120.00"),
            ],
        )
    assert sorted(
        Split.objects.filter(line__entry=purchase).values_list("line__account__number", "amount")
    ) == [("601", D("24.00")), ("6061", D("16.00"))]


def test_entries_to_tag_counts_charges_and_produits_without_any_tag(
    company, post, purchase, charge_line, activity, tags
):
    post("VE", "2025-03-05", ("411", "120.00", ""), ("706", "", "100.00"), ("44571", "", "20.00"))
    post("BQ", "2025-03-06", ("512", "120.00", ""), ("411", "", "120.00"))
    assert selectors.analytics_status(company=company).entries_to_tag == 2
    services.line_split_set(line=charge_line, tag=tags["Traiteur"], amount=D("1.00"))
    assert selectors.analytics_status(company=company).entries_to_tag == 1
