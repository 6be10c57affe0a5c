"""The one permission service: every view, API call and service asks here.

`None` as the actor means the local operator at the command line (who owns the installation and
its database file); every web request has a real user.

Who may do what:
- view: firm admins of the dossier's firm, accountants assigned to it, the company's own users;
- post / validate / letter: firm admins and assigned accountants (the company's users drop
  documents and tag, they do not keep the books);
- manage (create dossiers, assign people): firm admins.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from tenue.firms.models import Company, FirmRole


class Action(StrEnum):
    VIEW = "view"
    POST = "post"
    VALIDATE = "validate"
    MANAGE = "manage"


def visible_companies(user: Any) -> QuerySet[Company]:
    """The dossiers a user may see (none for an anonymous or inactive user)."""
    if user is None:
        return Company.objects.all()
    if not user.is_authenticated or not user.is_active:
        return Company.objects.none()
    return Company.objects.filter(
        Q(firm__memberships__user=user, firm__memberships__role=FirmRole.FIRM_ADMIN)
        | Q(assignments__user=user)
        | Q(memberships__user=user)
    ).distinct()


def _bookkeepers(company: Company) -> Q:
    return Q(
        firm_memberships__firm=company.firm_id, firm_memberships__role=FirmRole.FIRM_ADMIN
    ) | Q(assignments__company=company)


def allowed(user: Any, action: Action, company: Company) -> bool:
    if user is None:
        return True
    if not user.is_authenticated or not user.is_active:
        return False
    from django.contrib.auth import get_user_model

    users = get_user_model().objects.filter(pk=user.pk)
    if action is Action.VIEW:
        return users.filter(
            _bookkeepers(company) | Q(company_memberships__company=company)
        ).exists()
    if action in (Action.POST, Action.VALIDATE):
        return users.filter(_bookkeepers(company)).exists()
    return users.filter(
        firm_memberships__firm=company.firm_id, firm_memberships__role=FirmRole.FIRM_ADMIN
    ).exists()


def require(user: Any, action: Action, company: Company) -> None:
    """Raise PermissionDenied unless `user` may do `action` on `company`."""
    if not allowed(user, action, company):
        raise PermissionDenied(f"Action « {action} » non autorisée sur le dossier {company.slug}")


def company_for(user: Any, slug: str, action: Action = Action.VIEW) -> Company:
    """The dossier `slug` if the user may see it; 404 otherwise (its existence is not revealed),
    403 when the user sees it but may not do `action`."""
    company = visible_companies(user).filter(slug=slug).select_related("firm").first()
    if company is None:
        raise Http404("Dossier introuvable")
    require(user, action, company)
    return company
