import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.http import Http404

from tenue.firms.models import CompanyRole, FirmRole
from tenue.firms.permissions import Action, allowed, company_for, visible_companies
from tenue.firms.services import assignment_add, company_member_add, firm_member_add
from tenue.ledger.services import entry_post
from tests.conftest import make_entry


@pytest.fixture
def people(firm, company, other_company):
    users = {
        name: get_user_model().objects.create_user(name, password="x")
        for name in ("admin", "accountant", "owner", "stranger")
    }
    firm_member_add(firm=firm, user=users["admin"], role=FirmRole.FIRM_ADMIN)
    firm_member_add(firm=firm, user=users["accountant"], role=FirmRole.ACCOUNTANT)
    assignment_add(company=company, user=users["accountant"], by=users["admin"])
    company_member_add(
        company=company, user=users["owner"], role=CompanyRole.OWNER, by=users["admin"]
    )
    return users


def test_visibility_by_role(people, company, other_company):
    assert set(visible_companies(people["admin"])) == {company, other_company}
    assert set(visible_companies(people["accountant"])) == {company}
    assert set(visible_companies(people["owner"])) == {company}
    assert not visible_companies(people["stranger"]).exists()


def test_company_users_view_but_do_not_post(people, company):
    assert allowed(people["owner"], Action.VIEW, company)
    assert not allowed(people["owner"], Action.POST, company)
    assert allowed(people["accountant"], Action.POST, company)
    assert not allowed(people["accountant"], Action.MANAGE, company)
    with pytest.raises(PermissionDenied):
        entry_post(
            company=company,
            by=people["owner"],
            entry=make_entry("AC", "2025-01-05", ("6064", "1.00", ""), ("401", "", "1.00")),
        )


def test_company_for_hides_other_dossiers(people, company, other_company):
    with pytest.raises(Http404):
        company_for(people["accountant"], other_company.slug)
    with pytest.raises(Http404):
        company_for(people["owner"], "does-not-exist")
    with pytest.raises(PermissionDenied):
        company_for(people["owner"], company.slug, Action.POST)
    assert company_for(people["accountant"], company.slug) == company


def test_only_firm_admins_assign(people, company):
    with pytest.raises(PermissionDenied):
        assignment_add(company=company, user=people["stranger"], by=people["accountant"])
