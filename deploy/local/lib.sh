# shellcheck shell=bash disable=SC2034 # its variables are used by the scripts sourcing it
# Helpers shared by the local stack scripts. Sourced, never run directly.
#
# Layout (both folders are git-ignored):
#   .cache/  things that can be rebuilt from the network: Kafka jars, the FerretDB
#            binary, uv when it is not installed system-wide.
#   .data/   state: databases, Kafka logs, process logs, pid files, the JWT secret.

set -euo pipefail

LOCAL_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$LOCAL_DIR/../.." && pwd)
CACHE=$ROOT/.cache
DATA=$ROOT/.data
LOGS=$DATA/logs
PIDS=$DATA/pids
SECRETS=$DATA/secrets
VENV=$ROOT/.venv
mkdir -p "$LOGS" "$PIDS"

# uv installed by ensure_uv lives in .cache/uv; a user-level pip install lands in ~/.local/bin.
PATH=$CACHE/uv/bin:$HOME/.local/bin:$PATH
export PATH

STACK_QUIET=${STACK_QUIET:-0}

say() { [[ $STACK_QUIET == 1 ]] || printf '%s\n' "$*"; }
warn() { printf '%s\n' "$*" >&2; }
die() {
	warn "error: $*"
	exit 1
}

# --- processes ---------------------------------------------------------------------

# proc_start PID: the process's start time (clock ticks since boot), empty when PID is
# gone or a zombie. Together with the pid it names one process, even after the pid is
# recycled and even when the process has exec'd another program.
proc_start() {
	local stat pid=$1 tasks
	{ read -r stat <"/proc/$pid/stat"; } 2>/dev/null || return 0
	stat=${stat##*) } # fields after "(comm)": state is the 1st, starttime the 20th
	# shellcheck disable=SC2086 # split into fields on purpose
	set -- $stat
	if [[ $1 == Z ]]; then
		# A killed multi-threaded process (the JVM, Go) shows its main thread as a zombie
		# while the other threads are still exiting and its sockets are still open: it
		# is gone only when no thread is left.
		tasks=("/proc/$pid/task/"*)
		((${#tasks[@]} > 1)) || return 0
	fi
	printf '%s\n' "${20}"
}

# alive PID: true while PID runs (a zombie, dead but not yet reaped, does not count).
alive() { [[ -n $(proc_start "$1") ]]; }

# pid_of NAME: the pid recorded in .data/pids/NAME.pid if that process is alive.
pid_of() {
	local name=$1 pid start
	[[ -f $PIDS/$name.pid ]] || return 0
	read -r pid start <"$PIDS/$name.pid" || true
	[[ $pid =~ ^[0-9]+$ && -n $start ]] || return 0
	[[ $(proc_start "$pid") == "$start" ]] && printf '%s\n' "$pid"
	return 0
}

# spawn NAME CMD...: run CMD detached in its own session and process group (so Ctrl-C
# in the terminal that ran `make up` does not reach it, and stop can signal the whole
# group), output appended to .data/logs/NAME.log.
spawn() {
	local name=$1
	shift
	local log=$LOGS/$name.log pidf=$PIDS/$name.pid pid="" i
	printf '\n==== %s starting %s\n' "$(date -u +%FT%TZ)" "$name" >>"$log"
	rm -f "$pidf" "$pidf.new"
	# The child writes its own pid before exec-ing: $! would be setsid's pid when
	# setsid has to fork.
	# shellcheck disable=SC2016 # $$ and $1 belong to the inner bash
	# fd 9 is up.sh's lock (and a caller may hold others, e.g. under flock(1)): a daemon
	# that inherited one would hold that lock forever.
	setsid bash -c 'echo $$ >"$1"; shift; exec "$@"' _ "$pidf.new" "$@" \
		</dev/null >>"$log" 2>&1 3>&- 4>&- 5>&- 6>&- 7>&- 8>&- 9>&- &
	for i in $(seq 250); do
		[[ -s $pidf.new ]] && read -r pid <"$pidf.new" && [[ -n $pid ]] && break
		sleep 0.02
	done
	if [[ -n $pid ]]; then
		printf '%s %s\n' "$pid" "$(proc_start "$pid")" >"$pidf"
		rm -f "$pidf.new"
	fi
	if [[ -z $(pid_of "$name") ]]; then
		warn "$name exited immediately"
		last_log "$name"
		return 1
	fi
}

# changed_since_start NAME PATH...: prints the first file under PATH newer than NAME's
# pid file (written when NAME started), i.e. code the running process has not loaded.
changed_since_start() {
	local name=$1
	shift
	find "$@" -newer "$PIDS/$name.pid" -type f \
		\( -name '*.py' -o -name '*.ts' -o -name '*.graphql' -o -name '*.json' -o -name '*.sh' -o -name '*.lock' -o -name '*.toml' \) \
		-not -path '*/node_modules/*' -not -path '*/__pycache__/*' -print -quit 2>/dev/null || true
}

# stop_proc NAME [GRACE_SECONDS]: SIGTERM the process group, wait, then SIGKILL it.
stop_proc() {
	local name=$1 grace=${2:-20} pid i
	pid=$(pid_of "$name")
	if [[ -z $pid ]]; then
		rm -f "$PIDS/$name.pid"
		return 0
	fi
	kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
	for ((i = 0; i < grace * 10; i++)); do
		alive "$pid" || break
		sleep 0.1
	done
	if alive "$pid"; then
		warn "$name did not stop within ${grace}s; killing it"
		kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
	fi
	wait_gone "$pid"
	rm -f "$PIDS/$name.pid"
	say "$name stopped"
}

# kill_proc NAME: SIGKILL, no shutdown at all (what a crash looks like; fault tests use it).
kill_proc() {
	local name=$1 pid
	pid=$(pid_of "$name")
	if [[ -n $pid ]]; then
		kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
		wait_gone "$pid"
		say "$name killed"
	fi
	rm -f "$PIDS/$name.pid"
}

wait_gone() {
	local pid=$1 i
	for i in $(seq 100); do
		alive "$pid" || return 0
		sleep 0.05
	done
}

# --- ports and health --------------------------------------------------------------

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# http_ok URL: true when URL answers 2xx within 2 seconds.
http_ok() {
	if command -v curl >/dev/null; then
		curl -fsS -o /dev/null --max-time 2 "$1" 2>/dev/null
	else
		python3 - "$1" <<-'EOF' 2>/dev/null
			import sys, urllib.request
			urllib.request.urlopen(sys.argv[1], timeout=2)
		EOF
	fi
}

last_log() {
	local log=$LOGS/$1.log
	if [[ -f $log ]]; then
		warn "---- last lines of $log"
		tail -n "${2:-30}" "$log" >&2
		warn "----"
	fi
}

# wait_until NAME TIMEOUT CMD...: poll CMD until it succeeds. On timeout (or when
# NAME's process died) print the end of its log and fail.
wait_until() {
	local name=$1 timeout=$2
	shift 2
	local deadline=$((SECONDS + timeout))
	while ! "$@"; do
		if [[ -f $PIDS/$name.pid && -z $(pid_of "$name") ]]; then
			warn "$name exited while starting"
			last_log "$name"
			return 1
		fi
		if ((SECONDS >= deadline)); then
			warn "$name not ready after ${timeout}s ($*)"
			last_log "$name"
			return 1
		fi
		sleep 0.2
	done
}

# --- installs ----------------------------------------------------------------------
# Each ensure_* is cheap when there is nothing to do, so every start calls it. Their
# tools' output goes to .data/logs/install-<what>.log (up.sh runs several at once) and
# is shown only when something fails.

# logged LOG CMD...: run CMD with its output appended to .data/logs/LOG.log.
logged() {
	local what=$1
	shift
	local log=$LOGS/$what.log
	printf '==== %s %s\n' "$(date -u +%FT%TZ)" "$*" >>"$log"
	if ! "$@" </dev/null >>"$log" 2>&1; then
		warn "---- last lines of $log"
		tail -n 30 "$log" >&2
		warn "----"
		return 1
	fi
}

# ensure_uv: a uv binary on PATH. pip --target sidesteps Debian's "externally managed
# environment" refusal and keeps it inside the repository's cache.
ensure_uv() {
	command -v uv >/dev/null && return 0
	say "installing uv into .cache/uv"
	logged install-uv python3 -m pip install --disable-pip-version-check --target "$CACHE/uv" uv ||
		die "could not install uv (python3 -m pip install --target .cache/uv uv)"
	command -v uv >/dev/null || die "uv installed but not found in $CACHE/uv/bin"
}

# ensure_venv: .venv matches uv.lock (uv itself decides quickly when nothing changed).
ensure_venv() {
	ensure_uv
	local flags=()
	[[ -f $ROOT/uv.lock ]] && flags+=(--frozen)
	(cd "$ROOT" && logged install-uv uv sync "${flags[@]}") || die "uv sync failed"
}

# ensure_gateway_modules: the gateway's npm packages.
ensure_gateway_modules() { ensure_npm_modules gateway; }

# ensure_web_modules: the same for web/ (the typed client of the graph, and its checks).
ensure_web_modules() { ensure_npm_modules web; }

# ensure_npm_modules DIR: npm ci in DIR when its node_modules is missing or older than its
# lockfile.
ensure_npm_modules() {
	local dir=$ROOT/$1
	[[ -f $dir/package-lock.json ]] || die "$1/package-lock.json is missing"
	if [[ -f $dir/node_modules/.package-lock.json && ! $dir/package-lock.json -nt $dir/node_modules/.package-lock.json ]]; then
		return 0
	fi
	command -v npm >/dev/null || die "npm not found (Node 20 is required)"
	say "installing $1 packages (npm ci)"
	(cd "$dir" && logged "install-npm-$1" npm ci --no-audit --no-fund) || die "npm ci failed in $1/"
}

# ensure_chromium: the browser the console's journeys drive (playwright-core with Debian's
# chromium; Playwright's own browser downloads are not used). Installed with apt-get as
# root, or through sudo without a password; otherwise a warning says what to run.
ensure_chromium() {
	command -v chromium >/dev/null && return 0
	local as_root=()
	if ((EUID != 0)); then
		if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
			as_root=(sudo -n)
		else
			warn "chromium is missing and cannot be installed without root: run 'apt-get install -y chromium' (the console's browser journeys need it)"
			return 0
		fi
	fi
	say "installing chromium (apt-get)"
	logged install-chromium "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium ||
		{ logged install-chromium "${as_root[@]}" apt-get update && logged install-chromium "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium; } ||
		die "could not install chromium (.data/logs/install-chromium.log)"
}

# A hash of the files that decide what gets built, stored next to the product; a change
# to any of them rebuilds it.
_stamp() { cat "$@" | cksum | cut -d' ' -f1; }

# ensure_kafka_jars: the broker's jars, resolved by Maven into .cache/kafka/libs.
ensure_kafka_jars() {
	local libs=$CACHE/kafka/libs stamp
	stamp=$(_stamp "$LOCAL_DIR/kafka/pom.xml")
	[[ -f $libs/.stamp && $(<"$libs/.stamp") == "$stamp" ]] && return 0
	command -v java >/dev/null || die "java not found (Java 17 is required)"
	command -v mvn >/dev/null || die "mvn not found (Maven is required)"
	say "downloading Kafka jars (maven)"
	local tmp=$CACHE/kafka/libs.tmp.$$
	rm -rf "$tmp"
	mkdir -p "$tmp"
	(cd "$LOCAL_DIR/kafka" && logged install-kafka mvn -B -ntp dependency:copy-dependencies \
		-DoutputDirectory="$tmp" -DincludeScope=runtime) || {
		rm -rf "$tmp"
		die "maven could not resolve deploy/local/kafka/pom.xml"
	}
	printf '%s\n' "$stamp" >"$tmp/.stamp"
	# Swap in whole, so a broker never starts on a half-copied folder. Class-data
	# archives of the old jars are useless now.
	rm -rf "$libs" "$CACHE"/kafka/classes-*.jsa
	mv "$tmp" "$libs"
}

# ensure_ferretdb: .cache/bin/ferretdb built from deploy/local/ferretdb (see main.go there).
ensure_ferretdb() {
	local src=$LOCAL_DIR/ferretdb bin=$CACHE/bin/ferretdb stamp
	stamp=$(_stamp "$src/go.mod" "$src/go.sum" "$src"/*.go)
	[[ -x $bin && -f $bin.stamp && $(<"$bin.stamp") == "$stamp" ]] && return 0
	command -v go >/dev/null || die "go not found (Go 1.24 or newer is required)"
	say "building FerretDB (go install; the first build takes a few minutes)"
	mkdir -p "$CACHE/bin"
	(cd "$src" && logged install-ferretdb env CGO_ENABLED=0 GOBIN="$CACHE/bin" \
		go install -trimpath -ldflags='-s -w' .) ||
		die "go could not build deploy/local/ferretdb"
	printf '%s\n' "$stamp" >"$bin.stamp"
}

# --- configuration shared by services, gateway and the demo ------------------------

# jwt_secret [NAME]: generated once, kept across resets (tokens handed out keep working).
# Several scripts may ask at the same moment: each writes its own candidate and the
# first hard link to win becomes the secret. NAME (default jwt_secret) names another
# secret kept the same way.
jwt_secret() {
	local f=$SECRETS/${1:-jwt_secret} tmp
	if [[ ! -s $f ]]; then
		mkdir -p "$SECRETS"
		chmod 700 "$SECRETS"
		tmp=$f.$$.$RANDOM
		(
			umask 077
			python3 -c 'import secrets; print(secrets.token_urlsafe(48))' >"$tmp"
		)
		ln "$tmp" "$f" 2>/dev/null || true
		rm -f "$tmp"
	fi
	cat "$f"
}

# kafka_password USER: the local Kafka user's password (SCRAM), generated once into
# .data/secrets/kafka/USER and kept across resets, like the JWT secret.
kafka_password() {
	local dir=$SECRETS/kafka f tmp
	f=$dir/$1
	if [[ ! -s $f ]]; then
		mkdir -p "$dir"
		chmod 700 "$SECRETS" "$dir"
		tmp=$f.$$.$RANDOM
		(
			umask 077
			python3 -c 'import secrets; print(secrets.token_urlsafe(32))' >"$tmp"
		)
		ln "$tmp" "$f" 2>/dev/null || true
		rm -f "$tmp"
	fi
	cat "$f"
}

CONTEXTS=(clients ranks loyalty crm notifications identity)
# The services with a Kafka user of their own (studio_admin.kafka_access.SERVICES; a test
# keeps the two equal). identity publishes and reads no events: it has no Kafka user, runs
# with an empty KAFKA_BOOTSTRAP and is ready without Kafka (docs/identity.md).
KAFKA_CONTEXTS=(clients ranks loyalty crm notifications)
MONGO_PORT=27017
KAFKA_PORT=9092
GATEWAY_PORT=4000
# The console (web/console); the gateway's CORS lets this origin in outside production.
CONSOLE_PORT=5173

# uses_kafka CTX: whether CTX's processes log in to Kafka.
uses_kafka() {
	local c
	for c in "${KAFKA_CONTEXTS[@]}"; do [[ $c == "$1" ]] && return 0; done
	return 1
}

# service_port CTX: 4101 for clients ... 4105 for notifications, 4106 for identity.
service_port() {
	local i
	for i in "${!CONTEXTS[@]}"; do
		[[ ${CONTEXTS[$i]} == "$1" ]] && {
			echo $((4101 + i))
			return 0
		}
	done
	die "unknown context '$1' (expected one of: ${CONTEXTS[*]})"
}

# replica_port CTX api|consumer N: the port of an extra process (`services.sh replicas`):
# 4211..4214 for clients' extra APIs, 4215..4218 for its extra consumers, 4221.. for ranks…
# (plumbing.testing.replica_url knows the same numbers).
replica_port() {
	local base slot=$3
	base=$(service_port "$1")
	[[ $2 == consumer ]] && slot=$((4 + $3))
	echo $((4210 + (base - 4101) * 10 + slot))
}

# identity_signing_key: the path of the identity service's ES256 private key (PEM),
# generated once and kept across resets like the JWT secret: tokens signed before a
# restart stay valid.
identity_signing_key() {
	local f=$SECRETS/identity_signing_key.pem tmp
	if [[ ! -s $f ]]; then
		mkdir -p "$SECRETS"
		chmod 700 "$SECRETS"
		tmp=$f.$$.$RANDOM
		(
			umask 077
			"$VENV/bin/python" -c 'import sys
from cryptography.hazmat.primitives import serialization as s
from cryptography.hazmat.primitives.asymmetric import ec
k = ec.generate_private_key(ec.SECP256R1())
sys.stdout.buffer.write(k.private_bytes(s.Encoding.PEM, s.PrivateFormat.PKCS8, s.NoEncryption()))' >"$tmp"
		)
		ln "$tmp" "$f" 2>/dev/null || true
		rm -f "$tmp"
	fi
	echo "$f"
}

# export_stack_env: what every service process, the gateway and studioctl read.
export_stack_env() {
	JWT_SECRET=$(jwt_secret)
	export JWT_SECRET
	# The gateway signs its requests to the subgraphs with it; they answer nothing else.
	GATEWAY_SIGNING_SECRET=$(jwt_secret gateway_signing_secret)
	export GATEWAY_SIGNING_SECRET
	# People sign in at the identity service (docs/identity.md); the gateway and every
	# service verify its ES256 tokens against the keys it publishes.
	IDENTITY_SIGNING_KEY_FILE=$(identity_signing_key)
	export IDENTITY_SIGNING_KEY_FILE
	export JWT_JWKS_URL=${JWT_JWKS_URL-http://127.0.0.1:$((4101 + 5))/.well-known/jwks.json}
	# Where the APIs serving subscriptions ask which sessions were signed out (their
	# subscriptions end then, not at token expiry; docs/live-updates.md).
	export IDENTITY_SESSIONS_URL=${IDENTITY_SESSIONS_URL-http://127.0.0.1:$((4101 + 5))/internal/ended-sessions}
	export ENVIRONMENT=${ENVIRONMENT:-development}
	export MONGO_URL=${MONGO_URL:-mongodb://127.0.0.1:$MONGO_PORT/}
	export KAFKA_BOOTSTRAP=${KAFKA_BOOTSTRAP:-127.0.0.1:$KAFKA_PORT}
	# Each service logs in to Kafka as itself (services.sh sets KAFKA_USERNAME/PASSWORD).
	export KAFKA_SECURITY_PROTOCOL=${KAFKA_SECURITY_PROTOCOL:-SASL_PLAINTEXT}
	export LOG_LEVEL=${LOG_LEVEL:-INFO}
	# Plain-text lines are easier to read in .data/logs; set LOG_JSON=true to see the
	# production format.
	export LOG_JSON=${LOG_JSON:-false}
	# Logs are files, not terminals: no colour escape codes in them.
	export NO_COLOR=1 FORCE_COLOR=0
}
