"""`tenue`: the command line. Thin: parse arguments, call one service or selector, print.

Every command that lists or reports accepts `--format json` (stable keys, amounts as strings with
a dot). Errors in user data are printed in French with what, where and why, and the command exits
with status 1; a refused request (permission) exits with 2.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from datetime import date
from typing import Any


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tenue.settings")
    import django

    django.setup()


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"date attendue au format AAAA-MM-JJ : {text!r}") from exc


def _company(slug: str) -> Any:
    from tenue.firms.models import Company

    company = Company.objects.filter(slug=slug).first()
    if company is None:
        raise SystemExit(f"Dossier inconnu : {slug}")
    return company


def write_template(module: Any, out: str | None) -> int:
    """A spreadsheet template (`module.template_csv`, `template_xlsx`, `TEMPLATE_DOC`): to `out`
    (.xlsx or .csv), or the CSV on stdout and its documentation on stderr."""
    from pathlib import Path

    if out:
        xlsx = out.endswith(".xlsx")
        data = module.template_xlsx() if xlsx else module.template_csv().encode("utf-8")
        Path(out).write_bytes(data)
        print(f"Modèle écrit : {out}")
    else:
        sys.stdout.write(module.template_csv())
        sys.stderr.write(module.TEMPLATE_DOC)
    return 0


def _print_json(payload: Any) -> None:
    import json

    print(json.dumps(payload, ensure_ascii=False, indent=2))


# --- commands -------------------------------------------------------------------------------


def cmd_dossier_create(args: argparse.Namespace) -> int:
    from tenue.firms.models import Firm
    from tenue.firms.services import company_create, firm_create

    firm = Firm.objects.filter(slug=args.firm).first() if args.firm else Firm.objects.first()
    if firm is None:
        firm = firm_create(name=args.firm_name or "Mon cabinet", slug=args.firm or None)
    company = company_create(
        firm=firm,
        name=args.name,
        siren=args.siren,
        slug=args.slug,
        year_start=args.year_start or date(date.today().year, 1, 1),
        vat_regime=args.vat_regime,
        accounting_mode=args.mode,
    )
    year = company.fiscal_years.get()
    if args.format == "json":
        _print_json(
            {
                "slug": company.slug,
                "name": company.name,
                "siren": company.siren,
                "firm": firm.slug,
                "fiscal_year": {"start": year.start.isoformat(), "end": year.end.isoformat()},
                "accounts": company.accounts.count(),
                "journals": list(company.journals.values_list("code", flat=True)),
            }
        )
    else:
        print(
            f"Dossier « {company.name} » créé ({company.slug}, SIREN {company.siren}) "
            f"dans le cabinet « {firm.name} » ; exercice {year}, "
            f"{company.accounts.count()} comptes, journaux "
            f"{', '.join(company.journals.values_list('code', flat=True))}."
        )
    return 0


def cmd_dossier_list(args: argparse.Namespace) -> int:
    from tenue.firms.models import Company

    rows = [
        {"slug": c.slug, "name": c.name, "siren": c.siren, "firm": c.firm.slug}
        for c in Company.objects.select_related("firm").order_by("slug")
    ]
    if args.format == "json":
        _print_json(rows)
    else:
        for row in rows:
            print(f"{row['slug']:<24} {row['siren']}  {row['name']}  ({row['firm']})")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from tenue import demo

    result = demo.demo_load(reset=args.reset, progress=not args.quiet)
    print(result.summary())
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from waitress import serve

    from tenue.wsgi import application

    print(f"tenue écoute sur http://{args.host}:{args.port}/  (Ctrl+C pour arrêter)", flush=True)
    serve(application, host=args.host, port=args.port, threads=args.threads, _quiet=True)
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from tenue.core.periods import Period
    from tenue.formats import tabular
    from tenue.ledger.models import FiscalYear
    from tenue.reports import selectors, tables

    company = _company(args.dossier)
    try:
        period = selectors.fiscal_year_period(company, args.year)
    except FiscalYear.DoesNotExist:
        raise SystemExit(
            f"Aucun exercice{f' clos en {args.year}' if args.year else ''} pour ce dossier"
        ) from None
    if args.start or args.end:
        period = Period(args.start or period.start, args.end or period.end)
    if args.kind == "statements":
        from tenue.cli.statements import cmd_report_statements

        return cmd_report_statements(args, company, period)
    if args.format == "pdf":
        raise SystemExit("Le format pdf n'existe que pour les états financiers (statements)")
    if args.kind == "balance":
        from tenue.ledger.models import ThirdPartyKind

        aux = {"suppliers": ThirdPartyKind.SUPPLIER, "customers": ThirdPartyKind.CUSTOMER}
        table = tables.balance_table(company, period, aux.get(args.aux or ""))
    elif args.kind == "ledger":
        table = tables.ledger_table(company, period, args.account or "")
    else:
        table = tables.journal_table(company, period, args.journal)
    if args.format == "xlsx":
        if not args.out:
            raise SystemExit("--out FICHIER est requis pour le format xlsx")
        with open(args.out, "wb") as fh:
            fh.write(tabular.to_xlsx(table))
        print(f"Écrit : {args.out}")
        return 0
    text = {"json": tabular.to_json, "csv": tabular.to_csv, "table": tabular.to_text}[args.format](
        table
    )
    return write_text(text, args.out)


def write_text(text: str, out: str | None) -> int:
    """A report's text to the file `out` (UTF-8, line ends kept), or to stdout."""
    if out:
        with open(out, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        print(f"Écrit : {out}")
    else:
        sys.stdout.write(text)
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    from tenue.ledger.models import Entry, EntryStatus
    from tenue.ledger.services import ledger_verify

    company = _company(args.dossier)
    problems = ledger_verify(company=company)
    validated = Entry.objects.filter(company=company, status=EntryStatus.VALIDATED).count()
    if args.format == "json":
        _print_json(
            {
                "dossier": company.slug,
                "validated_entries": validated,
                "ok": not problems,
                "problems": [str(p) for p in problems],
            }
        )
    elif problems:
        print(
            f"Dossier {company.slug} : {len(problems)} anomalie(s) sur {validated} écritures "
            "validées"
        )
        for problem in problems:
            print(f"  - {problem}")
    else:
        print(
            f"Dossier {company.slug} : chaîne d'inaltérabilité intacte "
            f"({validated} écritures validées), toutes les écritures sont équilibrées."
        )
    return 1 if problems else 0


def cmd_validate(args: argparse.Namespace) -> int:
    from tenue.ledger.services import entries_validate_until

    company = _company(args.dossier)
    count = entries_validate_until(company=company, until=args.until, valid_date=args.valid_date)
    if args.format == "json":
        _print_json({"dossier": company.slug, "validated": count})
    else:
        print(f"{count} écriture(s) validée(s) jusqu'au {args.until:%d/%m/%Y}.")
    return 0


def cmd_user_create(args: argparse.Namespace) -> int:
    from tenue.firms.models import Firm, FirmRole
    from tenue.firms.services import firm_member_add, user_create

    user = user_create(username=args.username, password=args.password, email=args.email or "")
    if args.firm:
        firm = Firm.objects.get(slug=args.firm)
        firm_member_add(firm=firm, user=user, role=FirmRole(args.role))
    print(f"Utilisateur « {user.username} » créé.")
    return 0


def _yyyymmdd(text: str) -> date:
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:8]))
    except (ValueError, IndexError) as exc:
        raise argparse.ArgumentTypeError(f"date attendue au format AAAAMMJJ : {text!r}") from exc


def _progress(stage: str, done: int, total: int) -> None:
    """A progress line on stderr, rewritten in place."""
    if total:
        width = 30
        filled = width * done // total
        bar = "█" * filled + "·" * (width - filled)
        sys.stderr.write(f"\r{stage:<12} {bar} {done:>10,}/{total:,}".replace(",", " "))
    else:
        sys.stderr.write(f"\r{stage:<12} {done:>10,} lignes lues".replace(",", " "))
    sys.stderr.flush()


def cmd_fec_check(args: argparse.Namespace) -> int:
    from tenue.formats.fec_check import check_fec

    report = check_fec(args.file, year_end=args.year_end, encoding=args.encoding)
    if args.format == "json":
        _print_json(
            {
                "file": report.name,
                "ok": report.ok,
                "lines": report.lines,
                "entries": report.entries,
                "debit": f"{report.debit:.2f}",
                "credit": f"{report.credit:.2f}",
                "notes": report.notes,
                "journals": {
                    c: {
                        "entries": j.entries,
                        "lines": j.lines,
                        "debit": f"{j.debit:.2f}",
                        "credit": f"{j.credit:.2f}",
                    }
                    for c, j in report.journals.items()
                },
                "problems": [
                    {
                        "line": p.source.line if p.source else None,
                        "field": p.field,
                        "severity": str(p.severity),
                        "message": p.message,
                    }
                    for p in report.problems
                ],
            }
        )
    else:
        sys.stdout.write(report.text(limit=args.limit))
    return 0 if report.ok else 1


def cmd_fec_import(args: argparse.Namespace) -> int:
    from pathlib import Path

    from tenue.ledger.fec import Mapping, fec_import

    company = _company(args.dossier)
    mapping = Mapping.read(Path(args.mapping)) if args.mapping else None
    result = fec_import(
        company=company,
        path=args.file,
        encoding=args.encoding,
        year_end=args.year_end,
        mapping=mapping,
        progress=None if args.quiet else _progress,
    )
    if not args.quiet:
        sys.stderr.write("\n")
    if args.format == "json":
        _print_json(result.summary())
    else:
        print(result.text())
        warnings = [p for p in result.report.problems if p not in result.report.blocking]
        if warnings:
            print(
                f"{len(warnings)} remarque(s) de conformité sur le fichier source "
                "(tenue fec check pour le détail)"
            )
    return 0


def cmd_fec_export(args: argparse.Namespace) -> int:
    from tenue.ledger.fec import fec_export
    from tenue.ledger.models import FiscalYear

    company = _company(args.dossier)
    year = FiscalYear.objects.filter(company=company, end__year=args.year).first()
    if year is None:
        raise SystemExit(f"Aucun exercice clos en {args.year} pour le dossier {company.slug}")
    if args.definitive and not args.yes:
        if not sys.stdin.isatty():
            raise SystemExit(
                "Export définitif : toutes les écritures de l'exercice seront "
                "validées, sans retour possible. Confirmez avec --yes."
            )
        answer = input(
            f"Valider toutes les écritures de l'exercice {year} (irréversible) ? [oui/non] "
        )
        if answer.strip().lower() not in ("o", "oui", "y", "yes"):
            print("Abandon : rien n'a été validé.")
            return 1
    result = fec_export(
        company=company,
        year=year,
        out_dir=args.out,
        definitive=args.definitive,
        encoding=args.encoding,
        check=not args.no_check,
    )
    checked_ok = result.report.ok if result.report is not None else None
    if args.format == "json":
        _print_json(
            {
                "path": str(result.path),
                "lines": result.lines,
                "entries": result.entries,
                "definitive": result.definitive,
                "validated_now": result.validated_now,
                "check_ok": checked_ok,
            }
        )
    else:
        kind = "définitif" if result.definitive else "provisoire"
        print(
            f"FEC {kind} écrit : {result.path} ({result.entries} écritures, "
            f"{result.lines} lignes"
            + (f", {result.validated_now} écritures validées" if result.validated_now else "")
            + ")"
        )
        if checked_ok is not None:
            print(
                "Contrôle du fichier écrit : "
                + ("conforme" if checked_ok else "NON CONFORME (tenue fec check pour le détail)")
            )
    return 1 if checked_ok is False else 0


def cmd_import(args: argparse.Namespace) -> int:
    from pathlib import Path

    from tenue.ledger.imports import batch_import, read_batch
    from tenue.ledger.models import ImportKind

    if args.kind == "entries" and args.template:
        from tenue.formats import spreadsheet_entries

        return write_template(spreadsheet_entries, args.out)
    if not args.file or not args.dossier:
        raise SystemExit("FICHIER et --dossier sont requis")
    company = _company(args.dossier)
    path = Path(args.file)
    kind = ImportKind(args.kind)
    batch = read_batch(kind, path, journal=args.journal)
    for note in batch.notes:
        print(f"note : {note}", file=sys.stderr)
    result = batch_import(company=company, batch=batch, path=path, kind=kind)
    if args.format == "json":
        _print_json(result.summary())
    else:
        print(result.text())
    return 0


CATEGORIES = {"achat": "purchase", "vente": "sale", "ndf": "expense_report", "admin": "admin"}


def cmd_documents_add(args: argparse.Namespace) -> int:
    from pathlib import Path

    from tenue.core.problems import Refused
    from tenue.documents.services import document_ingest

    company = _company(args.dossier)
    results, failed = [], 0
    for name in args.files:
        path = Path(name)
        try:
            ingested = document_ingest(
                company=company,
                name=path.name,
                data=path.read_bytes(),
                category=CATEGORIES[args.category],
                channel="upload",
                sender="ligne de commande",
            )
        except Refused as exc:
            failed += 1
            results.append({"file": name, "refused": [str(p) for p in exc.problems]})
            continue
        except OSError as exc:
            failed += 1
            results.append({"file": name, "refused": [f"{name} : illisible ({exc.strerror})"]})
            continue
        doc = ingested.document
        results.append(
            {
                "file": name,
                "id": doc.pk,
                "sha256": doc.sha256,
                "kind": doc.kind,
                "duplicate_of": doc.duplicate_of_id,
            }
        )
    if args.format == "json":
        _print_json(results)
    else:
        for r in results:
            if "refused" in r:
                print(f"REFUSÉ {r['file']} : {'; '.join(r['refused'])}")
            elif r["duplicate_of"]:
                print(f"doublon {r['file']} : déjà reçu (pièce {r['duplicate_of']})")
            else:
                print(f"reçu   {r['file']} : pièce {r['id']} ({r['kind']})")
    return 1 if failed else 0


def cmd_documents_list(args: argparse.Namespace) -> int:
    from tenue.documents.models import Document

    company = _company(args.dossier)
    documents = Document.objects.filter(company=company, deleted_at__isnull=True)
    if args.status:
        documents = documents.filter(status=args.status)
    rows = [
        {
            "id": d.pk,
            "name": d.original_name,
            "sha256": d.sha256,
            "category": d.category,
            "channel": d.channel,
            "status": d.status,
            "kind": d.kind,
            "received_at": d.received_at.isoformat(),
            "duplicate_of": d.duplicate_of_id,
        }
        for d in documents.order_by("id")
    ]
    if args.format == "json":
        _print_json(rows)
    else:
        for r in rows:
            dup = f" doublon de {r['duplicate_of']}" if r["duplicate_of"] else ""
            print(
                f"{r['id']:>6} {r['status']:<10} {r['category']:<15} {r['channel']:<8} "
                f"{r['sha256'][:12]} {r['name']}{dup}"
            )
    return 0


def cmd_documents_read(args: argparse.Namespace) -> int:
    from tenue.booking.services import documents_read

    company = _company(args.dossier)
    counts = documents_read(company=company, force=args.force)
    if args.format == "json":
        _print_json(counts)
    else:
        print(
            f"{counts['read']} pièce(s) lue(s) : {counts['posted']} comptabilisée(s), "
            f"{counts['to_review']} à revoir, {counts['duplicates']} doublon(s), "
            f"{counts['failed']} illisible(s)"
        )
    return 0


def cmd_documents_show(args: argparse.Namespace) -> int:
    from tenue.booking.selectors import document_booking
    from tenue.documents.models import Document

    document = Document.objects.filter(pk=args.id).select_related("company").first()
    if document is None:
        raise SystemExit(f"Pièce {args.id} introuvable")
    data = document_booking(document=document)
    if args.format == "json":
        _print_json(data)
        return 0
    print(f"Pièce {data['id']} — {data['name']} ({data['status']})")
    reading = data["reading"]
    if reading is None:
        print("  pas encore lue")
    else:
        print(f"  lecture : {reading['method'] or 'échec'} ({reading['duration_ms']} ms)")
        for field in reading["fields"]:
            print(
                f"  {field['name']:<22} {field['value']:<30} "
                f"{field['confidence'] * 100:>4.0f} %  {field['where']}"
            )
        for problem in reading["problems"]:
            print(f"  ! {problem['message'] if isinstance(problem, dict) else problem}")
    proposal = data["proposal"]
    if proposal is not None:
        print(f"  proposition : {proposal['status']} (confiance {proposal['confidence']} %)")
        for reason in proposal["reasons"]:
            print(f"    · {reason}")
        for problem in proposal["problems"]:
            print(f"    ! {problem}")
        shown = proposal["entry"]["lines"] if proposal["entry"] else proposal["lines"]
        if proposal["entry"]:
            entry = proposal["entry"]
            print(f"  écriture {entry['journal']} n° {entry['number']} du {entry['date']}")
        for line in shown:
            print(
                f"    {line['account']:<10} {line['aux_number']:<10} {line['debit']:>12} "
                f"{line['credit']:>12}  {line['label']}"
            )
    return 0


def cmd_token_create(args: argparse.Namespace) -> int:
    from django.contrib.auth import get_user_model

    from tenue.firms.services import api_token_create

    user = get_user_model().objects.filter(username=args.username).first()
    if user is None:
        raise SystemExit(f"Utilisateur inconnu : {args.username}")
    token, secret = api_token_create(user=user, name=args.name)
    if args.format == "json":
        _print_json({"name": token.name, "user": user.username, "token": secret})
    else:
        print(f"Jeton « {token.name} » pour {user.username} (affiché une seule fois) :")
        print(secret)
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    from django.conf import settings

    from tenue import celery

    if not settings.TENUE_TASK_BROKER:
        raise SystemExit(
            "TENUE_TASK_BROKER n'est pas défini : sans lui, les tâches tournent dans le "
            "processus web (réglage par défaut) et aucun worker n'est nécessaire."
        )
    worker = celery.configure(settings.TENUE_TASK_BROKER)
    argv = ["worker", f"--queues={args.queues}", f"--concurrency={args.concurrency}"]
    worker.worker_main([*argv, "--loglevel=INFO"])
    return 0


def cmd_smtpd(args: argparse.Namespace) -> int:
    import signal
    import threading

    from tenue.documents import smtpd

    replayed = smtpd.replay_spool()
    if replayed:
        print(f"{replayed} courriel(s) repris du spool", flush=True)
    server = smtpd.controller(args.host, args.port)
    server.start()
    print(f"Collecte SMTP sur {args.host}:{args.port} (Ctrl+C pour arrêter)", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


def cmd_fetchmail(args: argparse.Namespace) -> int:
    from tenue.documents.imap import fetch_mailbox

    password = os.environ.get("TENUE_IMAP_PASSWORD", "")
    if not password:
        raise SystemExit("TENUE_IMAP_PASSWORD est requis (mot de passe de la boîte de collecte)")
    result = fetch_mailbox(
        host=args.host,
        port=args.port,
        user=args.user,
        password=password,
        use_ssl=not args.no_ssl,
        mailbox=args.mailbox,
    )
    print(f"{result.accepted} courriel(s) accepté(s), {result.refused} refusé(s)")
    for reason in result.reasons or []:
        print(f"  refusé — {reason}")
    return 0


def cmd_watch(args: argparse.Namespace) -> int:
    import time
    from pathlib import Path

    from tenue.documents.watch import Watcher

    root = Path(args.dir)
    if not root.is_dir():
        raise SystemExit(f"Dossier introuvable : {root}")
    watcher = Watcher(root=root, company=_company(args.dossier))
    watcher.start()
    print(
        f"Surveillance de {root} ({len(watcher.seen)} fichier(s) déjà présent(s), non "
        "envoyés) — Ctrl+C pour arrêter",
        flush=True,
    )
    try:
        while True:
            for line in watcher.scan():
                print(line, flush=True)
            time.sleep(args.interval)
    except KeyboardInterrupt:
        return 0


def cmd_manage(args: argparse.Namespace) -> int:
    from django.core.management import execute_from_command_line

    execute_from_command_line(["tenue manage", *args.rest])
    return 0


# --- parser ---------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tenue", description="tenue — production comptable")
    sub = parser.add_subparsers(dest="command", required=True)

    def fmt(p: argparse.ArgumentParser, choices: Sequence[str] = ("table", "json")) -> None:
        p.add_argument("--format", choices=choices, default=choices[0])

    dossier = sub.add_parser("dossier", help="dossiers (sociétés clientes)")
    dsub = dossier.add_subparsers(dest="action", required=True)
    create = dsub.add_parser("create", help="créer un dossier et ouvrir ses comptes")
    create.add_argument("--name", required=True)
    create.add_argument("--siren", required=True)
    create.add_argument("--slug", required=True)
    create.add_argument("--year-start", type=_date, help="début du premier exercice (AAAA-MM-JJ)")
    create.add_argument("--firm", help="identifiant du cabinet (créé au premier usage)")
    create.add_argument("--firm-name", help="nom du cabinet s'il est créé")
    create.add_argument(
        "--vat-regime",
        default="normal",
        choices=["normal", "normal_quarterly", "simplified", "franchise"],
    )
    create.add_argument("--mode", default="accrual", choices=["accrual", "cash"])
    fmt(create)
    create.set_defaults(func=cmd_dossier_create)
    listing = dsub.add_parser("list", help="lister les dossiers")
    fmt(listing)
    listing.set_defaults(func=cmd_dossier_list)

    demo = sub.add_parser("demo", help="charger le cabinet de démonstration")
    demo.add_argument("--reset", action="store_true", help="le recréer s'il existe")
    demo.add_argument("--quiet", action="store_true")
    demo.set_defaults(func=cmd_demo)

    serve = sub.add_parser("serve", help="servir l'application web")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--threads", type=int, default=8)
    serve.set_defaults(func=cmd_serve)

    report = sub.add_parser("report", help="balance, grand livre, journal, états financiers")
    report.add_argument("kind", choices=["balance", "ledger", "journal", "statements"])
    report.add_argument("--dossier", required=True)
    report.add_argument("--year", type=int, help="exercice clos en AAAA (défaut : le dernier)")
    report.add_argument("--start", type=_date)
    report.add_argument("--end", type=_date)
    report.add_argument("--journal", help="code journal (journal)")
    report.add_argument("--account", help="préfixe de compte (grand livre)")
    report.add_argument(
        "--aux",
        choices=["suppliers", "customers"],
        help="balance auxiliaire fournisseurs ou clients (balance)",
    )
    report.add_argument("--out", help="fichier de sortie")
    fmt(report, ("table", "csv", "xlsx", "json", "pdf"))
    report.set_defaults(func=cmd_report)

    verify = sub.add_parser("verify", help="vérifier la chaîne d'inaltérabilité d'un dossier")
    verify.add_argument("--dossier", required=True)
    fmt(verify)
    verify.set_defaults(func=cmd_verify)

    validate = sub.add_parser("validate", help="valider les écritures jusqu'à une date")
    validate.add_argument("--dossier", required=True)
    validate.add_argument("--until", type=_date, required=True)
    validate.add_argument("--valid-date", type=_date)
    fmt(validate)
    validate.set_defaults(func=cmd_validate)

    user = sub.add_parser("user", help="utilisateurs")
    usub = user.add_subparsers(dest="action", required=True)
    ucreate = usub.add_parser("create")
    ucreate.add_argument("--username", required=True)
    ucreate.add_argument("--password", required=True)
    ucreate.add_argument("--email")
    ucreate.add_argument("--firm")
    ucreate.add_argument("--role", default="accountant", choices=["firm_admin", "accountant"])
    ucreate.set_defaults(func=cmd_user_create)

    fec = sub.add_parser("fec", help="FEC : contrôle, import, export")
    fsub = fec.add_subparsers(dest="action", required=True)
    check = fsub.add_parser("check", help="contrôler un FEC (code de sortie 1 s'il échoue)")
    check.add_argument("file")
    check.add_argument("--year-end", type=_yyyymmdd, help="date de clôture AAAAMMJJ")
    check.add_argument("--encoding", help="imposer l'encodage (utf-8, iso-8859-15, cp1252)")
    check.add_argument("--limit", type=int, default=200, help="problèmes listés au plus")
    fmt(check)
    check.set_defaults(func=cmd_fec_check, database=False)  # a file, no dossier
    fimport = fsub.add_parser("import", help="importer un FEC dans un dossier")
    fimport.add_argument("file")
    fimport.add_argument("--dossier", required=True)
    fimport.add_argument("--mapping", help="table de correspondance CSV type;source;cible")
    fimport.add_argument("--year-end", type=_yyyymmdd, help="date de clôture AAAAMMJJ")
    fimport.add_argument("--encoding")
    fimport.add_argument("--quiet", action="store_true")
    fmt(fimport)
    fimport.set_defaults(func=cmd_fec_import)
    fexport = fsub.add_parser("export", help="écrire le FEC d'un exercice")
    fexport.add_argument("--dossier", required=True)
    fexport.add_argument("--year", type=int, required=True, help="année de clôture")
    fexport.add_argument(
        "--definitive", action="store_true", help="valider toute l'exercice d'abord (irréversible)"
    )
    fexport.add_argument("--yes", action="store_true", help="confirmer l'export définitif")
    fexport.add_argument("--encoding", default="utf-8", choices=["utf-8", "iso-8859-15"])
    fexport.add_argument("--out", default=".", help="dossier de sortie")
    fexport.add_argument(
        "--no-check",
        action="store_true",
        help="ne pas recontrôler le fichier écrit (tenue fec check le fera)",
    )
    fmt(fexport)
    fexport.set_defaults(func=cmd_fec_export)

    imp = sub.add_parser("import", help="importer un fichier de reprise (TRA, tableur, paie)")
    imp.add_argument("kind", choices=["tra", "entries", "payroll"])
    imp.add_argument("file", nargs="?")
    imp.add_argument("--dossier")
    imp.add_argument(
        "--template", action="store_true", help="(entries) écrire le modèle de tableau à remplir"
    )
    imp.add_argument("--out", help="(entries --template) fichier .csv ou .xlsx")
    imp.add_argument("--journal", default="OD", help="(payroll) code du journal de paie")
    fmt(imp)
    imp.set_defaults(func=cmd_import)

    from tenue.cli import bank as bank_commands

    bank_commands.register(sub, fmt)

    from tenue.cli import analytics as analytics_commands

    analytics_commands.register(sub, fmt)

    from tenue.cli import assets as assets_commands

    assets_commands.register(sub, fmt)

    from tenue.cli import closing as closing_commands

    closing_commands.register(sub, fmt)

    documents = sub.add_parser("documents", help="pièces (factures, notes de frais…)")
    dsub2 = documents.add_subparsers(dest="action", required=True)
    dadd = dsub2.add_parser("add", help="déposer des fichiers dans un dossier")
    dadd.add_argument("files", nargs="+")
    dadd.add_argument("--dossier", required=True)
    dadd.add_argument("--category", required=True, choices=list(CATEGORIES))
    fmt(dadd)
    dadd.set_defaults(func=cmd_documents_add)
    dlist = dsub2.add_parser("list", help="lister les pièces d'un dossier")
    dlist.add_argument("--dossier", required=True)
    dlist.add_argument(
        "--status", choices=["received", "reading", "to_review", "booked", "rejected", "duplicate"]
    )
    fmt(dlist)
    dlist.set_defaults(func=cmd_documents_list)
    dread = dsub2.add_parser("read", help="lire les pièces en attente et proposer leurs écritures")
    dread.add_argument("--dossier", required=True)
    dread.add_argument("--force", action="store_true", help="relire aussi les pièces déjà lues")
    fmt(dread)
    dread.set_defaults(func=cmd_documents_read)
    dshow = dsub2.add_parser("show", help="ce qui a été lu d'une pièce et l'écriture proposée")
    dshow.add_argument("id", type=int)
    fmt(dshow)
    dshow.set_defaults(func=cmd_documents_show)

    work = sub.add_parser("worker", help="worker Celery (TENUE_TASK_BROKER) : lecture, imports")
    work.add_argument("--queues", default="documents,imports,default")
    work.add_argument("--concurrency", type=int, default=2)
    work.set_defaults(func=cmd_worker)

    smtp = sub.add_parser("smtpd", help="recevoir les pièces envoyées aux adresses de collecte")
    smtp.add_argument("--host", default="127.0.0.1")
    smtp.add_argument("--port", type=int, default=2525)
    smtp.set_defaults(func=cmd_smtpd)

    fetch = sub.add_parser("fetchmail", help="relever la boîte IMAP des adresses de collecte")
    fetch.add_argument("--host", default=os.environ.get("TENUE_IMAP_HOST", "127.0.0.1"))
    fetch.add_argument("--port", type=int, default=int(os.environ.get("TENUE_IMAP_PORT", "993")))
    fetch.add_argument("--user", default=os.environ.get("TENUE_IMAP_USER", "collecte"))
    fetch.add_argument("--mailbox", default="INBOX")
    fetch.add_argument("--no-ssl", action="store_true", help="IMAP sans TLS (réseau local)")
    fetch.set_defaults(func=cmd_fetchmail)

    watch = sub.add_parser("watch", help="envoyer les nouveaux fichiers d'une arborescence")
    watch.add_argument("dir")
    watch.add_argument("--dossier", required=True)
    watch.add_argument("--interval", type=float, default=2.0, help="secondes entre deux passages")
    watch.set_defaults(func=cmd_watch)

    token = sub.add_parser("token", help="jetons de l'API JSON")
    tsub = token.add_subparsers(dest="action", required=True)
    tcreate = tsub.add_parser("create", help="créer un jeton pour un utilisateur")
    tcreate.add_argument("--username", required=True)
    tcreate.add_argument("--name", default="api")
    fmt(tcreate)
    tcreate.set_defaults(func=cmd_token_create)

    from tenue.cli import vat as vat_cli

    vat_cli.register(sub)

    manage = sub.add_parser("manage", help="commandes d'administration Django", add_help=False)
    manage.add_argument("rest", nargs=argparse.REMAINDER)
    manage.set_defaults(func=cmd_manage)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from django.core.exceptions import PermissionDenied

    from tenue.core.problems import Refused

    args = build_parser().parse_args(argv)
    if getattr(args, "database", True):
        _setup_django()
    try:
        return int(args.func(args))
    except Refused as exc:
        print("Refusé :", file=sys.stderr)
        for problem in exc.problems:
            print(f"  - {problem}", file=sys.stderr)
        return 1
    except PermissionDenied as exc:
        print(f"Refusé : {exc}", file=sys.stderr)
        return 2
    except SystemExit as exc:  # a command's own refusal, said in French
        if isinstance(exc.code, str):
            print(exc.code, file=sys.stderr)
            return 1
        raise


if __name__ == "__main__":
    sys.exit(main())
