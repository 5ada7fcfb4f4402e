#!/bin/sh
# The container's entrypoint (Dockerfile) and the systemd unit's command: checks that the environment a
# real deployment needs is there, names what is missing and how to set it (exit 2, nothing started),
# then runs the agent (`treasury <verb>`, default `run`) or the indexer (Ponder) in the foreground, so
# the supervisor's SIGTERM reaches the process itself (exec).
#   entrypoint.sh agent [treasury verb and flags]     default: agent run
#   entrypoint.sh indexer
set -eu
APP_DIR="${APP_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}"
role="${1:-agent}"
[ "$#" -gt 0 ] && shift

fail() {
  echo "entrypoint: $*" >&2
  exit 2
}
need() { # VAR, what it is
  eval "v=\${$1:-}"
  [ -n "$v" ] || fail "$1 is not set: $2"
}

case "$role" in
  agent)
    need RPC_URL "the JSON-RPC URL of your Ethereum node (e.g. https://…)"
    need SAFE_ADDRESS "the treasury Safe's address"
    [ -n "${DEPLOYMENTS_FILE:-}" ] || [ -n "${NETWORK:-}" ] || fail "DEPLOYMENTS_FILE is not set: the deployments JSON of your chain (addresses of the policy, valuation, module; e.g. /app/deployments/mainnet.json)"
    # In a container the embedded database would die with it: the journal must be Postgres.
    if [ -z "${DATABASE_URL:-}" ] && [ "${ALLOW_EMBEDDED_JOURNAL:-}" != "true" ]; then
      fail "DATABASE_URL is not set: the journal must outlive the container (postgres://user:pass@host:5432/db); ALLOW_EMBEDDED_JOURNAL=true keeps it in AGENT_DATA_DIR on a mounted volume instead"
    fi
    if [ -z "${AGENT_PRIVATE_KEY:-}" ] && [ -z "${AGENT_CONFIG:-}" ]; then
      fail "no agent key: mount a config file with keys.agent = {\"keystore\": FILE, \"passwordEnv\": VAR} and set AGENT_CONFIG to it (recommended), or set AGENT_PRIVATE_KEY from your secret store"
    fi
    if [ -n "${AGENT_CONFIG:-}" ] && [ ! -r "$AGENT_CONFIG" ]; then
      fail "AGENT_CONFIG=$AGENT_CONFIG cannot be read: mount the file (read-only) and check its owner"
    fi
    [ "$#" -gt 0 ] || set -- run
    exec node "$APP_DIR/agent/bin/treasury.js" "$@"
    ;;
  indexer)
    need DATABASE_URL "the indexer's Postgres (postgres://user:pass@host:5432/db)"
    need RPC_URL "the JSON-RPC URL the indexer follows"
    [ -n "${NETWORK:-}" ] || [ -n "${DEPLOYMENTS_FILE:-}" ] || fail "NETWORK is not set: the name of deployments/<NETWORK>.json the indexer follows (e.g. mainnet), or DEPLOYMENTS_FILE: its path"
    cd "$APP_DIR/indexer"
    PONDER_TELEMETRY_DISABLED=true exec "$APP_DIR/node_modules/.bin/ponder" start --schema "${DATABASE_SCHEMA:-treasury}" --port "${PORT:-42069}" "$@"
    ;;
  *)
    fail "unknown role \"$role\": use agent or indexer (e.g. entrypoint.sh agent status --json)"
    ;;
esac
