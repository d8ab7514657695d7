#!/usr/bin/env bash
# Schema-driven API testing: schemathesis (PyPI, pinned below) generates requests from the server's own
# OpenAPI document (GET /v1/openapi.json) and checks every response against it: no 5xx, every status,
# content type, header and body as documented, auth enforced, deleted resources gone. The server runs
# in memory (--ephemeral) with rate limiting off.
#
#   scripts/schemathesis.sh                          # CI's short pass (50 cases per operation)
#   SCHEMATHESIS_EXAMPLES=500 scripts/schemathesis.sh
#
# Environment:
#   SCHEMATHESIS_EXAMPLES  maximum test cases per operation and phase (default 50)
#   SCHEMATHESIS_SEED      random seed (default 1, so CI is repeatable); `random` for a new one each run
#   SCHEMATHESIS_CHECKS    comma-separated checks (default: the list below)
#   SCHEMATHESIS_DATABASE_URL  a PostgreSQL server URL: test against a fresh database there (dropped
#                          afterwards) instead of the in-memory SQLite one
#   TESSERA_BIN            server binary; unset: `cargo build -p tessera-cli` and target/debug/tessera
#   SCHEMATHESIS_ARGS      extra arguments for `schemathesis run`
#
# Prints schemathesis' report, then `N passed, M failed` alone on the last line (test cases); exits
# non-zero on any failure.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SCHEMATHESIS_VERSION="4.32.5"
VENV="$ROOT/.venv-schemathesis"
EXAMPLES="${SCHEMATHESIS_EXAMPLES:-50}"
SEED="${SCHEMATHESIS_SEED:-1}"
SECRET_KEY="sk_test_schemathesis"
PG_URL="${SCHEMATHESIS_DATABASE_URL:-}"
# Checks: every response is checked for what the document promises (no 5xx; status, content type,
# headers and body as documented), and auth, deletes and required headers are probed. Left out:
# `positive_data_acceptance` (valid-looking input is still refused for reasons no schema states: a
# taken email, an unknown id), `unsupported_method` (an undocumented method on a /v1 path answers 404
# `resource_not_found` like every unknown route, not 405), and `negative_data_rejection` (it counts
# an unknown query parameter, which the server ignores as Clerk does, or one value of a repeatable
# filter as invalid input; unknown and mistyped body keys are covered by tests/api/openapi.rs).
CHECKS="${SCHEMATHESIS_CHECKS:-not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance,missing_required_header,ignored_auth,use_after_free,ensure_resource_availability}"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/tessera-schemathesis.XXXXXX")"
# The server reads TESSERA_* from the environment; here only flags configure it.
for var in $(compgen -v TESSERA_); do
  [[ "$var" == TESSERA_BIN ]] || unset "$var"
done

SERVER_PID=""
PG_DB=""
cleanup() {
  if [[ -n "$SERVER_PID" ]]; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  if [[ -n "$PG_DB" ]]; then
    psql "$PG_URL" -q -c "DROP DATABASE IF EXISTS \"$PG_DB\" WITH (FORCE)" >/dev/null 2>&1 || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log() { printf '== %s\n' "$*" >&2; }

# --- schemathesis -----------------------------------------------------------------------------
if [[ ! -x "$VENV/bin/python" ]]; then
  log "creating $VENV"
  python3 -m venv "$VENV"
fi
if [[ "$("$VENV/bin/schemathesis" --version 2>/dev/null || true)" != *"version $SCHEMATHESIS_VERSION" ]]; then
  log "installing schemathesis==$SCHEMATHESIS_VERSION"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
fi

# --- server -----------------------------------------------------------------------------------
if [[ -z "${TESSERA_BIN:-}" ]]; then
  log "building the server (cargo build -p tessera-cli)"
  (cd "$ROOT" && cargo build --quiet --locked -p tessera-cli)
  TESSERA_BIN="$ROOT/target/debug/tessera"
fi
[[ "$TESSERA_BIN" = /* ]] || TESSERA_BIN="$ROOT/$TESSERA_BIN"
[[ -x "$TESSERA_BIN" ]] || { echo "TESSERA_BIN=$TESSERA_BIN is not an executable" >&2; exit 2; }

STORE=(--ephemeral)
if [[ -n "$PG_URL" ]]; then
  PG_DB="tessera_schemathesis_$(date +%s)_$$"
  psql "$PG_URL" -q -v ON_ERROR_STOP=1 -c "CREATE DATABASE \"$PG_DB\"" >/dev/null
  STORE=(--database-url "${PG_URL%/*}/$PG_DB" --data-dir "$WORK/data")
  log "PostgreSQL database $PG_DB"
fi

LOG="$WORK/server.log"
NO_COLOR=1 TESSERA_LOG="${TESSERA_LOG:-warn,tessera=info}" "$TESSERA_BIN" serve "${STORE[@]}" \
  --listen 127.0.0.1:0 --secret-key "$SECRET_KEY" --rate-limit 0 --well-known-rate-limit 0 --failed-auth-limit 0 \
  >"$LOG" 2>&1 &
SERVER_PID=$!
BASE_URL=""
for _ in $(seq 1 300); do
  if ! kill -0 "$SERVER_PID" 2>/dev/null; then
    echo "the server exited during startup; its log:" >&2
    cat "$LOG" >&2
    SERVER_PID=""
    exit 1
  fi
  # `tessera listening on http://127.0.0.1:PORT` (colour codes stripped in case NO_COLOR is ignored).
  BASE_URL="$(sed 's/\x1b\[[0-9;]*m//g' "$LOG" | grep -o 'tessera listening on http://[0-9.:]*' | head -n1 |
    sed 's/^tessera listening on //' || true)"
  if [[ -n "$BASE_URL" ]] && "$VENV/bin/python" - "$BASE_URL/healthz" <<'EOF' 2>/dev/null; then
import sys, urllib.request
with urllib.request.urlopen(sys.argv[1], timeout=2) as r:
    sys.exit(0 if r.status == 200 else 1)
EOF
    break
  fi
  BASE_URL=""
  sleep 0.1
done
[[ -n "$BASE_URL" ]] || { echo "the server did not answer /healthz within 30 s; its log:" >&2; cat "$LOG" >&2; exit 1; }
log "server at $BASE_URL ($TESSERA_BIN)"

# --- run --------------------------------------------------------------------------------------
SEED_ARGS=()
[[ "$SEED" == random ]] || SEED_ARGS=(--seed "$SEED")
OUT="$WORK/schemathesis.out"
STATUS=0
# shellcheck disable=SC2086 # SCHEMATHESIS_ARGS is a list of words
(cd "$WORK" && NO_COLOR=1 "$VENV/bin/schemathesis" run "$BASE_URL/v1/openapi.json" \
  --header "Authorization: Bearer $SECRET_KEY" \
  --checks "$CHECKS" \
  --max-examples "$EXAMPLES" \
  "${SEED_ARGS[@]}" \
  --request-timeout 30 \
  ${SCHEMATHESIS_ARGS:-}) 2>&1 | tee "$OUT" || STATUS=$?

if grep -q -E 'panicked|ERROR' "$LOG"; then
  echo "the server logged errors during the run:" >&2
  grep -E 'panicked|ERROR' "$LOG" | head -n 20 >&2
  [[ $STATUS -ne 0 ]] || STATUS=1
fi

# `Test cases:` is followed by `N generated, N passed` or `N generated, F found U unique failures[, S skipped]`.
SUMMARY="$(sed 's/\x1b\[[0-9;]*m//g' "$OUT" | grep -A1 '^Test cases:' | tail -n1 || true)"
GENERATED="$(grep -o -E '[0-9]+ generated' <<<"$SUMMARY" | grep -o -E '[0-9]+' || echo 0)"
FOUND="$(grep -o -E '[0-9]+ found' <<<"$SUMMARY" | grep -o -E '[0-9]+' || echo 0)"
UNIQUE="$(grep -o -E '[0-9]+ unique failures?' <<<"$SUMMARY" | grep -o -E '^[0-9]+' || echo 0)"
SKIPPED="$(grep -o -E '[0-9]+ skipped' <<<"$SUMMARY" | grep -o -E '[0-9]+' || echo 0)"
if [[ -z "$SUMMARY" || "$GENERATED" -eq 0 ]]; then
  echo "schemathesis did not report its test cases" >&2
  [[ $STATUS -ne 0 ]] || STATUS=1
fi
FAILED=$((UNIQUE > FOUND ? UNIQUE : FOUND))
if [[ $STATUS -ne 0 && $FAILED -eq 0 ]]; then
  FAILED=1
fi
PASSED="$(grep -o -E '[0-9]+ passed' <<<"$SUMMARY" | grep -o -E '[0-9]+' || echo $((GENERATED - FOUND)))"
((PASSED >= 0)) || PASSED=0
log "schemathesis $SCHEMATHESIS_VERSION, ${EXAMPLES} examples per operation, seed $SEED: $GENERATED cases, $FAILED failures"
if ((SKIPPED > 0)); then
  echo "$PASSED passed, $FAILED failed, $SKIPPED skipped"
else
  echo "$PASSED passed, $FAILED failed"
fi
exit "$STATUS"
