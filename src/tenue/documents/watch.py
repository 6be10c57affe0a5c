"""Watching a folder tree: `tenue watch DIR --dossier SLUG`.

The sub-folders `achat`, `vente`, `ndf` and `admin` of DIR give the category; deeper folders
inherit it. Files already there when the watch starts are not sent (not retroactive); a new
file is sent once it has stopped growing (same size on two scans), through the same service
as every other channel (`document_ingest`, channel `connector`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tenue.core.problems import Refused
from tenue.documents.mail import PREFIXES


def category_of(root: Path, path: Path) -> str | None:
    relative = path.relative_to(root)
    return PREFIXES.get(relative.parts[0].lower()) if len(relative.parts) > 1 else None


@dataclass
class Watcher:
    root: Path
    company: Any
    seen: set[Path] = field(default_factory=set)
    growing: dict[Path, int] = field(default_factory=dict)

    def start(self) -> None:
        """Take note of what is already there: it is not sent."""
        self.seen = {p for p in self.root.rglob("*") if p.is_file()}

    def scan(self) -> list[str]:
        """Send the new files that have stopped growing; what happened to each, in French."""
        from tenue.documents.services import document_ingest

        said = []
        for path in sorted(p for p in self.root.rglob("*") if p.is_file()):
            if path in self.seen:
                continue
            size = path.stat().st_size
            if self.growing.get(path) != size:
                self.growing[path] = size  # seen once: send it if it has not grown next time
                continue
            self.seen.add(path)
            self.growing.pop(path, None)
            category = category_of(self.root, path)
            if category is None:
                said.append(f"ignoré {path} : hors des dossiers achat, vente, ndf et admin")
                continue
            try:
                result = document_ingest(
                    company=self.company,
                    name=path.name,
                    data=path.read_bytes(),
                    category=category,
                    channel="connector",
                    sender=str(path.parent),
                )
            except Refused as exc:
                said.append(f"refusé {path} : {'; '.join(p.message for p in exc.problems)}")
                continue
            said.append(f"{'doublon' if result.duplicate else 'envoyé'} {path}")
        return said
