#!/usr/bin/env bash
# FerretDB for the local stack: a MongoDB-compatible server on 127.0.0.1:27017 that
# keeps each database in one SQLite file under .data/ferretdb.
#   ferretdb.sh start|stop|kill|status|restart
# shellcheck source=deploy/local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

NAME=ferretdb
FDATA=$DATA/ferretdb

start() {
	if [[ -n $(pid_of "$NAME") ]]; then
		say "ferretdb already running (pid $(pid_of "$NAME"))"
		return 0
	fi
	if port_open "$MONGO_PORT"; then
		say "port $MONGO_PORT is already taken by a process this script did not start; using it as MongoDB"
		return 0
	fi
	ensure_ferretdb
	mkdir -p "$FDATA"
	# Connection open/close lines at info level would drown everything else.
	spawn "$NAME" "$CACHE/bin/ferretdb" \
		--listen-addr="127.0.0.1:$MONGO_PORT" --sqlite-dir="$FDATA" \
		--log-level="${FERRETDB_LOG_LEVEL:-warn}"
	say "ferretdb starting (pid $(pid_of "$NAME"), log .data/logs/$NAME.log)"
}

ready() { port_open "$MONGO_PORT"; }

status() {
	local pid
	pid=$(pid_of "$NAME")
	if [[ -n $pid ]] && ready; then
		echo "ferretdb       running   pid $pid  mongodb://127.0.0.1:$MONGO_PORT/"
	elif [[ -n $pid ]]; then
		echo "ferretdb       starting  pid $pid"
		return 1
	elif ready; then
		echo "ferretdb       running   (not started by these scripts)  127.0.0.1:$MONGO_PORT"
	else
		echo "ferretdb       stopped"
		return 3
	fi
}

case ${1:-} in
start)
	start
	wait_until "$NAME" 30 ready
	;;
stop) stop_proc "$NAME" 15 ;;
kill) kill_proc "$NAME" ;;
restart)
	stop_proc "$NAME" 15
	start
	wait_until "$NAME" 30 ready
	;;
status) status ;;
*)
	echo "usage: $0 start|stop|kill|status|restart" >&2
	exit 2
	;;
esac
