"""Writes on firms, dossiers and people."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.text import slugify
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.fr import siren as stdnum_siren

from tenue.core.problems import Problem, Refused
from tenue.firms import audit
from tenue.firms.models import (
    AccountingMode,
    Assignment,
    Company,
    CompanyMembership,
    CompanyRole,
    Firm,
    FirmMembership,
    FirmRole,
    VatRegime,
)
from tenue.firms.permissions import Action, require


def siren_clean(value: str) -> str:
    """A SIREN checked with python-stdnum (9 digits, Luhn key), or Refused."""
    try:
        return str(stdnum_siren.validate(value))
    except StdnumError as exc:
        raise Refused([Problem(f"SIREN invalide « {value} » : {exc}", "siren")]) from exc


def firm_create(*, name: str, slug: str | None = None, by: Any = None) -> Firm:
    with transaction.atomic():
        firm = Firm.objects.create(name=name, slug=slug or slugify(name))
        audit.record(by=by, action="firm_create", firm=firm, obj=firm, name=name)
    return firm


def user_create(
    *, username: str, password: str, email: str = "", first_name: str = "", last_name: str = ""
) -> Any:
    user_model = get_user_model()
    if user_model.objects.filter(username=username).exists():
        raise Refused([Problem(f"L'identifiant « {username} » existe déjà", "username")])
    return user_model.objects.create_user(
        username=username,
        password=password,
        email=email,
        first_name=first_name,
        last_name=last_name,
    )


def firm_member_add(*, firm: Firm, user: Any, role: FirmRole, by: Any = None) -> FirmMembership:
    with transaction.atomic():
        membership, _ = FirmMembership.objects.update_or_create(
            firm=firm, user=user, defaults={"role": role}
        )
        audit.record(
            by=by,
            action="firm_member_add",
            firm=firm,
            obj=membership,
            user=user.username,
            role=role,
        )
    return membership


def company_create(
    *,
    firm: Firm,
    name: str,
    siren: str,
    slug: str,
    vat_regime: str = VatRegime.NORMAL,
    accounting_mode: str = AccountingMode.ACCRUAL,
    year_start: date,
    by: Any = None,
) -> Company:
    """A dossier with its books opened: first fiscal year, default journals, PCG accounts."""
    from tenue.ledger.services import books_open

    siren = siren_clean(siren)
    problems = []
    if Company.objects.filter(slug=slug).exists():
        problems.append(Problem(f"Le dossier « {slug} » existe déjà", "slug"))
    if Company.objects.filter(firm=firm, siren=siren).exists():
        problems.append(Problem(f"Un dossier du cabinet porte déjà le SIREN {siren}", "siren"))
    if slug != slugify(slug):
        problems.append(
            Problem(
                f"Identifiant de dossier invalide « {slug} » (minuscules, chiffres et tirets)",
                "slug",
            )
        )
    if problems:
        raise Refused(problems)
    with transaction.atomic():
        company = Company.objects.create(
            firm=firm,
            name=name,
            siren=siren,
            slug=slug,
            vat_regime=vat_regime,
            accounting_mode=accounting_mode,
        )
        books_open(company=company, year_start=year_start, by=by)
        audit.record(by=by, action="company_create", company=company, obj=company, name=name)
    return company


def assignment_add(*, company: Company, user: Any, by: Any = None) -> Assignment:
    require(by, Action.MANAGE, company)
    with transaction.atomic():
        assignment, _ = Assignment.objects.get_or_create(company=company, user=user)
        audit.record(
            by=by, action="assignment_add", company=company, obj=assignment, user=user.username
        )
    return assignment


def company_member_add(
    *, company: Company, user: Any, role: CompanyRole, by: Any = None
) -> CompanyMembership:
    require(by, Action.MANAGE, company)
    with transaction.atomic():
        membership, _ = CompanyMembership.objects.update_or_create(
            company=company, user=user, defaults={"role": role}
        )
        audit.record(
            by=by,
            action="company_member_add",
            company=company,
            obj=membership,
            user=user.username,
            role=role,
        )
    return membership


def api_token_create(*, user: Any, name: str) -> tuple[Any, str]:
    """A new API token for `user`: (the stored token, the secret to give once)."""
    import hashlib
    import secrets

    from tenue.firms.models import ApiToken

    secret = "tnu_" + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name,
        key_hash=hashlib.sha256(secret.encode()).hexdigest(),
        prefix=secret[:8],
    )
    audit.record(by=user, action="api_token_create", obj=token, name=name)
    return token, secret
