#!/usr/bin/env bash
# Creates .venv (Python 3.11) and installs tenue with its pinned dependencies.
# Reinstalls only when pyproject.toml or requirements.lock changed. Sourced by run.sh and test.sh.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PYTHON="${PYTHON:-$(command -v python3.11 || command -v python3)}"
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
  echo "tenue demande Python 3.11 (trouvé : $("$PYTHON" --version 2>&1))" >&2
  exit 1
fi
if [ ! -x .venv/bin/python ]; then
  echo "Création de l'environnement .venv…" >&2
  "$PYTHON" -m venv .venv
fi
stamp=".venv/.tenue-installed"
wanted="$(cat pyproject.toml requirements.lock | sha256sum | cut -d' ' -f1)"
if [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
  echo "Installation des dépendances…" >&2
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -c requirements.lock -e ".[dev]"
  echo "$wanted" > "$stamp"
fi
# OCR (Tesseract with French data) and PDF rendering (Pango for WeasyPrint) are system packages:
# installed here from Debian's packages when we may, named otherwise.
missing=""
command -v tesseract >/dev/null 2>&1 && tesseract --list-langs 2>/dev/null | grep -qx fra \
  || missing="$missing tesseract-ocr tesseract-ocr-fra"
ldconfig -p 2>/dev/null | grep -q libpangoft2-1.0 || missing="$missing libpango-1.0-0 libpangoft2-1.0-0"
fc-list 2>/dev/null | grep -qi dejavu || missing="$missing fonts-dejavu-core"
if [ -n "$missing" ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installation des paquets système :$missing…" >&2
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing) >/dev/null
  else
    echo "Paquets système requis (OCR, PDF) :$missing — installez-les." >&2
  fi
fi
