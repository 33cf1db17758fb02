#!/usr/bin/env bash
# Starts Hive Gateway on the committed supergraph with gateway.config.ts.
# Runs from any directory; extra arguments go to `hive-gateway supergraph`.
set -euo pipefail

GATEWAY_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$GATEWAY_DIR/.." && pwd)
cd "$GATEWAY_DIR"

BIN=$GATEWAY_DIR/node_modules/.bin/hive-gateway
if [[ ! -x $BIN ]]; then
	echo "error: $BIN is missing; run \`npm ci\` in gateway/" >&2
	exit 1
fi

# The same secret the services verify with: the environment first, then the one the
# local stack generated. Without either the config falls back to the development
# placeholder (and refuses to start when ENVIRONMENT=production).
if [[ -z ${JWT_SECRET:-} && -s $ROOT/.data/secrets/jwt_secret ]]; then
	JWT_SECRET=$(<"$ROOT/.data/secrets/jwt_secret")
	export JWT_SECRET
fi
# Likewise the secret it signs every subgraph request with (the services check it).
if [[ -z ${GATEWAY_SIGNING_SECRET:-} && -s $ROOT/.data/secrets/gateway_signing_secret ]]; then
	GATEWAY_SIGNING_SECRET=$(<"$ROOT/.data/secrets/gateway_signing_secret")
	export GATEWAY_SIGNING_SECRET
fi

# The services read LOG_LEVEL in Python's spelling (INFO, WARNING); the gateway's logger
# accepts only trace|debug|info|warn|error and refuses to start on anything else.
if [[ -n ${LOG_LEVEL:-} ]]; then
	level=${LOG_LEVEL,,}
	case $level in
	warning) level=warn ;;
	critical | fatal) level=error ;;
	notset) level=info ;;
	esac
	export LOG_LEVEL=$level
fi

# hive-gateway also reads HOST and PORT from the environment and lets them win over the
# config file; pass ours explicitly so that a stray HOST or PORT cannot move the gateway.
# (FORK is read by both, with the same meaning.)
# Traces (OTLP or console, and their sampling) are set up by gateway.config.ts from the
# OTEL_* variables; the CLI's own --opentelemetry would ignore the sampler.

exec "$BIN" supergraph \
	--config-path "$GATEWAY_DIR/gateway.config.ts" \
	--host "${GATEWAY_HOST:-127.0.0.1}" \
	--port "${GATEWAY_PORT:-4000}" \
	"$@"
