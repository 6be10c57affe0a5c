#!/usr/bin/env bash
# The whole test suite: lint (ruff), types (mypy on core/ and formats/), pytest.
# Runs on SQLite by default; on PostgreSQL when DATABASE_URL points to it.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/install.sh
# The IMAP tests talk to a real server: Debian's dovecot (installed here when we may).
if ! command -v dovecot >/dev/null 2>&1 && [ ! -x /usr/sbin/dovecot ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installation de dovecot-imapd (serveur IMAP des tests)…" >&2
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dovecot-imapd) >/dev/null
  else
    echo "dovecot (paquet dovecot-imapd) est requis par les tests IMAP : installez-le." >&2
  fi
fi
.venv/bin/ruff check src tests benchmarks
.venv/bin/ruff format --check src tests benchmarks
.venv/bin/mypy
echo "Base de données des tests : ${DATABASE_URL:-SQLite (défaut)}"
exec .venv/bin/pytest "$@"
