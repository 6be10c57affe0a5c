#!/usr/bin/env bash
# One command on a fresh machine: install, migrate the embedded SQLite database, load the demo
# firm, serve the web app on http://127.0.0.1:8000/ and print the login.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/install.sh
.venv/bin/tenue manage migrate --noinput -v 0
.venv/bin/tenue demo
exec .venv/bin/tenue serve --host 127.0.0.1 --port "${PORT:-8000}"
