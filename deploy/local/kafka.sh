#!/usr/bin/env bash
# A single-node Apache Kafka (KRaft) on 127.0.0.1 for development, the tests and `audio-concepts stack up`.
#
#   deploy/local/kafka.sh fetch    fetch the broker's jars from Maven Central (mvn; once, then cached)
#   deploy/local/kafka.sh start    format storage (first time), start the broker in the background, wait until it
#                                  serves requests, create the topics of deploy/local/topics.conf and wait for leaders
#   deploy/local/kafka.sh stop     stop it cleanly (SIGTERM, then wait)
#   deploy/local/kafka.sh status   exit 0 when it runs and answers
#   deploy/local/kafka.sh reset    stop it and delete its data
#
# Environment: KAFKA_HOME (state: jars, data, logs; default <repo>/.kafka), KAFKA_PORT (default 9092),
# KAFKA_CONTROLLER_PORT (default 9093), KAFKA_SASL_PORT (default KAFKA_PORT + 2: 9094), KAFKA_HEAP (default 512m).
#
# Listeners: PLAINTEXT on 127.0.0.1:$KAFKA_PORT (the services, the tests), and SASL_PLAINTEXT with the PLAIN
# mechanism on 127.0.0.1:$KAFKA_SASL_PORT, to try and test the clients' SASL settings (KAFKA_SASL_MECHANISM=plain,
# KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD). Its users and passwords are fixed below, in this file, for LOCAL USE
# ONLY: anyone who can read the repo knows them. Never use them, or this script, for a broker others can reach.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
home="${KAFKA_HOME:-$repo/.kafka}"
port="${KAFKA_PORT:-9092}"
controller_port="${KAFKA_CONTROLLER_PORT:-9093}"
# Follows KAFKA_PORT, so that a second broker on other ports (a test's own) does not take the first one's.
sasl_port="${KAFKA_SASL_PORT:-$((port + 2))}"
# LOCAL USE ONLY (see above): the SASL_PLAINTEXT listener's users, user=password.
sasl_users=(audio_concepts=audio-concepts-local-only reader=reader-local-only)
libs="$home/libs"
data="$home/data"
pidfile="$home/kafka.pid"
log="$home/kafka.log"
broker="127.0.0.1:$port"

say() { echo "kafka: $*" >&2; }

fetch() {
  if [[ -f "$libs/.complete" ]]; then return; fi
  command -v mvn >/dev/null || { say "mvn is not installed (apt-get install maven)"; exit 1; }
  command -v java >/dev/null || { say "java is not installed (apt-get install default-jre-headless)"; exit 1; }
  say "fetching the broker's jars from Maven Central into $libs"
  rm -rf "$libs"
  mvn -q -B -f "$here/pom.xml" dependency:copy-dependencies -DoutputDirectory="$libs" -DincludeScope=runtime
  touch "$libs/.complete"
}

running() { [[ -f "$pidfile" ]] && kill -0 "$(cat "$pidfile")" 2>/dev/null; }

answers() { (exec 3<>"/dev/tcp/127.0.0.1/${1:-$port}") 2>/dev/null; }

# A broker started before this script had a SASL listener lacks one until it is restarted.
check_sasl() {
  if answers "$sasl_port"; then return; fi
  say "warning: nothing answers on the SASL_PLAINTEXT port 127.0.0.1:$sasl_port; if this broker was started by an older"
  say "         version of this script, restart it (deploy/local/kafka.sh stop && deploy/local/kafka.sh start) to get one"
}

java_opts=(-Xms"${KAFKA_HEAP:-512m}" -Xmx"${KAFKA_HEAP:-512m}" -XX:+UseG1GC -Djava.awt.headless=true
  -Dlog4j.configuration="file:$home/log4j.properties" -cp "$libs/*")
java_cmd() { java "${java_opts[@]}" "$@"; }

write_config() {
  mkdir -p "$data"
  local jaas_users="" user
  for user in "${sasl_users[@]}"; do jaas_users+=" user_${user%%=*}=\"${user#*=}\""; done
  cat >"$home/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$controller_port
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$controller_port,SASL_PLAINTEXT://127.0.0.1:$sasl_port
advertised.listeners=PLAINTEXT://127.0.0.1:$port,SASL_PLAINTEXT://127.0.0.1:$sasl_port
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT
inter.broker.listener.name=PLAINTEXT
# LOCAL USE ONLY: SASL/PLAIN with the fixed users of sasl_users (no authorizer: every authenticated user may do all)
sasl.enabled.mechanisms=PLAIN
listener.name.sasl_plaintext.sasl.enabled.mechanisms=PLAIN
listener.name.sasl_plaintext.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required$jaas_users;
log.dirs=$data
num.partitions=4
auto.create.topics.enable=false
offsets.topic.replication.factor=1
offsets.topic.num.partitions=4
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
# windows carry 10 s of float32 PCM at 48 kHz (~1.9 MB): allow messages up to 8 MiB
message.max.bytes=8388608
replica.fetch.max.bytes=8388608
log.retention.hours=24
PROPS
  cat >"$home/log4j.properties" <<PROPS
log4j.rootLogger=WARN, file
log4j.appender.file=org.apache.log4j.FileAppender
log4j.appender.file.File=$home/server.log
log4j.appender.file.layout=org.apache.log4j.PatternLayout
log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka=INFO
log4j.logger.org.apache.kafka=INFO
PROPS
}

start() {
  if running && answers; then
    say "already running on $broker (pid $(cat "$pidfile"))"; check_sasl; create_topics; return
  fi
  if answers; then
    say "a broker not started by this script (KAFKA_HOME=$home) already listens on $broker; using it"
    check_sasl; create_topics; return
  fi
  fetch
  write_config
  if [[ ! -f "$data/meta.properties" ]]; then
    say "formatting storage in $data"
    java_cmd kafka.tools.StorageTool format -t "$(java_cmd kafka.tools.StorageTool random-uuid)" \
      -c "$home/server.properties" >"$home/format.log" 2>&1 || { cat "$home/format.log" >&2; exit 1; }
  fi
  say "starting the broker on $broker (log: $log)"
  # setsid: the broker outlives this script and is not killed with the caller's process group
  setsid java "${java_opts[@]}" kafka.Kafka "$home/server.properties" >"$log" 2>&1 </dev/null &
  echo $! >"$pidfile"
  for _ in $(seq 1 120); do
    if ! running; then say "the broker exited; the end of its log:"; tail -n 30 "$log" >&2; exit 1; fi
    if answers && answers "$sasl_port"; then
      create_topics; say "ready on $broker (SASL_PLAINTEXT, PLAIN, local users: 127.0.0.1:$sasl_port)"; return
    fi
    sleep 0.5
  done
  say "the broker did not answer within 60 s; the end of its log:"; tail -n 30 "$log" >&2; exit 1
}

create_topics() {
  KAFKA_BROKERS="$broker" node "$here/create-topics.mjs" "$here/topics.conf"
}

stop() {
  if ! running; then rm -f "$pidfile"; say "not running"; return; fi
  local pid; pid="$(cat "$pidfile")"
  say "stopping the broker (pid $pid)"
  kill -TERM "$pid"
  for _ in $(seq 1 60); do
    if ! kill -0 "$pid" 2>/dev/null; then rm -f "$pidfile"; say "stopped"; return; fi
    sleep 0.5
  done
  say "the broker did not stop within 30 s; killing it"; kill -KILL "$pid" 2>/dev/null || true; rm -f "$pidfile"
}

case "${1:-}" in
  fetch) fetch ;;
  start) start ;;
  stop) stop ;;
  status)
    if running && answers; then echo "kafka: running on $broker (pid $(cat "$pidfile"))"
    elif answers; then echo "kafka: a broker not started by this script answers on $broker"
    else echo "kafka: not running"; exit 1; fi ;;
  reset) stop; rm -rf "$data"; say "data deleted" ;;
  *) echo "usage: $0 fetch|start|stop|status|reset" >&2; exit 2 ;;
esac
