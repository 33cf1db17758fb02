#!/usr/bin/env bash
# The studio console (web/console) on http://localhost:5173: built with Vite when its
# sources changed since the last build, served by web/console/serve.mjs (brotli/gzip,
# every other path answered with the app), calling the gateway on port 4000.
#   console.sh start|stop|kill|status|restart|build
# shellcheck source=deploy/local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

NAME=console
APP=$ROOT/web/console
DIST=$APP/dist

# What decides the build: the console's sources, the typed client and the lockfile.
sources() {
	find "$APP/src" "$APP/public" "$APP/index.html" "$APP/vite.config.ts" "$APP/package.json" \
		"$ROOT/web/graph/src" "$ROOT/web/package-lock.json" -type f -not -path '*/node_modules/*' | sort
}

build() {
	local stamp
	stamp=$(sources | xargs cat | cksum | cut -d' ' -f1)
	[[ -f $DIST/.stamp && $(<"$DIST/.stamp") == "$stamp" && -f $DIST/index.html ]] && return 0
	ensure_web_modules
	say "building the console (vite build)"
	(cd "$APP" && logged build-console npm run --silent build) || die "the console did not build (.data/logs/build-console.log)"
	echo "$stamp" >"$DIST/.stamp"
}

start() {
	build
	if [[ -n $(pid_of "$NAME") ]]; then
		# serve.mjs reads dist/ once, at start: a newer build needs a restart.
		if [[ -z $(find "$DIST/.stamp" "$APP/serve.mjs" -newer "$PIDS/$NAME.pid" -print -quit) ]]; then
			say "console already running (pid $(pid_of "$NAME"))"
			return 0
		fi
		say "console: rebuilt since it started; restarting"
		stop_proc "$NAME" 5
	fi
	port_open "$CONSOLE_PORT" && die "port $CONSOLE_PORT (console) is taken by a process these scripts did not start"
	CONSOLE_PORT=$CONSOLE_PORT CONSOLE_GATEWAY_URL=http://localhost:$GATEWAY_PORT \
		spawn "$NAME" node "$APP/serve.mjs"
	say "console starting (pid $(pid_of "$NAME"), log .data/logs/$NAME.log)"
}

ready() { http_ok "http://127.0.0.1:$CONSOLE_PORT/healthz"; }

status() {
	local pid
	pid=$(pid_of "$NAME")
	if [[ -n $pid ]] && ready; then
		echo "console        running   pid $pid  http://localhost:$CONSOLE_PORT"
	elif [[ -n $pid ]]; then
		echo "console        not ready pid $pid  http://localhost:$CONSOLE_PORT/healthz"
		return 1
	else
		echo "console        stopped"
		return 3
	fi
}

case ${1:-} in
start)
	start
	wait_until "$NAME" 20 ready
	;;
build) build ;;
stop) stop_proc "$NAME" 5 ;;
kill) kill_proc "$NAME" ;;
restart)
	stop_proc "$NAME" 5
	start
	wait_until "$NAME" 20 ready
	;;
status) status ;;
*)
	echo "usage: $0 start|stop|kill|status|restart|build" >&2
	exit 2
	;;
esac
