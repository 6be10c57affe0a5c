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
