#!/bin/bash
# The crash-safety check. It starts a Dovecot and Postfix pair on loopback
# in a fresh runtime directory, builds keluhan, mailgen and crashcheck, and
# generates a set of complaint emails (complaints, replies and duplicate
# deliveries). It appends part of the set to the helpdesk mailbox and
# starts "keluhan serve" on a fresh embedded store. While it delivers the
# rest by IMAP APPEND and SMTP, it kills keluhan with SIGKILL at random
# moments and restarts it at once after each kill. It kills keluhan a few
# more times while the outbox drains. When every message carries the
# processed keyword and the outbox has nothing pending, it stops keluhan
# with SIGTERM and runs crashcheck, which compares the store and the
# recipients' mailboxes with the set's ground truth. It exits with
# crashcheck's status: 0 when every check passed. Needs root, Go and the
# packages of testenv/install.sh, which mail-up.sh installs when missing.
#
#   testenv/crash.sh                  500 emails, 12 + 3 kills
#   testenv/crash.sh -n 1000 -kills 20 -seed 7
#
# Flags:
#   -n EMAILS     emails to deliver, duplicates included (default 500)
#   -kills N      SIGKILLs while mail arrives (default 12, at least 10)
#   -drain-kills N  more SIGKILLs while the outbox drains, 5-25 s apart,
#                 so that some land while mail is being sent (default 3)
#   -seed N       seed of the generated set and of the kill timing
#                 (default random; printed, so a run can be repeated)
#   -strict       also fail on duplicates from the window between SMTP
#                 acceptance and keluhan's "sent" mark (see crashcheck)
#   -keep         keep the runtime directory after a passing run
#
# Environment:
#   MAIL_PORT_OFFSET      added to the servers' ports; default "auto", the
#                         first free multiple of 100 up to 3000
#   KELUHAN_TOKEN_SECRET  reply-token secret for keluhan (default: random)
#
# keluhan gets its secrets from the environment, as in production:
# KELUHAN_TOKEN_SECRET and KELUHAN_IMAP_PASSWORD, which is always the
# fresh helpdesk user's test password ("<local part>-pass").
set -euo pipefail
export GOTOOLCHAIN=local

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)

emails=500
kills=12
drain_kills=3
seed=$((RANDOM * 32768 + RANDOM))
strict=()
keep=false
while (($# > 0)); do
  case $1 in
    -n) emails=$2; shift 2 ;;
    -kills) kills=$2; shift 2 ;;
    -drain-kills) drain_kills=$2; shift 2 ;;
    -seed) seed=$2; shift 2 ;;
    -strict) strict=(-strict); shift ;;
    -keep) keep=true; shift ;;
    *) echo "crash.sh: unknown argument $1; see the comment at the top of $0" >&2; exit 2 ;;
  esac
done
if ((emails < 500 || kills < 10)); then
  echo "crash.sh: -n must be at least 500 and -kills at least 10 (got $emails and $kills)" >&2
  exit 2
fi
RANDOM=$seed

say() { echo "crash.sh: $*"; }

source "$HERE/servers.sh"

cleanup() {
  local status=$?
  if [[ -n ${keluhan_pid:-} ]] && kill -0 "$keluhan_pid" 2>/dev/null; then
    kill -KILL "$keluhan_pid" 2>/dev/null || true
  fi
  if [[ -n ${feeder_pid:-} ]] && kill -0 "$feeder_pid" 2>/dev/null; then
    kill -TERM "$feeder_pid" 2>/dev/null || true
  fi
  bash "$HERE/mail-down.sh" "$RT" || true
  if ((status == 0)) && [[ $keep == false ]]; then
    rm -rf "$RT"
  else
    echo "crash.sh: runtime dir kept: $RT (keluhan's log: $RT/keluhan.log)" >&2
  fi
  exit "$status"
}

# Prints the commit of the source tree and whether tracked files have
# uncommitted changes. Untracked files are not counted.
describe_commit() {
  local head
  if ! head=$(git -C "$ROOT" rev-parse HEAD 2>/dev/null); then
    echo "unknown ($ROOT is not a git checkout)"
    return
  fi
  if git -C "$ROOT" diff --quiet HEAD 2>/dev/null; then
    echo "$head"
  else
    echo "$head with uncommitted changes"
  fi
}

build() {
  say "building keluhan, mailgen and crashcheck"
  (cd "$ROOT" &&
    go build -o "$RT/bin/keluhan" ./cmd/keluhan &&
    go build -o "$RT/bin/mailgen" ./testenv/cmd/mailgen &&
    go build -o "$RT/bin/crashcheck" ./testenv/cmd/crashcheck)
}

# Writes keluhan's configuration: the fresh users of this run, the
# embedded store in a fresh data_dir, secrets from the environment.
write_config() {
  cat > "$RT/keluhan.yaml" <<YAML
language: id
data_dir: $RT/data
helpdesk: {address: $helpdesk, name: "Helpdesk Layanan Kekayaan Intelektual"}
imap: {address: "$KELUHAN_TEST_IMAPS", tls: implicit, ca_file: "$KELUHAN_TEST_CA", username: $helpdesk, poll_interval: 2s}
smtp: {address: "$KELUHAN_TEST_SMTP", tls: none}
roles:
  service_desk: [{name: "Petugas Service Desk", address: petugas-$tag@layanan.example.go.id}]
  complaint_managers: [{name: "Pengelola Komplain", address: pengelola-$tag@layanan.example.go.id}]
  supervisors: [{name: "Kepala Bagian Layanan", address: atasan-$tag@layanan.example.go.id}]
  incident_management: {name: "Tim Pengelolaan Insiden", address: insiden-$tag@layanan.example.go.id}
trust: {authserv_ids: [mx.layanan.example.go.id]}
http: {listen: "127.0.0.1:$http_port"}
# Reports would add mail on the first working day of a month or a Monday.
reports: {weekly_digest: false, monthly_report: false}
outbox: {base_backoff: 1s, max_backoff: 5s}
log: {level: info, format: json}
YAML
}

start_keluhan() {
  echo "{\"crash_sh\":\"start $((starts + 1))\"}" >> "$RT/keluhan.log"
  "$RT/bin/keluhan" --config "$RT/keluhan.yaml" serve >> "$RT/keluhan.log" 2>&1 &
  keluhan_pid=$!
  starts=$((starts + 1))
}

# Sleeps a random 0.2-3.0 s.
random_sleep() {
  sleep "$(awk -v r="$RANDOM" 'BEGIN { printf "%.2f", 0.2 + 2.8 * r / 32767 }')"
}

# Kills keluhan with SIGKILL after a random sleep and restarts it. A
# keluhan that exited on its own is a failure; it is restarted too.
kill_and_restart() {
  random_sleep
  kill_now
}

kill_now() {
  local status=0
  if ! kill -0 "$keluhan_pid" 2>/dev/null; then
    wait "$keluhan_pid" || status=$?
    say "keluhan exited on its own with status $status; see $RT/keluhan.log"
    exits=$((exits + 1))
    if ((exits >= 3)); then
      say "keluhan keeps exiting; the last lines of its log:"
      tail -n 20 "$RT/keluhan.log"
      exit 1
    fi
  else
    kill -KILL "$keluhan_pid"
    wait "$keluhan_pid" 2>/dev/null || true
    killed=$((killed + 1))
  fi
  start_keluhan
}

# Prints keluhan's /metrics page, without curl, which a fresh machine
# may lack.
get_metrics() {
  timeout 10 bash -c '
    exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
    printf "GET /metrics HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n" >&3
    cat <&3' _ "$http_port" 2>/dev/null
}

# Prints the sum of the outbox rows that are pending or being sent, from
# keluhan's /metrics, or nothing when keluhan does not respond.
outbox_busy() {
  get_metrics |
    awk '/^keluhan_outbox\{status="(pending|sending)"\}/ { n += $2; seen = 1 }
         /^keluhan_outbox\{/ { seen = 1 }
         END { if (seen) print n + 0 }'
}

# Waits until the mailbox has no unprocessed message and the outbox has
# nothing pending, killing keluhan drain_kills more times meanwhile. A row
# that was being sent when keluhan was killed stays leased to the dead
# process for the outbox lease (2 minutes in mailer.WorkerConfig) before
# it is sent again, so the wait gives up only after 3 minutes without
# progress.
wait_until_done() {
  local busy last="" last_change=$SECONDS last_report=$SECONDS
  local drained=0 next_kill=$((SECONDS + 5 + RANDOM % 21))
  say "waiting until every message is processed"
  "$RT/bin/mailgen" wait -imap "$KELUHAN_TEST_IMAP" -user "$helpdesk" -expect "$emails" -timeout 5m
  say "waiting until the outbox is empty, with $drain_kills more kills"
  while true; do
    busy=$(outbox_busy)
    if ((drained < drain_kills && SECONDS >= next_kill)) && [[ $busy != 0 ]]; then
      kill_now
      drained=$((drained + 1)) next_kill=$((SECONDS + 5 + RANDOM % 21))
      continue
    fi
    [[ $busy == 0 ]] && return 0
    if [[ $busy != "$last" ]]; then
      last=$busy last_change=$SECONDS
    fi
    if ((SECONDS - last_change > 180)); then
      say "the outbox still has ${busy:-unknown} rows pending or being sent, unchanged for 3 min"
      return 1
    fi
    if ((SECONDS - last_report >= 30)); then
      say "outbox: ${busy:-unknown} rows pending or being sent"
      last_report=$SECONDS
    fi
    if ! kill -0 "$keluhan_pid" 2>/dev/null; then
      say "keluhan exited on its own; restarting it"
      exits=$((exits + 1))
      start_keluhan
    fi
    sleep 2
  done
}

stop_keluhan() {
  local status=0 i
  kill -TERM "$keluhan_pid"
  for i in $(seq 400); do
    kill -0 "$keluhan_pid" 2>/dev/null || break
    sleep 0.1
  done
  wait "$keluhan_pid" || status=$?
  keluhan_pid=
  if ((status != 0)); then
    say "keluhan exited with status $status after SIGTERM; see $RT/keluhan.log"
    return 1
  fi
}

wait_postfix_queue() {
  local i
  for i in $(seq 120); do
    postqueue -c "$KELUHAN_TEST_POSTFIX_DIR" -p 2>/dev/null | grep -q "Mail queue is empty" && return 0
    sleep 0.5
  done
  say "the Postfix queue is not empty after 60 s; crashcheck may miss mail"
}

RT=$(mktemp -d /tmp/keluhan-crash.XXXXXX)
trap cleanup EXIT
start_servers auto
set -a
# shellcheck source=/dev/null
. "$RT/testenv.env"
set +a

build
tag=$(printf '%04x%04x' $RANDOM $RANDOM)
helpdesk=helpdesk-$tag@layanan.example.go.id
http_port=$(free_port)
export KELUHAN_TOKEN_SECRET=${KELUHAN_TOKEN_SECRET:-$(openssl rand -hex 32)}
export KELUHAN_IMAP_PASSWORD=helpdesk-$tag-pass
write_config

say "$(date -u '+%Y-%m-%d %H:%M UTC'); commit $(describe_commit); load average $(cut -d' ' -f1-3 /proc/loadavg)"
say "seed $seed, $emails emails, $kills + $drain_kills kills, runtime dir $RT, IMAP $KELUHAN_TEST_IMAP, SMTP $KELUHAN_TEST_SMTP"
"$RT/bin/mailgen" generate -n "$emails" -seed "$seed" -run "$tag" -helpdesk "$helpdesk" -out "$RT/set"

# 40 % of the set waits in the mailbox before keluhan starts. The rest
# arrives while keluhan is being killed, at a rate that spreads it over
# the kills, which are about 1.6 s apart on average.
before=$((emails * 2 / 5))
live=$((emails - before))
rate=$(awk -v n="$live" -v k="$kills" 'BEGIN { printf "%.1f", n / (k * 1.6 * 0.9) }')
"$RT/bin/mailgen" deliver -set "$RT/set" -imap "$KELUHAN_TEST_IMAP" -user "$helpdesk" -via append -count "$before"

starts=0 killed=0 exits=0
start=$SECONDS
start_keluhan
"$RT/bin/mailgen" deliver -set "$RT/set" -imap "$KELUHAN_TEST_IMAP" -user "$helpdesk" \
  -smtp "$KELUHAN_TEST_SMTP" -via mixed -first "$before" -rate "$rate" > "$RT/feeder.log" 2>&1 &
feeder_pid=$!
say "delivering $live more emails at $rate/s by APPEND and SMTP while killing keluhan"

while ((killed < kills)); do
  kill_and_restart
done
say "$killed kills while mail arrived; $starts starts"

feeder_status=0
wait "$feeder_pid" || feeder_status=$?
feeder_pid=
cat "$RT/feeder.log"
if ((feeder_status != 0)); then
  say "delivery failed with status $feeder_status"
  exit 1
fi

done_status=0
wait_until_done || done_status=$?
stop_keluhan || done_status=1
elapsed=$((SECONDS - start))
wait_postfix_queue

check_status=0
"$RT/bin/crashcheck" -data-dir "$RT/data" -truth "$RT/set/truth.json" -imap "$KELUHAN_TEST_IMAP" \
  -kills "$killed" -elapsed "${elapsed}s" "${strict[@]}" || check_status=$?

if ((exits > 0)); then
  say "FAIL: keluhan exited on its own $exits times"
  exit 1
fi
if ((done_status != 0 || check_status != 0)); then
  exit 1
fi
say "PASS (seed $seed)"
