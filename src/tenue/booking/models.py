"""Booking persistence: what reading a document found, the entry it proposes, what was learned.

- `DocumentReading`: one per document, the latest reading (method, invoice fields with their
  confidence and place, problems, visible text); re-reading replaces it (idempotent task).
- `EntryProposal` (proposition d'écriture): the entry proposed for a document, its confidence and
  reasons, its status (to review, posted, duplicate, nothing to book); once posted it points to
  the entry and never changes again.
- `Correction`: an accountant's change of the proposed account, fed to the suggestions at once.
- `BookingSettings`: the dossier's auto-post threshold and expense-report account.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from tenue.documents.models import Document
from tenue.firms.models import Company
from tenue.ledger.models import Entry, ThirdParty


class ExpenseReportAccount(models.TextChoices):
    PARTNER = "467", "467 — Autres comptes débiteurs ou créditeurs (dirigeant, associé)"
    EMPLOYEE = "421", "421 — Personnel, rémunérations dues (salarié)"


class BookingSettings(models.Model):
    company = models.OneToOneField(
        Company, on_delete=models.CASCADE, related_name="booking_settings"
    )
    auto_post_threshold = models.PositiveSmallIntegerField(
        "seuil de comptabilisation automatique (%)",
        default=90,
        help_text="au-dessus, la pièce est comptabilisée sans revue ; 101 : jamais",
    )
    expense_report_account = models.CharField(
        "compte des notes de frais",
        max_length=3,
        choices=ExpenseReportAccount.choices,
        default=ExpenseReportAccount.PARTNER,
    )
    purchase_journal = models.CharField("journal des achats", max_length=10, default="AC")
    sale_journal = models.CharField("journal des ventes", max_length=10, default="VE")
    expense_report_journal = models.CharField(
        "journal des notes de frais", max_length=10, default="OD"
    )

    EXPENSE_CHOICES = ExpenseReportAccount.choices

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(auto_post_threshold__lte=101), name="booking_threshold_percent"
            )
        ]


class ReadingStatus(models.TextChoices):
    READ = "read", "Lue"
    FAILED = "failed", "Illisible"


class DocumentReading(models.Model):
    document = models.OneToOneField(Document, on_delete=models.CASCADE, related_name="reading")
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=10, choices=ReadingStatus.choices)
    method = models.CharField("lecture", max_length=10, blank=True)
    invoice = models.JSONField(default=dict)
    fields = models.JSONField(default=list)
    problems = models.JSONField(default=list)
    text = models.TextField(blank=True)
    pages = models.PositiveSmallIntegerField(default=0)
    # What duplicate detection compares (same supplier, number and amount, whatever the file).
    party_key = models.CharField(max_length=40, blank=True)
    number = models.CharField(max_length=60, blank=True)
    total_ttc = models.DecimalField(max_digits=15, decimal_places=2, null=True, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    read_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [
            models.Index(fields=["company", "party_key", "number"], name="reading_duplicate_idx")
        ]


class ProposalStatus(models.TextChoices):
    TO_REVIEW = "to_review", "À revoir"
    POSTED = "posted", "Comptabilisée"
    DUPLICATE = "duplicate", "Doublon"
    NOTHING = "nothing", "Rien à comptabiliser"


class PostedHow(models.TextChoices):
    AUTO = "auto", "Automatiquement"
    REVIEW = "review", "Après revue"


class EntryProposal(models.Model):
    document = models.OneToOneField(Document, on_delete=models.CASCADE, related_name="proposal")
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=10, choices=ProposalStatus.choices)
    side = models.CharField(max_length=15)
    journal = models.CharField(max_length=10)
    date = models.DateField(null=True, blank=True)
    label = models.CharField(max_length=200, blank=True)
    piece_ref = models.CharField(max_length=60, blank=True)
    third_party = models.ForeignKey(
        ThirdParty, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    new_third_party = models.JSONField(
        default=dict, blank=True, help_text="tiers à créer à la comptabilisation"
    )
    lines = models.JSONField(default=list)
    confidence = models.PositiveSmallIntegerField(default=0)  # percent
    reasons = models.JSONField(default=list)
    problems = models.JSONField(default=list)
    duplicate_of = models.ForeignKey(
        Document, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    entry = models.OneToOneField(
        Entry, on_delete=models.PROTECT, null=True, blank=True, related_name="proposal"
    )
    posted_how = models.CharField(max_length=10, choices=PostedHow.choices, blank=True)
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["company", "status"], name="proposal_status_idx")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="posted") | Q(entry__isnull=False),
                name="proposal_posted_has_entry",
            )
        ]


class Correction(models.Model):
    """The accountant booked another account than the one proposed: learned at once."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    document = models.ForeignKey(Document, on_delete=models.SET_NULL, null=True, related_name="+")
    third_party = models.ForeignKey(
        ThirdParty, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    party_key = models.CharField(max_length=40)
    label = models.CharField(max_length=200, blank=True)
    side = models.CharField(max_length=15)
    proposed = models.CharField(max_length=20, blank=True)
    account = models.CharField(max_length=20)
    vat_rate = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
