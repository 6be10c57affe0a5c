"""Documents (pièces) of a dossier.

A document is one file in storage, identified in its dossier by its SHA-256: the same file sent
twice is stored once, and its second arrival is a row of its own, with status `duplicate` and a
link to the first. Nothing is ever hard-deleted: deletion sets `deleted_at`, and the file stays
retrievable.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from tenue.firms.models import Company


class Category(models.TextChoices):
    PURCHASE = "purchase", "Achat"
    SALE = "sale", "Vente"
    EXPENSE_REPORT = "expense_report", "Note de frais"
    ADMIN = "admin", "Administratif"


class Channel(models.TextChoices):
    UPLOAD = "upload", "Dépôt"
    MOBILE = "mobile", "Mobile"
    EMAIL = "email", "E-mail"
    CONNECTOR = "connector", "Connecteur"
    API = "api", "API"


class Status(models.TextChoices):
    RECEIVED = "received", "Reçue"
    READING = "reading", "En lecture"
    TO_REVIEW = "to_review", "À revoir"
    BOOKED = "booked", "Comptabilisée"
    REJECTED = "rejected", "Rejetée"
    DUPLICATE = "duplicate", "Doublon"
    SPLIT = "split", "Découpée"  # kept as it came; its parts are documents of their own


class Document(models.Model):
    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="documents")
    file = models.FileField(max_length=300)
    sha256 = models.CharField(max_length=64)
    original_name = models.CharField("nom d'origine", max_length=255)
    size = models.PositiveBigIntegerField()
    kind = models.CharField("type détecté", max_length=10)
    category = models.CharField("catégorie", max_length=20, choices=Category.choices)
    channel = models.CharField("canal", max_length=10, choices=Channel.choices)
    sender = models.CharField("expéditeur", max_length=255, blank=True)
    received_at = models.DateTimeField("reçue le", auto_now_add=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RECEIVED)
    duplicate_of = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="duplicates"
    )
    split_from = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="parts"
    )
    folder = models.ForeignKey(
        "DocumentFolder",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="documents",
    )
    tags = models.JSONField(default=list, blank=True)
    comment = models.TextField("commentaire", blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = "pièce"
        ordering = ["-received_at", "-id"]
        constraints = [
            # one original per file and dossier; later arrivals are duplicates pointing to it
            models.UniqueConstraint(
                fields=["company", "sha256"],
                condition=Q(duplicate_of__isnull=True),
                name="document_original_once",
            ),
            models.CheckConstraint(
                condition=Q(status="duplicate", duplicate_of__isnull=False)
                | (~Q(status="duplicate") & Q(duplicate_of__isnull=True)),
                name="document_duplicate_has_original",
            ),
        ]
        indexes = [models.Index(fields=["company", "status"], name="document_status_idx")]

    def __str__(self) -> str:
        return self.original_name


class CollectionSettings(models.Model):
    """Who may send documents to a dossier's collection addresses, besides its own users."""

    company = models.OneToOneField(
        Company, on_delete=models.CASCADE, related_name="collection_settings"
    )
    allow_everyone = models.BooleanField(
        "accepter tous les expéditeurs",
        default=False,
        help_text="Attention : les adresses de collecte recevront aussi le courrier indésirable.",
    )
    allowed_senders = models.JSONField("expéditeurs autorisés", default=list, blank=True)


class MailStatus(models.TextChoices):
    ACCEPTED = "accepted", "Accepté"
    REFUSED = "refused", "Refusé"


class InboundMail(models.Model):
    """Every mail received on a collection address, accepted or refused, with the reason.
    `sha256` of the raw message makes a mail received twice (a sender retrying after a lost
    acknowledgement) processed once."""

    received_at = models.DateTimeField(auto_now_add=True)
    sha256 = models.CharField(max_length=64, unique=True)
    sender = models.CharField(max_length=255)
    recipients = models.JSONField(default=list)
    subject = models.CharField(max_length=255, blank=True)
    message_id = models.CharField(max_length=255, blank=True)
    status = models.CharField(max_length=10, choices=MailStatus.choices)
    reason = models.TextField(blank=True)
    documents = models.ManyToManyField(Document, blank=True, related_name="mails")


class FolderKind(models.TextChoices):
    PERMANENT = "permanent", "Dossier permanent"
    ACCOUNTING = "accounting", "Dossier comptable"
    YEAR = "year", "Exercice"
    CUSTOM = "custom", "Dossier"


class DocumentFolder(models.Model):
    """The dossier's document store ("Dossiers"): *Dossier permanent* and *Dossier comptable*
    with one sub-folder per fiscal year (made by `folders_ensure`), and the firm's own folders.
    A folder is visible to the client company's users or internal to the firm."""

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="folders")
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    name = models.CharField("nom", max_length=120)
    kind = models.CharField(max_length=10, choices=FolderKind.choices, default=FolderKind.CUSTOM)
    fiscal_year = models.OneToOneField(
        "ledger.FiscalYear", on_delete=models.PROTECT, null=True, blank=True, related_name="folder"
    )
    visible_to_client = models.BooleanField("visible par le client", default=True)

    class Meta:
        verbose_name = "dossier de la GED"
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "parent", "name"], name="folder_name_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.name
