"""A small hand-made dossier for the VAT return tests (reports, web, CLI).

March 2025, CA3 (amounts by hand in tests/reports/test_vat.py):
- credit of 450,00 carried on 44567 (opening entry);
- sale of goods at 20 % on the sub-account 445711: 1 000,40 + 200,08;
- sale at 5,5 % on the plain 44571 (rate from the ratio): 500,03 + 27,50;
- purchase of goods: 800,00 + 160,00 (44566); purchase of a fixed asset: 2 000,00 + 400,00 (44562);
- service invoiced in February under VAT on receipts: 2 500,00 + 500,00 on 44574, paid 1 200,00
  on 15 March (40 %) and 1 800,00 on 10 April; another one invoiced 25 March (500,00 + 100,00),
  paid 20 April;
- intra-EU acquisition from a German supplier: 5 000,00, reverse charge 1 000,00 (4452 / 445662);
- intra-EU delivery to a Belgian customer 3 000,00 (F2) and an export 700,00 on 70780 (E1).
April adds a sale at 20 % (10 000,00 + 2 000,00), one at 10 % on 445712 (2 344,40 + 234,44) and a
purchase (100,10 + 20,02).
"""

from __future__ import annotations

from datetime import date

from tenue.ledger.models import Line, ThirdPartyKind
from tenue.ledger.services import account_create, lettering_apply, third_party_create
from tenue.reports.services import vat_settings_update

GERMAN_VAT = "DE136695976"
BELGIAN_VAT = "BE0403019261"


def _line(entry, account: str) -> Line:
    return entry.lines.get(account__number=account)


def open_accounts(company) -> None:
    for number, label in (
        ("445711", "TVA collectée 20 %"),
        ("445712", "TVA collectée 10 %"),
        ("44574", "TVA collectée sur encaissements en attente"),
        ("44564", "TVA déductible sur encaissements en attente"),
        ("445662", "TVA déductible intracommunautaire"),
        ("70780", "Ventes de marchandises à l'export"),
    ):
        account_create(company=company, number=number, label=label)
    for kind, aux, name, vat_number in (
        (ThirdPartyKind.CUSTOMER, "CDUP", "Dupont SARL", ""),
        (ThirdPartyKind.CUSTOMER, "CSER", "Services Clients SAS", ""),
        (ThirdPartyKind.CUSTOMER, "CBEL", "Brussels NV", BELGIAN_VAT),
        (ThirdPartyKind.CUSTOMER, "CEXP", "Montreal Inc", ""),
        (ThirdPartyKind.SUPPLIER, "FDUR", "Durand SA", ""),
        (ThirdPartyKind.SUPPLIER, "FDE", "Berlin GmbH", GERMAN_VAT),
    ):
        third_party_create(
            company=company, kind=kind, aux_number=aux, name=name, vat_number=vat_number
        )
    vat_settings_update(company=company, services_exigibility="receipts", export_accounts=["70780"])


def march_books(company, post) -> dict[str, object]:
    """Post the March dossier; returns the entries the tests look at."""
    open_accounts(company)
    books: dict[str, object] = {}
    post("AN", "2025-01-01", ("44567", "450.00", ""), ("101", "", "450.00"), label="À-nouveaux")
    books["service_feb"] = post(
        "VE",
        "2025-02-20",
        ("411", "3000.00", ""),
        ("706", "", "2500.00"),
        ("44574", "", "500.00"),
        aux={0: "CSER"},
        label="Services Clients — F2025-010",
    )
    books["sale_20"] = post(
        "VE",
        "2025-03-03",
        ("411", "1200.48", ""),
        ("707", "", "1000.40"),
        ("445711", "", "200.08"),
        aux={0: "CDUP"},
        label="Dupont — F2025-020",
    )
    books["purchase"] = post(
        "AC",
        "2025-03-05",
        ("607", "800.00", ""),
        ("44566", "160.00", ""),
        ("401", "", "960.00"),
        aux={2: "FDUR"},
        label="Durand — marchandises",
    )
    books["sale_55"] = post(
        "VE",
        "2025-03-10",
        ("411", "527.53", ""),
        ("707", "", "500.03"),
        ("44571", "", "27.50"),
        aux={0: "CDUP"},
        label="Dupont — F2025-021 (5,5 %)",
    )
    books["asset"] = post(
        "AC",
        "2025-03-12",
        ("2183", "2000.00", ""),
        ("44562", "400.00", ""),
        ("404", "", "2400.00"),
        label="Ordinateurs",
    )
    books["payment_mar"] = post(
        "BQ",
        "2025-03-15",
        ("512", "1200.00", ""),
        ("411", "", "1200.00"),
        aux={1: "CSER"},
        label="Acompte Services Clients",
    )
    books["acquisition"] = post(
        "AC",
        "2025-03-18",
        ("607", "5000.00", ""),
        ("445662", "1000.00", ""),
        ("4452", "", "1000.00"),
        ("401", "", "5000.00"),
        aux={3: "FDE"},
        label="Berlin GmbH — acquisition intracommunautaire",
    )
    books["delivery_eu"] = post(
        "VE",
        "2025-03-20",
        ("411", "3000.00", ""),
        ("707", "", "3000.00"),
        aux={0: "CBEL"},
        label="Brussels — livraison intracommunautaire",
    )
    books["export"] = post(
        "VE",
        "2025-03-22",
        ("411", "700.00", ""),
        ("70780", "", "700.00"),
        aux={0: "CEXP"},
        label="Montreal — exportation",
    )
    books["service_mar"] = post(
        "VE",
        "2025-03-25",
        ("411", "600.00", ""),
        ("706", "", "500.00"),
        ("44574", "", "100.00"),
        aux={0: "CSER"},
        label="Services Clients — F2025-030",
    )
    books["payment_apr"] = post(
        "BQ",
        "2025-04-10",
        ("512", "1800.00", ""),
        ("411", "", "1800.00"),
        aux={1: "CSER"},
        label="Solde Services Clients",
    )
    lettering_apply(
        lines=[_line(books["service_feb"], "411"), _line(books["payment_mar"], "411")],
        on=date(2025, 3, 15),
    )
    lettering_apply(
        lines=[_line(books["service_feb"], "411"), _line(books["payment_apr"], "411")],
        on=date(2025, 4, 10),
    )
    return books


def april_books(company, post, books: dict[str, object]) -> None:
    """April, after March: the entries the April test counts by hand."""
    post(
        "AC",
        "2025-04-08",
        ("6064", "100.10", ""),
        ("44566", "20.02", ""),
        ("401", "", "120.12"),
        aux={2: "FDUR"},
        label="Durand — fournitures",
    )
    post(
        "VE",
        "2025-04-15",
        ("411", "12000.00", ""),
        ("707", "", "10000.00"),
        ("445711", "", "2000.00"),
        aux={0: "CDUP"},
        label="Dupont — F2025-040",
    )
    post(
        "VE",
        "2025-04-16",
        ("411", "2578.84", ""),
        ("707", "", "2344.40"),
        ("445712", "", "234.44"),
        aux={0: "CDUP"},
        label="Dupont — F2025-041 (10 %)",
    )
    payment = post(
        "BQ",
        "2025-04-20",
        ("512", "600.00", ""),
        ("411", "", "600.00"),
        aux={1: "CSER"},
        label="Règlement F2025-030",
    )
    lettering_apply(
        lines=[_line(books["service_mar"], "411"), _line(payment, "411")], on=date(2025, 4, 20)
    )
