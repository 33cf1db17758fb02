#!/usr/bin/env bash
# The five Python services of the local stack, one process each running API, consumer
# and outbox relay together (`<ctx>-service all`).
#   services.sh start|stop|kill|status|restart [ctx...]
# Without a ctx list the command applies to all of: clients ranks loyalty crm notifications
# (ports 4101..4105 in that order).
# shellcheck source=deploy/local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

cmd=${1:-}
shift || true
if (($#)); then
	ctxs=("$@")
else
	ctxs=("${CONTEXTS[@]}")
fi
for c in "${ctxs[@]}"; do service_port "$c" >/dev/null; done

start_one() {
	local ctx=$1 port changed bin=$VENV/bin/$1-service
	port=$(service_port "$ctx")
	if [[ -n $(pid_of "$ctx") ]]; then
		# A running service keeps the code it started with; after an edit, `make test` must
		# not test the old one.
		changed=$(changed_since_start "$ctx" "$ROOT/services/$ctx/src" "$ROOT"/libs/*/src "$ROOT/uv.lock")
		if [[ -z $changed ]]; then
			say "$ctx already running (pid $(pid_of "$ctx"))"
			return 0
		fi
		say "$ctx: ${changed#"$ROOT"/} changed since it started; restarting"
		stop_proc "$ctx" 20
	fi
	if port_open "$port"; then
		die "port $port ($ctx) is taken by a process these scripts did not start"
	fi
	[[ -x $bin ]] || die "$bin is missing: run 'uv sync' (or the service is not written yet)"
	# Each service gets its own database and consumer group, named after it.
	SERVICE_NAME=$ctx MONGO_DB=$ctx HTTP_HOST=127.0.0.1 HTTP_PORT=$port \
		KAFKA_USERNAME=$ctx KAFKA_PASSWORD=$(kafka_password "$ctx") \
		spawn "$ctx" "$bin" all
	say "$ctx starting (pid $(pid_of "$ctx"), http://127.0.0.1:$port, log .data/logs/$ctx.log)"
}

ready_one() { http_ok "http://127.0.0.1:$(service_port "$1")/readyz"; }

wait_all() {
	local c
	for c in "${ctxs[@]}"; do
		wait_until "$c" "${SERVICE_READY_TIMEOUT:-60}" ready_one "$c"
	done
}

status_one() {
	local ctx=$1 pid port
	pid=$(pid_of "$ctx")
	port=$(service_port "$ctx")
	if [[ -n $pid ]] && ready_one "$ctx"; then
		printf '%-14s running   pid %s  http://127.0.0.1:%s\n' "$ctx" "$pid" "$port"
	elif [[ -n $pid ]]; then
		printf '%-14s not ready pid %s  http://127.0.0.1:%s/readyz\n' "$ctx" "$pid" "$port"
		return 1
	else
		printf '%-14s stopped\n' "$ctx"
		return 3
	fi
}

start_all() {
	export_stack_env
	local c
	for c in "${ctxs[@]}"; do start_one "$c"; done
	wait_all
}

stop_all() {
	local c pids=()
	# In parallel: each one may take a few seconds to drain its consumer.
	for c in "${ctxs[@]}"; do
		stop_proc "$c" 20 &
		pids+=($!)
	done
	for c in "${pids[@]}"; do wait "$c"; done
}

case $cmd in
start) start_all ;;
stop) stop_all ;;
kill) for c in "${ctxs[@]}"; do kill_proc "$c"; done ;;
restart)
	stop_all
	start_all
	;;
status)
	rc=0
	for c in "${ctxs[@]}"; do status_one "$c" || rc=$?; done
	exit "$rc"
	;;
*)
	echo "usage: $0 start|stop|kill|status|restart [${CONTEXTS[*]}]" >&2
	exit 2
	;;
esac
