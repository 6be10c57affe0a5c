"""Account suggestion benchmark: learn from the first months of a real FEC, predict the rest.

    .venv/bin/python benchmarks/suggestion.py [--json] [--scale 50000] [--data DIR]

For every FEC under shared/data/fec (any depth; the `-expected.csv` golden files are skipped),
the purchase and sales entries become examples (`core.suggest.examples_from_lines`: an entry
with a 40x/41x line and a class 6/7 line; expected account = the largest 6/7 line). The fiscal
year is the twelve months ending on the closing date of the file name (`<SIREN>FEC<AAAAMMJJ>`),
or on the last entry date when the name has none or entries lie after it. When the year holds
entries in all twelve months, the first nine months train and the last three are predicted;
otherwise the first 75 % of the entries' date range trains, and the report says so. Nothing of
the test months is seen before it is predicted.

Three runs per file:
- `dossier`: trained once on the training months, every test document predicted cold;
- `dossier, en continu`: the same, but each test document, once predicted, is learned with
  `add` as its booking would be (the next prediction sees it; never the one it answers);
- `dossier + cabinet`: the cold run with the other files' examples as the firm's history
  (keyed by normalized third-party name, since auxiliary codes are local to a dossier).
Printed: examples, top-1 and top-3 accuracy overall, per side and per source of the first
suggestion, VAT rate accuracy, the share of test documents whose third party (or account) the
training never saw, training time and median time per suggestion. Target: top-1 ≥ 90 %.
With --scale N, a synthetic history of N examples (the real ones, relabelled) times training and
suggestion at that size (target: train ≤ 2 s, suggest ≤ 5 ms).
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from tenue.core.suggest import (  # noqa: E402
    Example,
    Suggester,
    Suggestion,
    combine,
    examples_from_lines,
)
from tenue.formats.fec import FecReader  # noqa: E402
from tenue.formats.fec_check import name_facts  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "fec"
TARGET_TOP1 = 0.90
TRAIN_MONTHS = 9
_CLOSING = re.compile(r"FEC(\d{4})(\d{2})(\d{2})", re.IGNORECASE)


@dataclass
class Split:
    """A FEC's examples cut in time: the training part strictly before `cutoff`."""

    name: str
    year_start: date
    year_end: date
    cutoff: date
    train: list[Example]
    test: list[Example]
    train_names: list[Example]  # the same examples keyed by third-party name
    test_names: list[Example]
    notes: list[str] = field(default_factory=list)


def fec_files(data: Path) -> list[Path]:
    return sorted(
        p for p in data.glob("**/*") if p.is_file() and not p.name.endswith("-expected.csv")
    )


def _year_before(end: date) -> date:
    try:
        start = end.replace(year=end.year - 1)
    except ValueError:  # 29 February
        start = end - timedelta(days=365)
    return start + timedelta(days=1)


def _add_months(day: date, months: int) -> date:
    index = day.month - 1 + months
    return date(day.year + index // 12, index % 12 + 1, 1)


def split_fec(path: Path) -> Split:
    """Read a FEC and cut its examples: nine months against three, or 75 % of the dates."""
    notes: list[str] = []
    reader = FecReader(path)
    records = list(reader)
    if reader.problem_count:
        notes.append(f"{reader.problem_count} problème(s) de lecture")
    first = min(r.date for r in records)
    last = max(r.date for r in records)
    _, named_end, _ = name_facts(path.name)
    loose = _CLOSING.search(path.name)
    if named_end is None and loose is not None:
        # a SIREN that is not nine digits (`0000000001FEC…`): the closing date still reads
        named_end = date.fromisoformat("-".join((loose[1], loose[2], loose[3])))
        notes.append(f"nom hors norme : clôture {named_end} lue après « FEC »")
    if named_end is None:
        year_end = last
        notes.append(f"pas de clôture dans le nom : exercice clos à la dernière écriture {last}")
    elif last > named_end:
        year_end = last
        notes.append(
            f"écritures après la clôture du nom ({named_end}) : exercice clos à la dernière "
            f"écriture {last}"
        )
    else:
        year_end = named_end
    year_start = _year_before(year_end)
    months = {(r.date.year, r.date.month) for r in records if year_start <= r.date <= year_end}
    if len(months) == 12:
        cutoff = _add_months(year_start, TRAIN_MONTHS)
    else:
        start = max(first, year_start)
        cutoff = start + timedelta(days=round(0.75 * (year_end - start).days))
        notes.append(
            f"{len(months)} mois d'écritures seulement : apprentissage sur les premiers 75 % des "
            f"dates ({start} – {cutoff - timedelta(days=1)})"
        )
    examples = examples_from_lines(records)
    named = examples_from_lines(records, third_party_by="name")
    in_year = [i for i, e in enumerate(examples) if e.date <= year_end]
    train = [i for i in in_year if examples[i].date < cutoff]
    test = [i for i in in_year if examples[i].date >= cutoff]
    return Split(
        name=path.name,
        year_start=year_start,
        year_end=year_end,
        cutoff=cutoff,
        train=[examples[i] for i in train],
        test=[examples[i] for i in test],
        train_names=[named[i] for i in train],
        test_names=[named[i] for i in test],
        notes=notes,
    )


def _rate(hits: int, total: int) -> float | None:
    return round(hits / total, 4) if total else None


def evaluate(
    split: Split, *, firm: Suggester | None = None, online: bool = False
) -> dict[str, Any]:
    """Predict every test example of a split; with `online`, learn each one after predicting."""
    started = time.perf_counter()
    dossier = Suggester.train(split.train, scope="dossier")
    train_seconds = time.perf_counter() - started
    suggester = combine(dossier, firm)
    seen_parties = {(e.side, e.third_party) for e in split.train}
    seen_accounts = {(e.side, e.account) for e in split.train}
    top1 = top3 = vat_hits = vat_total = 0
    by_side: dict[str, Counter[str]] = {}
    by_source: dict[str, Counter[str]] = {}
    durations = []
    misses: Counter[tuple[str, str]] = Counter()
    for example, named in zip(split.test, split.test_names, strict=True):
        began = time.perf_counter()
        suggestions: list[Suggestion] = suggester.suggest(
            third_party=example.third_party,
            label=example.label,
            side=example.side,
            amount=example.amount,
            top=3,
            firm_third_party=named.third_party,
        )
        durations.append(time.perf_counter() - began)
        accounts = [s.account for s in suggestions]
        hit1 = bool(accounts) and accounts[0] == example.account
        hit3 = example.account in accounts
        top1 += hit1
        top3 += hit3
        source = suggestions[0].source if suggestions else "aucune"
        for table, key in ((by_side, example.side), (by_source, source)):
            counter = table.setdefault(key, Counter())
            counter["n"] += 1
            counter["top1"] += hit1
            counter["top3"] += hit3
        if example.vat_rate is not None and suggestions:
            vat_total += 1
            vat_hits += suggestions[0].vat_rate == example.vat_rate
        if not hit1:
            misses[(example.account, accounts[0] if accounts else "—")] += 1
        if online:
            dossier.add(example)
    n = len(split.test)
    return {
        "train": len(split.train),
        "test": n,
        "top1": _rate(top1, n),
        "top3": _rate(top3, n),
        "per_side": {
            side: {"n": c["n"], "top1": _rate(c["top1"], c["n"]), "top3": _rate(c["top3"], c["n"])}
            for side, c in sorted(by_side.items())
        },
        "per_source": {
            source: {"n": c["n"], "top1": _rate(c["top1"], c["n"])}
            for source, c in sorted(by_source.items())
        },
        "vat_top1": _rate(vat_hits, vat_total),
        "unseen_third_party": _rate(
            sum((e.side, e.third_party) not in seen_parties for e in split.test), n
        ),
        "unseen_account": _rate(
            sum((e.side, e.account) not in seen_accounts for e in split.test), n
        ),
        "train_seconds": round(train_seconds, 4),
        "suggest_ms_median": round(statistics.median(durations) * 1000, 3) if durations else None,
        "frequent_misses": [
            {"expected": expected, "suggested": got, "count": count}
            for (expected, got), count in misses.most_common(5)
        ],
    }


def synthetic_scale(examples: list[Example], size: int) -> dict[str, Any]:
    """Time training and suggestion on `size` examples made from the real ones: each copy gets
    its own third-party key and a label word of its own, so labels stay distinct."""
    history = []
    for i in range(size):
        base = examples[i % len(examples)]
        copy = i // len(examples)
        history.append(
            replace(
                base,
                third_party=f"{base.third_party}-{copy % 500}",
                label=f"{base.label} {_word(copy)}",
            )
        )
    started = time.perf_counter()
    suggester = Suggester.train(history)
    train_seconds = time.perf_counter() - started
    durations = []
    for example in examples[:300]:
        began = time.perf_counter()
        suggester.suggest(third_party="inconnu", label=example.label, side=example.side)
        suggester.suggest(
            third_party=example.third_party + "-7", label=example.label, side=example.side
        )
        durations.append((time.perf_counter() - began) / 2)
    began = time.perf_counter()
    for example in examples[:200]:
        suggester.add(replace(example, label=example.label + " NOUVEAU"))
    add_ms = (time.perf_counter() - began) / 200 * 1000
    return {
        "examples": size,
        "distinct_labels": sum(len(i.labels) for i in suggester._index.values()),
        "train_seconds": round(train_seconds, 3),
        "suggest_ms_median": round(statistics.median(durations) * 1000, 3),
        "suggest_ms_max": round(max(durations) * 1000, 3),
        "add_ms_mean": round(add_ms, 3),
    }


def _word(n: int) -> str:
    letters = "BCDFGHJKLMNPRSTV"
    word = ""
    while True:
        word += letters[n % 16] + "AEIOU"[n // 16 % 5]
        n //= 80
        if not n:
            return word


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f} %"


def _print_run(title: str, run: dict[str, Any]) -> None:
    verdict = "atteint" if (run["top1"] or 0) >= TARGET_TOP1 else "non atteint"
    print(f"  {title}")
    print(
        f"    top-1 {_percent(run['top1'])}   top-3 {_percent(run['top3'])}   "
        f"(objectif top-1 ≥ {TARGET_TOP1 * 100:.0f} % : {verdict})   "
        f"TVA top-1 {_percent(run['vat_top1'])}"
    )
    for side, values in run["per_side"].items():
        print(
            f"    {side:<9} n={values['n']:<5} top-1 {_percent(values['top1'])}  "
            f"top-3 {_percent(values['top3'])}"
        )
    sources = "   ".join(
        f"{source} : {v['n']} doc., top-1 {_percent(v['top1'])}"
        for source, v in run["per_source"].items()
    )
    print(f"    par source de la 1re suggestion : {sources}")
    print(
        f"    tiers jamais vu : {_percent(run['unseen_third_party'])}   "
        f"compte jamais vu : {_percent(run['unseen_account'])}   "
        f"apprentissage {run['train_seconds'] * 1000:.0f} ms   "
        f"suggestion (médiane) {run['suggest_ms_median']} ms"
    )
    misses = ", ".join(
        f"{m['expected']}→{m['suggested']} ×{m['count']}" for m in run["frequent_misses"]
    )
    print(f"    erreurs fréquentes (attendu→proposé) : {misses or '—'}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--json", action="store_true", help="résultats en JSON")
    parser.add_argument("--scale", type=int, default=0, help="historique synthétique de N lignes")
    args = parser.parse_args(argv)
    files = fec_files(args.data)
    if not files:
        print(f"aucun FEC sous {args.data}", file=sys.stderr)
        return 1
    splits = [split_fec(path) for path in files]
    results: dict[str, Any] = {"target_top1": TARGET_TOP1, "files": []}
    for split in splits:
        others = [e for s in splits if s is not split for e in (*s.train_names, *s.test_names)]
        firm = Suggester.train(others, scope="firm") if others else None
        results["files"].append(
            {
                "file": split.name,
                "fiscal_year": [split.year_start.isoformat(), split.year_end.isoformat()],
                "test_from": split.cutoff.isoformat(),
                "notes": split.notes,
                "dossier": evaluate(split),
                "dossier_online": evaluate(split, online=True),
                "dossier_and_firm": evaluate(split, firm=firm) if firm else None,
                "firm_examples": firm.size if firm else 0,
            }
        )
    if args.scale:
        pool = [e for s in splits for e in s.train]
        results["synthetic_scale"] = synthetic_scale(pool, args.scale)
    if args.json:
        print(json.dumps(results, ensure_ascii=False, indent=2))
        return 0
    for entry in results["files"]:
        print(
            f"{entry['file']} — exercice {entry['fiscal_year'][0]} – {entry['fiscal_year'][1]}, "
            f"prédiction à partir du {entry['test_from']} "
            f"({entry['dossier']['train']} exemples appris, {entry['dossier']['test']} à prédire)"
        )
        for note in entry["notes"]:
            print(f"  note : {note}")
        _print_run("dossier (appris une fois)", entry["dossier"])
        _print_run(
            "dossier, en continu (chaque pièce apprise après sa prédiction)",
            entry["dossier_online"],
        )
        if entry["dossier_and_firm"]:
            _print_run(
                f"dossier + cabinet ({entry['firm_examples']} exemples des autres FEC)",
                entry["dossier_and_firm"],
            )
        print()
    if "synthetic_scale" in results:
        scale = results["synthetic_scale"]
        print(
            f"charge synthétique : {scale['examples']} exemples ({scale['distinct_labels']} "
            f"libellés distincts) — apprentissage {scale['train_seconds']} s (objectif ≤ 2 s), "
            f"suggestion médiane {scale['suggest_ms_median']} ms, max {scale['suggest_ms_max']} "
            f"ms (objectif ≤ 5 ms), add {scale['add_ms_mean']} ms"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
