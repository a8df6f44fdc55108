#!/usr/bin/env bash
# Runs the suite on SQLite, then again on PostgreSQL when TEST_DATABASE_URL is set.
# Browser tests run when Chromium is present (tests/browser skips them with a reason otherwise).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTEST=".venv/bin/pytest"

echo "== test suite on SQLite"
KAKEHASHI_TEST_DB=sqlite "$PYTEST" "$@"

if [ -n "${TEST_DATABASE_URL:-}" ]; then
  echo "== test suite on PostgreSQL"
  KAKEHASHI_TEST_DB="$TEST_DATABASE_URL" "$PYTEST" "$@"
fi
