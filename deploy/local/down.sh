#!/usr/bin/env bash
# Stop the whole local stack, front to back, each process cleanly (SIGTERM, then SIGKILL
# after a grace period). Data in .data/ is kept; see reset.sh to remove it.
# shellcheck source=deploy/local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

"$LOCAL_DIR/console.sh" stop
"$LOCAL_DIR/gateway.sh" stop
"$LOCAL_DIR/services.sh" stop
"$LOCAL_DIR/sinks.sh" stop
# Nothing depends on these two any more, so they stop side by side.
"$LOCAL_DIR/kafka.sh" stop &
kafka=$!
"$LOCAL_DIR/ferretdb.sh" stop
wait "$kafka"
