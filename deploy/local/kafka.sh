#!/usr/bin/env bash
# Kafka for the local stack: one KRaft node on 127.0.0.1:9092 (controller on 9093).
#   kafka.sh start|stop|kill|status|restart|topics
# Data lives in .data/kafka and survives stop, kill and restart; `reset.sh` removes it.
# shellcheck source=deploy/local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

NAME=kafka
KDATA=$DATA/kafka
LIBS=$CACHE/kafka/libs

java_major() {
	java -version 2>&1 | sed -nE '1s/.*version "([0-9]+).*/\1/p'
}

# Formats the storage once; the cluster id is kept so that a re-format after a partial
# reset would still match what is on disk.
prepare() {
	ensure_kafka_jars
	local v
	v=$(java_major)
	[[ -n $v && $v -ge 17 ]] || die "Kafka 4 needs Java 17 or newer (found: ${v:-none})"
	mkdir -p "$KDATA"
	# Storage formatted before Kafka asked for SASL has no users to log in with (the
	# broker's and the operator's SCRAM credentials are written at format time): the local
	# Kafka data is started afresh. The services' databases keep everything they applied.
	if [[ -f $KDATA/logs/meta.properties && ! -f $KDATA/sasl ]]; then
		say "Kafka's local storage predates SASL; formatting it again (local events are dropped)"
		rm -rf "$KDATA/logs"
	fi
	local broker_pw operator_pw
	broker_pw=$(kafka_password broker)
	operator_pw=$(kafka_password operator)
	(
		umask 077
		sed -e "s|@KAFKA_DATA@|$KDATA|g" -e "s|@BROKER_PASSWORD@|$broker_pw|g" \
			"$LOCAL_DIR/kafka/server.properties" >"$KDATA/server.properties"
	)
	if [[ ! -s $KDATA/cluster-id ]]; then
		# Kafka's id format: 16 random bytes, URL-safe base64 without padding, and not
		# starting with '-' (the command-line tools would read it as an option).
		python3 -c 'import base64, os
while True:
    s = base64.urlsafe_b64encode(os.urandom(16)).rstrip(b"=").decode()
    if not s.startswith("-"):
        print(s)
        break' >"$KDATA/cluster-id"
	fi
	if [[ ! -f $KDATA/logs/meta.properties ]]; then
		say "formatting Kafka storage in .data/kafka"
		java -Xmx256m -cp "$LIBS/*" -Dlog4j2.configurationFile="$LOCAL_DIR/kafka/log4j2.xml" \
			kafka.tools.StorageTool format --standalone \
			-t "$(<"$KDATA/cluster-id")" -c "$KDATA/server.properties" \
			--add-scram "SCRAM-SHA-512=[name=broker,password=$broker_pw]" \
			--add-scram "SCRAM-SHA-512=[name=operator,password=$operator_pw]" \
			>>"$LOGS/$NAME.log" 2>&1 ||
			{
				last_log "$NAME"
				die "kafka storage format failed"
			}
		touch "$KDATA/sasl"
	fi
}

start() {
	if [[ -n $(pid_of "$NAME") ]]; then
		if [[ -f $KDATA/sasl ]]; then
			say "kafka already running (pid $(pid_of "$NAME"))"
			return 0
		fi
		say "kafka runs without SASL; restarting it with SASL and ACLs"
		stop_proc "$NAME" 30
	fi
	if port_open "$KAFKA_PORT"; then
		say "port $KAFKA_PORT is already taken by a process this script did not start; using it as Kafka"
		return 0
	fi
	prepare
	local cp jsa stamp cds
	# An explicit jar list rather than libs/*: the class-data archive below records the
	# class path and is only used when it matches exactly.
	cp=$(printf '%s:' "$LIBS"/*.jar)
	cp=${cp%:}
	# Class-data sharing: the first run records the classes it loaded into an archive
	# when it exits cleanly (kafka.sh stop); later starts map it and come up ~2 s sooner.
	stamp=$(<"$LIBS/.stamp")
	jsa=$CACHE/kafka/classes-$stamp.jsa
	if [[ -s $jsa ]]; then
		cds=-XX:SharedArchiveFile=$jsa
	else
		cds=-XX:ArchiveClassesAtExit=$jsa
	fi
	# Heap fixed at 512 MiB; KAFKA_HEAP_OPTS / KAFKA_JVM_OPTS override like upstream's scripts.
	# shellcheck disable=SC2086 # the option strings are meant to split into words
	spawn "$NAME" java ${KAFKA_HEAP_OPTS:--Xms512m -Xmx512m} \
		${KAFKA_JVM_OPTS:--XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:+ExplicitGCInvokesConcurrent} \
		"$cds" -Xshare:auto '-Xlog:cds*=off' -Djava.awt.headless=true \
		-Dlog4j2.configurationFile="$LOCAL_DIR/kafka/log4j2.xml" \
		-cp "$cp" kafka.Kafka "$KDATA/server.properties"
	say "kafka starting (pid $(pid_of "$NAME"), log .data/logs/$NAME.log)"
}

# ready: the broker has finished starting (after a crash it first recovers its logs,
# and only then opens the client port).
ready() { port_open "$KAFKA_PORT"; }

wait_ready() { wait_until "$NAME" "${1:-90}" ready; }

# topics: create the stack's topics (3 partitions each) with one Python process rather
# than one JVM per topic.
topics() {
	[[ -x $VENV/bin/python ]] || ensure_venv
	local args=(--bootstrap "127.0.0.1:$KAFKA_PORT" --secrets "$SECRETS/kafka")
	local user
	for user in operator "${KAFKA_CONTEXTS[@]}"; do kafka_password "$user" >/dev/null; done
	[[ $STACK_QUIET == 1 ]] && args+=(--quiet)
	"$VENV/bin/python" "$LOCAL_DIR/topics.py" "${args[@]}" || die "could not create Kafka topics"
}

status() {
	local pid
	pid=$(pid_of "$NAME")
	if [[ -n $pid ]] && ready; then
		echo "kafka          running   pid $pid  127.0.0.1:$KAFKA_PORT"
	elif [[ -n $pid ]]; then
		echo "kafka          starting  pid $pid  127.0.0.1:$KAFKA_PORT"
		return 1
	elif ready; then
		echo "kafka          running   (not started by these scripts)  127.0.0.1:$KAFKA_PORT"
	else
		echo "kafka          stopped"
		return 3
	fi
}

case ${1:-} in
start)
	start
	wait_ready
	;;
stop) stop_proc "$NAME" 30 ;;
kill) kill_proc "$NAME" ;;
restart)
	stop_proc "$NAME" 30
	start
	wait_ready
	;;
status) status ;;
topics) topics ;;
prepare) prepare ;;
*)
	echo "usage: $0 start|stop|kill|status|restart|topics" >&2
	exit 2
	;;
esac
