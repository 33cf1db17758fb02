#!/usr/bin/env bash
# Bring the whole local stack up: install what is missing, start FerretDB and Kafka,
# create the topics, start the services, the gateway and the console, load the demo tenant and
# print a token. Safe to re-run: whatever is already running is left alone.
#   up.sh [--quiet] [--no-demo]
#     --quiet    print only errors and one summary line (used by `make test`)
#     --no-demo  do not load the demo tenant (a token is still printed unless --quiet)
# shellcheck source=deploy/local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

DEMO=1
for arg in "$@"; do
	case $arg in
	--quiet) STACK_QUIET=1 ;;
	--no-demo) DEMO=0 ;;
	-h | --help)
		sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'
		exit 0
		;;
	*) die "unknown option $arg (see $0 --help)" ;;
	esac
done
export STACK_QUIET
started=$SECONDS

# Two `up` runs at once (say `make up` in one terminal and `make test` in another)
# would race on installs and pid files; the second waits for the first.
exec 9>"$DATA/up.lock"
if ! flock -n 9; then
	say "another up.sh is running; waiting for it"
	flock 9
fi

command -v python3 >/dev/null || die "python3 not found"
command -v setsid >/dev/null || die "setsid not found (package util-linux)"

# 1. Installs and infrastructure, in parallel. FerretDB and Kafka start as soon as
#    their own download/build is done; the slowest step on a fresh machine is the
#    FerretDB build.
jobs_pids=()
jobs_names=()
bg() {
	local name=$1
	shift
	("$@") &
	jobs_pids+=($!)
	jobs_names+=("$name")
}
wait_jobs() {
	local i failed=()
	for i in "${!jobs_pids[@]}"; do
		wait "${jobs_pids[$i]}" || failed+=("${jobs_names[$i]}")
	done
	jobs_pids=()
	jobs_names=()
	((${#failed[@]} == 0)) || die "failed: ${failed[*]} (logs in .data/logs/)"
}

bg python ensure_venv
bg gateway-packages ensure_gateway_modules
bg web-packages ensure_web_modules
bg chromium ensure_chromium
bg ferretdb "$LOCAL_DIR/ferretdb.sh" start
bg kafka "$LOCAL_DIR/kafka.sh" start
wait_jobs
say "-- installs, FerretDB and Kafka ready ($((SECONDS - started))s)"

# 2. Topics (needs Kafka and the Python environment), and the local mail/webhook sinks
#    the notifications service delivers to.
"$LOCAL_DIR/kafka.sh" topics
"$LOCAL_DIR/sinks.sh" start

# 3. The services and the gateway. The gateway serves the committed supergraph and does
#    not need the services to start, so both start together; only when the supergraph
#    has to be composed first does the gateway wait for the services.
if [[ -f $ROOT/gateway/supergraph.graphql ]]; then
	bg services "$LOCAL_DIR/services.sh" start
	bg gateway "$LOCAL_DIR/gateway.sh" start
	bg console "$LOCAL_DIR/console.sh" start
	wait_jobs
else
	"$LOCAL_DIR/services.sh" start
	"$LOCAL_DIR/gateway.sh" start
	"$LOCAL_DIR/console.sh" start
fi
say "-- services, gateway and console ready ($((SECONDS - started))s)"

# 4. Demo data and a token to try the graph with. studioctl may not exist yet (or not
#    import) while the project is young: then the demo is skipped and the token minted here.
export_stack_env
studioctl=$VENV/bin/studioctl
DEMO_PASSWORD=demo-studio-password
if ((DEMO)); then
	say "loading the demo tenant (studioctl demo --if-missing)"
	if ! logged demo "$studioctl" demo --if-missing; then
		"$studioctl" --help >/dev/null 2>&1 && die "studioctl demo failed (.data/logs/demo.log)"
		say "skipping demo data: studioctl is not usable yet"
	fi
	# People who sign in to the demo studio (docs/identity.md); a local password only.
	for who in owner:OWNER admin:ADMIN reception:OPERATOR; do
		MONGO_DB=identity KAFKA_BOOTSTRAP="" logged demo "$VENV/bin/identity-service" add-person \
			--email "${who%%:*}@demo.studio" --password "$DEMO_PASSWORD" --studio demo \
			--role "${who##*:}" --name "Demo ${who%%:*}" ||
			say "could not add ${who%%:*}@demo.studio (.data/logs/demo.log)"
	done
fi

if ((STACK_QUIET)); then
	printf 'local stack ready in %ss\n' $((SECONDS - started))
	exit 0
fi

token=$("$studioctl" token --tenant demo --role OWNER 2>>"$LOGS/demo.log" | tail -n 1) || token=""
if [[ -z $token ]]; then
	# Same claims studioctl puts in a token: who, which tenant, which roles; valid a day.
	token=$("$VENV/bin/python" - <<-'EOF'
		import os, time, jwt
		now = int(time.time())
		claims = {"sub": "demo-owner", "tenant": "demo", "roles": ["OWNER"],
		          "iat": now, "exp": now + 24 * 3600}
		print(jwt.encode(claims, os.environ["JWT_SECRET"], algorithm="HS256"))
	EOF
	)
fi

cat <<EOF

Local stack is up ($((SECONDS - started))s).

  gateway   http://127.0.0.1:$GATEWAY_PORT/graphql
  console   http://localhost:$CONSOLE_PORT   (sign in as below)
  services  $(for c in "${CONTEXTS[@]}"; do printf '%s :%s  ' "$c" "$(service_port "$c")"; done)
  MongoDB   mongodb://127.0.0.1:$MONGO_PORT/  (FerretDB)
  Kafka     127.0.0.1:$KAFKA_PORT
  logs      .data/logs/<name>.log      make status | make down | make reset

Sign in as owner@demo.studio, admin@demo.studio or reception@demo.studio, password
"$DEMO_PASSWORD":
  curl -s http://127.0.0.1:$GATEWAY_PORT/auth/sign-in -H 'content-type: application/json' \\
    -d '{"email": "owner@demo.studio", "password": "$DEMO_PASSWORD"}'

Demo token (tenant "demo", role OWNER):

$token

Try it:

  curl -s http://127.0.0.1:$GATEWAY_PORT/graphql \\
    -H "Authorization: Bearer $token" \\
    -H 'Content-Type: application/json' \\
    -d '{"query":"{ __typename }"}'

EOF
