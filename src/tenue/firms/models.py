"""Firm, Company (dossier), memberships and the audit log.

Roles (see GLOSSARY): firm roles `firm_admin` (expert-comptable) and `accountant` (collaborateur);
company roles `owner` (dirigeant), `cfo` (DAF), `staff` (collaborateur de l'entreprise).
An accountant sees only the dossiers he is assigned to; a firm admin sees all of the firm's.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Firm(models.Model):
    name = models.CharField("nom", max_length=200)
    slug = models.SlugField(unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "cabinet"

    def __str__(self) -> str:
        return self.name


class VatRegime(models.TextChoices):
    NORMAL = "normal", "Réel normal (CA3 mensuelle)"
    NORMAL_QUARTERLY = "normal_quarterly", "Réel normal (CA3 trimestrielle)"
    SIMPLIFIED = "simplified", "Réel simplifié (CA12)"
    FRANCHISE = "franchise", "Franchise en base"


class AccountingMode(models.TextChoices):
    ACCRUAL = "accrual", "Engagement"
    CASH = "cash", "Trésorerie"


class Company(models.Model):
    firm = models.ForeignKey(Firm, on_delete=models.PROTECT, related_name="companies")
    name = models.CharField("raison sociale", max_length=200)
    slug = models.SlugField(unique=True)
    siren = models.CharField("SIREN", max_length=9)
    vat_regime = models.CharField(
        "régime de TVA", max_length=20, choices=VatRegime.choices, default=VatRegime.NORMAL
    )
    accounting_mode = models.CharField(
        "comptabilité",
        max_length=10,
        choices=AccountingMode.choices,
        default=AccountingMode.ACCRUAL,
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "dossier"
        constraints = [
            models.UniqueConstraint(fields=["firm", "siren"], name="company_siren_unique_in_firm"),
        ]

    def __str__(self) -> str:
        return self.name


class FirmRole(models.TextChoices):
    FIRM_ADMIN = "firm_admin", "Expert-comptable"
    ACCOUNTANT = "accountant", "Collaborateur"


class CompanyRole(models.TextChoices):
    OWNER = "owner", "Dirigeant"
    CFO = "cfo", "DAF"
    STAFF = "staff", "Collaborateur de l'entreprise"


class FirmMembership(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="firm_memberships"
    )
    firm = models.ForeignKey(Firm, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=FirmRole.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "firm"], name="firm_member_once")]


class Assignment(models.Model):
    """An accountant of the firm assigned to a dossier."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="assignments"
    )
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="assignments")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "company"], name="assignment_once"),
        ]


class CompanyMembership(models.Model):
    """A user of the client company itself."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="company_memberships"
    )
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=CompanyRole.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "company"], name="company_member_once"),
        ]


class AuditEvent(models.Model):
    """Who changed what, when. Written by services, never by views."""

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    firm = models.ForeignKey(Firm, on_delete=models.CASCADE, null=True, related_name="+")
    company = models.ForeignKey(Company, on_delete=models.CASCADE, null=True, related_name="+")
    action = models.CharField(max_length=60)
    object_type = models.CharField(max_length=60, blank=True)
    object_id = models.CharField(max_length=60, blank=True)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["company", "at"])]


class ApiToken(models.Model):
    """A bearer token for the JSON API, acting as its user. Only its SHA-256 is kept: the token
    itself is shown once, when it is made."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100)
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
