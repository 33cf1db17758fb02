#!/usr/bin/env bash
# The six Python services of the local stack, one process each running API, consumer
# and outbox relay together (`<ctx>-service all`).
#   services.sh start|stop|kill|status|restart [ctx...]
#   services.sh replicas CTX APIS CONSUMERS
# Without a ctx list the command applies to all of: clients ranks loyalty crm notifications
# identity (ports 4101..4106 in that order).
#
# `replicas` runs more processes of one service beside its main one, as deploy/k8s runs
# its Deployments: APIS processes `<ctx>-service api` and CONSUMERS processes
# `<ctx>-service consumer` (0-4 each; 0 stops them), named `<ctx>-api-<n>` and
# `<ctx>-consumer-<n>`. They share the service's database, Kafka user and consumer group;
# the gateway keeps calling the main process, the extra APIs answer at their own ports
# (`replica_port`, printed). `stop` and `kill` stop them too.
# shellcheck source=deploy/local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

cmd=${1:-}
shift || true
if (($#)); then
	ctxs=("$@")
else
	ctxs=("${CONTEXTS[@]}")
fi
[[ $cmd == replicas ]] || for c in "${ctxs[@]}"; do service_port "$c" >/dev/null; done

# spawn_service NAME CTX PORT ROLE: one process of CTX. Each service gets its own database
# and consumer group, named after it, and logs in to Kafka as itself; a service without
# Kafka (identity) gets no Kafka user and an empty KAFKA_BOOTSTRAP.
spawn_service() {
	local name=$1 ctx=$2 port=$3 role=$4 bootstrap="" user="" password=""
	if uses_kafka "$ctx"; then
		bootstrap=$KAFKA_BOOTSTRAP user=$ctx
		password=$(kafka_password "$ctx")
	fi
	SERVICE_NAME=$ctx MONGO_DB=$ctx HTTP_HOST=127.0.0.1 HTTP_PORT=$port \
		KAFKA_BOOTSTRAP=$bootstrap KAFKA_USERNAME=$user KAFKA_PASSWORD=$password \
		spawn "$name" "$VENV/bin/$ctx-service" "$role"
}

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
	spawn_service "$ctx" "$ctx" "$port" all
	say "$ctx starting (pid $(pid_of "$ctx"), http://127.0.0.1:$port, log .data/logs/$ctx.log)"
}

ready_one() { http_ok "http://127.0.0.1:$(service_port "$1")/readyz"; }

# The extra processes of CTX that are running, by name.
extras_of() {
	local f name
	for f in "$PIDS/$1"-api-*.pid "$PIDS/$1"-consumer-*.pid; do
		[[ -e $f ]] || continue
		name=$(basename "$f" .pid)
		[[ -n $(pid_of "$name") ]] && printf '%s\n' "$name"
	done
	return 0
}

start_extra() {
	local ctx=$1 role=$2 n=$3 name=$1-$2-$3 port
	port=$(replica_port "$ctx" "$role" "$n")
	[[ -n $(pid_of "$name") ]] && return 0
	port_open "$port" && die "port $port ($name) is taken by a process these scripts did not start"
	spawn_service "$name" "$ctx" "$port" "$role"
	say "$name starting (pid $(pid_of "$name"), http://127.0.0.1:$port)"
}

# replicas CTX APIS CONSUMERS: exactly that many extra processes, each ready on return.
replicas() {
	local ctx=$1 apis=$2 consumers=$3 role want n name pids=()
	service_port "$ctx" >/dev/null
	[[ $apis =~ ^[0-4]$ && $consumers =~ ^[0-4]$ ]] || die "replicas: APIS and CONSUMERS are 0-4"
	[[ -n $(pid_of "$ctx") ]] || die "$ctx is not running: start the stack first"
	export_stack_env
	for role in api consumer; do
		want=$apis
		[[ $role == consumer ]] && want=$consumers
		for n in 1 2 3 4; do
			name=$ctx-$role-$n
			if ((n <= want)); then
				start_extra "$ctx" "$role" "$n"
			elif [[ -n $(pid_of "$name") ]]; then
				stop_proc "$name" 20 &
				pids+=($!)
			fi
		done
	done
	for n in "${pids[@]}"; do wait "$n"; done
	for role in api consumer; do
		want=$apis
		[[ $role == consumer ]] && want=$consumers
		for ((n = 1; n <= want; n++)); do
			wait_until "$ctx-$role-$n" "${SERVICE_READY_TIMEOUT:-60}" \
				http_ok "http://127.0.0.1:$(replica_port "$ctx" "$role" "$n")/readyz"
		done
	done
}

wait_all() {
	local c
	for c in "${ctxs[@]}"; do
		wait_until "$c" "${SERVICE_READY_TIMEOUT:-60}" ready_one "$c"
	done
}

status_one() {
	local ctx=$1 pid port name
	for name in $(extras_of "$ctx"); do
		printf '%-14s running   pid %s  (an extra process of %s)\n' "$name" "$(pid_of "$name")" "$ctx"
	done
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
	for c in "${ctxs[@]}" $(for c in "${ctxs[@]}"; do extras_of "$c"; done); do
		stop_proc "$c" 20 &
		pids+=($!)
	done
	for c in "${pids[@]}"; do wait "$c"; done
}

case $cmd in
start) start_all ;;
stop) stop_all ;;
kill) for c in "${ctxs[@]}" $(for c in "${ctxs[@]}"; do extras_of "$c"; done); do kill_proc "$c"; done ;;
replicas)
	((${#ctxs[@]} == 3)) || die "usage: $0 replicas CTX APIS CONSUMERS"
	replicas "${ctxs[@]}"
	;;
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
	echo "       $0 replicas CTX APIS CONSUMERS" >&2
	exit 2
	;;
esac
