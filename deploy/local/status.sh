#!/usr/bin/env bash
# One line per process of the local stack; exit status 0 only when all are running.
# shellcheck source=deploy/local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

rc=0
"$LOCAL_DIR/ferretdb.sh" status || rc=1
"$LOCAL_DIR/kafka.sh" status || rc=1
"$LOCAL_DIR/sinks.sh" status || rc=1
"$LOCAL_DIR/services.sh" status || rc=1
"$LOCAL_DIR/gateway.sh" status || rc=1
"$LOCAL_DIR/console.sh" status || rc=1
echo "logs: .data/logs/"
exit "$rc"
