#!/usr/bin/env bash
# The GraphQL gateway (Hive Gateway) of the local stack on http://127.0.0.1:4000/graphql.
#   gateway.sh start|stop|kill|status|restart
# It serves gateway/supergraph.graphql; when that file is missing it is composed first
# (`npm run compose`), which needs the services to be up.
# shellcheck source=deploy/local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

NAME=gateway
GW=$ROOT/gateway

start() {
	if [[ -n $(pid_of "$NAME") ]]; then
		local changed
		changed=$(changed_since_start "$NAME" "$GW/gateway.config.ts" "$GW/start.sh" "$GW/package-lock.json" \
			"$ROOT/web/graph/src/generated/persisted-documents.json")
		if [[ -z $changed ]]; then
			say "gateway already running (pid $(pid_of "$NAME"))"
			return 0
		fi
		say "gateway: ${changed#"$ROOT"/} changed since it started; restarting"
		stop_proc "$NAME" 15
	fi
	if port_open "$GATEWAY_PORT"; then
		die "port $GATEWAY_PORT (gateway) is taken by a process these scripts did not start"
	fi
	ensure_gateway_modules
	export_stack_env
	# gateway/start.sh reads these two.
	export GATEWAY_HOST=127.0.0.1 GATEWAY_PORT
	if [[ ! -f $GW/supergraph.graphql ]]; then
		say "composing gateway/supergraph.graphql"
		(cd "$GW" && logged compose npm run --silent compose) ||
			die "could not compose the supergraph (are the services up?)"
	fi
	cd "$GW"
	if [[ -f $GW/start.sh ]]; then
		spawn "$NAME" bash "$GW/start.sh"
	else
		spawn "$NAME" "$GW/node_modules/.bin/hive-gateway" supergraph supergraph.graphql \
			--host 127.0.0.1 --port "$GATEWAY_PORT"
	fi
	say "gateway starting (pid $(pid_of "$NAME"), log .data/logs/$NAME.log)"
}

ready() { http_ok "http://127.0.0.1:$GATEWAY_PORT/readiness"; }

status() {
	local pid
	pid=$(pid_of "$NAME")
	if [[ -n $pid ]] && ready; then
		echo "gateway        running   pid $pid  http://127.0.0.1:$GATEWAY_PORT/graphql"
	elif [[ -n $pid ]]; then
		echo "gateway        not ready pid $pid  http://127.0.0.1:$GATEWAY_PORT/readiness"
		return 1
	else
		echo "gateway        stopped"
		return 3
	fi
}

case ${1:-} in
start)
	start
	wait_until "$NAME" "${GATEWAY_READY_TIMEOUT:-60}" ready
	;;
stop) stop_proc "$NAME" 15 ;;
kill) kill_proc "$NAME" ;;
restart)
	stop_proc "$NAME" 15
	start
	wait_until "$NAME" "${GATEWAY_READY_TIMEOUT:-60}" ready
	;;
status) status ;;
*)
	echo "usage: $0 start|stop|kill|status|restart" >&2
	exit 2
	;;
esac
