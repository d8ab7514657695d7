#!/usr/bin/env bash
# The project's test command (README "Test"): the whole Rust workspace, then the Clerk Python and
# JavaScript SDK compatibility suites against a real server. PostgreSQL runs are included when
# TESSERA_TEST_DATABASE_URL is set (CI sets it; with CI=true and no URL, those tests fail).
set -euo pipefail
cd "$(dirname "$0")/.."

cargo test --workspace --locked
if [ -x compat/run.sh ]; then
  compat/run.sh
fi
