from django.contrib.auth import views as auth_views
from django.urls import path

from tenue.web import (
    analytics,
    assets,
    bank,
    bank_connections,
    bank_rules,
    closing,
    review,
    statements,
    vat,
    views,
)
from tenue.web.bank_merge import bank_merge

app_name = "web"

urlpatterns = [
    path(
        "connexion/",
        auth_views.LoginView.as_view(
            template_name="web/login.html", redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("deconnexion/", auth_views.LogoutView.as_view(), name="logout"),
    path("", views.portfolio, name="portfolio"),
    path("dossiers/<slug:slug>/", views.dossier_home, name="dossier"),
    path("dossiers/<slug:slug>/journal/", views.journal, name="journal"),
    path("dossiers/<slug:slug>/grand-livre/", views.general_ledger, name="ledger"),
    path("dossiers/<slug:slug>/balance/", views.balance, name="balance"),
    path("dossiers/<slug:slug>/tva/", vat.vat_page, name="vat"),
    path("dossiers/<slug:slug>/etats/", statements.index, name="statements"),
    path(
        "dossiers/<slug:slug>/etats/export.<str:extension>",
        statements.export,
        name="statements_export",
    ),
    path("dossiers/<slug:slug>/etats/<str:page>/", statements.statement, name="statement"),
    path(
        "dossiers/<slug:slug>/etats/<str:page>/<str:code>/",
        statements.detail,
        name="statement_detail",
    ),
    path("dossiers/<slug:slug>/cloture/", closing.closing_page, name="closing"),
    path("dossiers/<slug:slug>/imports/", views.transfers, name="transfers"),
    path("dossiers/<slug:slug>/pieces/", views.documents, name="documents"),
    path("dossiers/<slug:slug>/revue/", review.queue, name="review_queue"),
    path("dossiers/<slug:slug>/revue/<int:pk>/", review.review, name="review"),
    path("dossiers/<slug:slug>/banque/", bank.bank, name="bank"),
    path("dossiers/<slug:slug>/banque/regles/", bank_rules.rules_page, name="bank_rules"),
    path(
        "dossiers/<slug:slug>/banque/connexions/",
        bank_connections.connections_page,
        name="bank_connections",
    ),
    path(
        "dossiers/<slug:slug>/banque/connexions/retour/",
        bank_connections.connections_return,
        name="bank_connections_return",
    ),
    path(
        "dossiers/<slug:slug>/banque/rapprochement/",
        bank.reconciliation,
        name="bank_reconciliation",
    ),
    path(
        "dossiers/<slug:slug>/banque/rapprochement/<int:pk>/",
        bank.reconciliation_detail,
        name="bank_reconciliation_detail",
    ),
    path(
        "dossiers/<slug:slug>/banque/rapprochement/<int:pk>/pdf",
        bank.reconciliation_pdf,
        name="bank_reconciliation_pdf",
    ),
    path("dossiers/<slug:slug>/banque/fusion/", bank_merge, name="bank_merge"),
    path("dossiers/<slug:slug>/pieces-manquantes/", bank.missing, name="missing_documents"),
    path("dossiers/<slug:slug>/immobilisations/", assets.fixed_assets, name="assets"),
    path(
        "dossiers/<slug:slug>/immobilisations/modele.<str:extension>",
        assets.register_template,
        name="assets_template",
    ),
    path("dossiers/<slug:slug>/emprunts/", assets.loans, name="loans"),
    path("dossiers/<slug:slug>/credits-bail/", assets.leases, name="leases"),
    path("dossiers/<slug:slug>/parametres/", views.dossier_settings, name="settings"),
    path("dossiers/<slug:slug>/ged/", views.folders, name="folders"),
    path("dossiers/<slug:slug>/ged/<int:folder_id>/", views.folders, name="folder"),
    path("dossiers/<slug:slug>/pieces/<int:pk>/", views.document, name="document"),
    path("dossiers/<slug:slug>/pieces/<int:pk>/fichier", views.document_file, name="document_file"),
    path("dossiers/<slug:slug>/imports/<str:job_id>/", views.import_job, name="import_job"),
    path("dossiers/<slug:slug>/fec/", views.fec_download, name="fec_download"),
    path(
        "dossiers/<slug:slug>/modele-ecritures.<str:extension>",
        views.entries_template,
        name="entries_template",
    ),
    *analytics.urlpatterns,
]
