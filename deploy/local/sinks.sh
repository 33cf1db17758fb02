#!/usr/bin/env bash
# Local stand-ins for the outside world the notifications service delivers to: an SMTP
# server that stores every mail under .data/mail/ (127.0.0.1:2525) and an HTTP receiver
# for the SMS/push webhooks that stores each call under .data/webhooks/ (127.0.0.1:2526).
#   sinks.sh start|stop|kill|status|restart
# shellcheck source=deploy/local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

SINKS=(smtp-sink:2525 webhook-sink:2526)

start_one() {
	local name=${1%%:*} port=${1##*:}
	if [[ -n $(pid_of "$name") ]]; then
		return 0
	fi
	port_open "$port" && die "port $port ($name) is taken by a process these scripts did not start"
	[[ -x $VENV/bin/notifications-$name ]] || die "$VENV/bin/notifications-$name is missing: run 'uv sync'"
	spawn "$name" "$VENV/bin/notifications-$name"
	say "$name starting (pid $(pid_of "$name"), 127.0.0.1:$port)"
}

case ${1:-} in
start)
	for sink in "${SINKS[@]}"; do start_one "$sink"; done
	for sink in "${SINKS[@]}"; do wait_until "${sink%%:*}" 20 port_open "${sink##*:}"; done
	;;
stop) for sink in "${SINKS[@]}"; do stop_proc "${sink%%:*}" 5; done ;;
kill) for sink in "${SINKS[@]}"; do kill_proc "${sink%%:*}"; done ;;
restart)
	"$0" stop
	"$0" start
	;;
status)
	rc=0
	for sink in "${SINKS[@]}"; do
		name=${sink%%:*}
		if [[ -n $(pid_of "$name") ]]; then
			printf '%-14s running   pid %s  127.0.0.1:%s\n' "$name" "$(pid_of "$name")" "${sink##*:}"
		else
			printf '%-14s stopped\n' "$name"
			rc=3
		fi
	done
	exit "$rc"
	;;
*)
	echo "usage: $0 start|stop|kill|status|restart" >&2
	exit 2
	;;
esac
