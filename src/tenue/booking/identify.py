"""Who the document is from (purchase) or for (sale), among the dossier's third parties.

In order of certainty: SIREN (also the one inside a SIRET or a French VAT number), VAT number,
IBAN, then the name by fuzzy match (rapidfuzz). A party found nowhere is a new third party,
proposed with a free auxiliary number and created only when the entry is posted.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from rapidfuzz import fuzz, process

from tenue.core.invoices import Party
from tenue.ledger.models import ThirdParty, ThirdPartyKind

NAME_MATCH = 90  # rapidfuzz score (0–100) from which a name designates the same third party
_LEGAL_FORMS = re.compile(
    r"\b(SAS|SASU|SARL|EURL|SA|SCI|SNC|SCOP|SELARL|SELAS|EI|EIRL|GIE|ETS|STE|SOCIETE)\b"
)


def normalize_name(name: str) -> str:
    """Upper case, no accents, no legal form, no punctuation: `Durand S.A.S.` -> `DURAND`."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().upper()
    text = re.sub(r"[.\-']", "", text)
    text = _LEGAL_FORMS.sub(" ", re.sub(r"[^A-Z0-9 ]", " ", text))
    return " ".join(text.split())


def siren_of(party: Party) -> str:
    if party.siren:
        return party.siren
    if len(party.siret) == 14:
        return party.siret[:9]
    vat = party.vat_number.upper().replace(" ", "")
    if vat.startswith("FR") and len(vat) == 13 and vat[4:].isdigit():
        return vat[4:]
    return ""


def party_key(*, siren: str = "", name: str = "") -> str:
    """The key history is learned under: the SIREN when known, else the normalized name."""
    return f"siren:{siren}" if siren else f"nom:{normalize_name(name)}"[:40]


def third_party_key(third_party: ThirdParty) -> str:
    return party_key(siren=third_party.siren, name=third_party.name)


@dataclass(frozen=True)
class Identified:
    third_party: ThirdParty | None
    reason: str
    confidence: float
    new: dict[str, Any]  # the third party to create when `third_party` is None


def identify(*, company: Any, party: Party, kind: ThirdPartyKind, iban: str = "") -> Identified:
    candidates = list(
        ThirdParty.objects.filter(company=company, kind=kind).select_related(
            "account", "default_account"
        )
    )
    what = "fournisseur" if kind == ThirdPartyKind.SUPPLIER else "client"
    siren = siren_of(party)
    if siren:
        for tp in candidates:
            if tp.siren == siren or tp.siret[:9] == siren:
                return Identified(tp, f"{what} reconnu par son SIREN {siren}", 1.0, {})
    vat = party.vat_number.upper().replace(" ", "")
    if vat:
        for tp in candidates:
            if tp.vat_number and tp.vat_number.upper() == vat:
                return Identified(tp, f"{what} reconnu par son n° de TVA {vat}", 1.0, {})
    if iban:
        for tp in candidates:
            if iban in (tp.ibans or []):
                return Identified(tp, f"{what} reconnu par son IBAN", 0.98, {})
    name = normalize_name(party.name)
    if name and candidates:
        names = {tp.pk: normalize_name(tp.name) for tp in candidates}
        best = process.extractOne(name, names, scorer=fuzz.token_sort_ratio)
        if best and best[1] >= NAME_MATCH:
            tp = next(t for t in candidates if t.pk == best[2])
            return Identified(
                tp,
                f"{what} reconnu par son nom « {tp.name} » (ressemblance {best[1]:.0f} %)",
                0.9 if best[1] < 100 else 0.95,
                {},
            )
    if not party.name and not siren:
        return Identified(None, f"{what} non lu sur la pièce", 0.0, {})
    new = {
        "kind": str(kind),
        "name": party.name.strip()[:200] or f"SIREN {siren}",
        "siren": siren,
        "siret": party.siret if len(party.siret) == 14 else "",
        "vat_number": vat,
        "aux_number": free_aux_number(company, party.name or siren, kind),
    }
    return Identified(None, f"nouveau {what} « {new['name']} » (sera créé)", 0.8, new)


def free_aux_number(company: Any, name: str, kind: ThirdPartyKind) -> str:
    """`F` (supplier) or `C` (customer) and the name's first letters, made unique in the dossier."""
    stem = ("F" if kind == ThirdPartyKind.SUPPLIER else "C") + (
        re.sub(r"[^A-Z0-9]", "", normalize_name(name))[:7] or "TIERS"
    )
    taken = set(
        ThirdParty.objects.filter(company=company, aux_number__startswith=stem).values_list(
            "aux_number", flat=True
        )
    )
    if stem not in taken:
        return stem
    n = 2
    while f"{stem}{n}" in taken:
        n += 1
    return f"{stem}{n}"
