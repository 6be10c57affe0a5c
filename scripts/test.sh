#!/usr/bin/env bash
# The whole test suite: lint (ruff), types (mypy on core/ and formats/), pytest.
# Runs on SQLite by default; on PostgreSQL when DATABASE_URL points to it.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/install.sh
.venv/bin/ruff check src tests benchmarks
.venv/bin/ruff format --check src tests benchmarks
.venv/bin/mypy
echo "Base de données des tests : ${DATABASE_URL:-SQLite (défaut)}"
exec .venv/bin/pytest "$@"
