#!/bin/bash
# The ingest benchmark. It starts a Dovecot and Postfix pair on loopback in
# a fresh runtime directory, builds keluhan and mailgen, and generates a set
# of complaint emails. For each phase it fills the empty helpdesk mailbox
# with the whole set by IMAP APPEND, starts "keluhan serve" on an empty
# embedded store, and times it until every message carries the processed
# keyword. It reads keluhan's CPU time (utime+stime from /proc/PID/stat)
# and peak RSS (VmHWM) at that moment, and prints emails/s and CPU-ms per
# email. Needs root, Go and the packages of testenv/install.sh.
#
#   testenv/bench.sh                     2000 emails, every phase
#   testenv/bench.sh -n 10000 -phases ingest
#
# Phases:
#   combined  SMTP goes to the test Postfix, so the outbox worker sends
#             acknowledgments and triage requests while ingest runs. Ingest
#             is timed to the last processed message. Sending is followed
#             after that until the outbox is empty or -send-time has
#             passed. Sent emails are the messages Postfix accepted, the
#             "message-id=<klh." lines of its log.
#   ingest    SMTP points at a closed port, so nothing is sent: the worker
#             fails to connect and backs off (outbox.base_backoff 1h), and
#             is woken once per processed batch. This is ingest alone.
#   send      runs after ingest, on its store, with SMTP to Postfix and
#             nothing left to ingest: the outbox worker alone, followed
#             for -send-time. Rows that the ingest phase tried to send are
#             due again only after their backoff (up to 1 h), so at most
#             one row per fetch batch is left out.
#
# Flags:
#   -n EMAILS         emails in the set, duplicates included (default 2000)
#   -phases LIST      comma-separated phases (default combined,ingest,send)
#   -send-time SECS   longest time the combined and send phases follow
#                     sending (default 120)
#   -seed N           seed of the generated set (default 1)
#   -profile SECS     build keluhan with a CPU profile of its first SECS
#                     seconds (through go build -overlay, which leaves the
#                     source tree alone) and print the top functions
#   -keep             keep the runtime directory
#
# Environment: MAIL_PORT_OFFSET as in crash.sh (default "auto").
#
# The results name the CPU model, the load average before and after each
# phase, and the share of the machine's CPU time that other processes used
# during the phase. On a shared machine those change the result.
set -euo pipefail
export GOTOOLCHAIN=local

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)

emails=2000
phases=combined,ingest,send
send_time=120
seed=1
profile=0
keep=false
while (($# > 0)); do
  case $1 in
    -n) emails=$2; shift 2 ;;
    -phases) phases=$2; shift 2 ;;
    -send-time) send_time=$2; shift 2 ;;
    -seed) seed=$2; shift 2 ;;
    -profile) profile=$2; shift 2 ;;
    -keep) keep=true; shift ;;
    *) echo "bench.sh: unknown argument $1; see the comment at the top of $0" >&2; exit 2 ;;
  esac
done

say() { echo "bench.sh: $*"; }

source "$HERE/servers.sh"

cleanup() {
  local status=$?
  if [[ -n ${keluhan_pid:-} ]] && kill -0 "$keluhan_pid" 2>/dev/null; then
    kill -KILL "$keluhan_pid" 2>/dev/null || true
  fi
  bash "$HERE/mail-down.sh" "$RT" || true
  if ((status == 0)) && [[ $keep == false ]]; then
    rm -rf "$RT"
  else
    echo "bench.sh: runtime dir kept: $RT" >&2
  fi
  exit "$status"
}

# Builds keluhan, with -profile through an overlay that adds a file
# starting a CPU profile for the first $profile seconds.
build() {
  local overlay=()
  if ((profile > 0)); then
    mkdir -p "$RT/overlay"
    cat > "$RT/overlay/zz_benchprofile.go" <<'GO'
package main

import (
	"os"
	"runtime/pprof"
	"strconv"
	"time"
)

// Added by testenv/bench.sh -profile through go build -overlay: writes a
// CPU profile of the first KELUHAN_BENCH_PROFILE_SECONDS seconds to
// KELUHAN_BENCH_PROFILE.
func init() {
	path := os.Getenv("KELUHAN_BENCH_PROFILE")
	secs, _ := strconv.Atoi(os.Getenv("KELUHAN_BENCH_PROFILE_SECONDS"))
	if path == "" || secs <= 0 {
		return
	}
	f, err := os.Create(path)
	if err != nil {
		return
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return
	}
	time.AfterFunc(time.Duration(secs)*time.Second, func() {
		pprof.StopCPUProfile()
		f.Close()
	})
}
GO
    printf '{"Replace": {"%s": "%s"}}\n' "$ROOT/cmd/keluhan/zz_benchprofile.go" "$RT/overlay/zz_benchprofile.go" > "$RT/overlay/overlay.json"
    overlay=(-overlay "$RT/overlay/overlay.json")
  fi
  say "building keluhan and mailgen"
  (cd "$ROOT" &&
    go build "${overlay[@]}" -o "$RT/bin/keluhan" ./cmd/keluhan &&
    go build -o "$RT/bin/mailgen" ./testenv/cmd/mailgen)
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

# Writes the configuration of a phase: smtp_address is Postfix or a
# closed port, backoff the outbox retry backoff.
write_config() {
  local phase=$1 smtp_address=$2 backoff=$3 data_dir=$4
  cat > "$RT/$phase.yaml" <<YAML
language: id
data_dir: $data_dir
helpdesk: {address: $helpdesk, name: "Helpdesk Layanan Kekayaan Intelektual"}
imap: {address: "$KELUHAN_TEST_IMAPS", tls: implicit, ca_file: "$KELUHAN_TEST_CA", username: $helpdesk, poll_interval: 2s}
smtp: {address: "$smtp_address", tls: none}
roles:
  service_desk: [{name: "Petugas Service Desk", address: petugas-$tag@layanan.example.go.id}]
  complaint_managers: [{name: "Pengelola Komplain", address: pengelola-$tag@layanan.example.go.id}]
  supervisors: [{name: "Kepala Bagian Layanan", address: atasan-$tag@layanan.example.go.id}]
  incident_management: {name: "Tim Pengelolaan Insiden", address: insiden-$tag@layanan.example.go.id}
trust: {authserv_ids: [mx.layanan.example.go.id]}
# An empty listen address gets the default 127.0.0.1:9310, which another
# keluhan on this machine may hold; a free port avoids the clash.
http: {listen: "127.0.0.1:$(free_port)"}
reports: {weekly_digest: false, monthly_report: false}
outbox: {base_backoff: $backoff, max_backoff: $backoff, max_attempts: 1000}
log: {level: info, format: json}
YAML
}

# Prints the CPU seconds (utime+stime) that process $1 has used.
cpu_seconds() {
  awk -v hz="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); printf "%.2f", ($12 + $13) / hz }' "/proc/$1/stat"
}

# Prints the peak resident set size of process $1 in MB.
peak_rss_mb() {
  awk '/^VmHWM:/ { printf "%.0f", $2 / 1024 }' "/proc/$1/status"
}

# Prints the machine's busy and total CPU ticks from /proc/stat.
machine_ticks() {
  awk '/^cpu / { busy = $2 + $3 + $4 + $7 + $8 + $9; total = busy + $5 + $6; print busy, total; exit }' /proc/stat
}

load_average() {
  cut -d' ' -f1 /proc/loadavg
}

# Prints how many messages Postfix has accepted from keluhan so far.
postfix_accepted() {
  local n
  n=$(grep -c 'message-id=<klh\.' "$RT/log/postfix.log" 2>/dev/null) || true
  echo "${n:-0}"
}

# Runs one phase and appends its result lines to $RT/results.txt.
run_phase() {
  local phase=$1 smtp_address backoff
  case $phase in
    combined) smtp_address=$KELUHAN_TEST_SMTP backoff=30s ;;
    ingest) smtp_address=127.0.0.1:$(free_port) backoff=1h ;;
    send)
      run_send_phase
      return
      ;;
    *) echo "bench.sh: unknown phase $phase: use combined, ingest or send" >&2; exit 2 ;;
  esac
  write_config "$phase" "$smtp_address" "$backoff" "$RT/data-$phase"

  say "phase $phase: filling $helpdesk with $emails emails"
  doveadm -c "$KELUHAN_TEST_DOVECOT_CONF" expunge -u "$helpdesk" mailbox INBOX all
  "$RT/bin/mailgen" deliver -set "$RT/set" -imap "$KELUHAN_TEST_IMAP" -user "$helpdesk" -via append | tee -a "$RT/results.txt"

  local accepted_before load_before t0 ingest_s cpu rss busy0 total0 busy1 total1
  accepted_before=$(postfix_accepted)
  load_before=$(load_average)
  read -r busy0 total0 < <(machine_ticks)
  t0=$(date +%s.%N)
  KELUHAN_BENCH_PROFILE="$RT/$phase.pprof" KELUHAN_BENCH_PROFILE_SECONDS=$profile \
    "$RT/bin/keluhan" --config "$RT/$phase.yaml" serve 2> "$RT/$phase.log" &
  keluhan_pid=$!

  "$RT/bin/mailgen" wait -imap "$KELUHAN_TEST_IMAP" -user "$helpdesk" -expect "$emails" -timeout 60m \
    -interval 250ms -progress 30s > "$RT/$phase.wait"
  ingest_s=$(awk -v t0="$t0" -v t1="$(date +%s.%N)" 'BEGIN { printf "%.2f", t1 - t0 }')
  cpu=$(cpu_seconds "$keluhan_pid")
  rss=$(peak_rss_mb "$keluhan_pid")
  read -r busy1 total1 < <(machine_ticks)
  report_ingest "$phase" "$ingest_s" "$cpu" "$rss" "$load_before" \
    $((busy1 - busy0)) $((total1 - total0))

  if [[ $phase == combined ]]; then
    follow_sending "$phase" "$t0" "$accepted_before" "$ingest_s"
  fi
  stop_phase "$phase"
}

# Runs the outbox worker alone on the store that the ingest phase left.
run_send_phase() {
  local t0 accepted_before
  if [[ ! -d $RT/data-ingest ]]; then
    echo "bench.sh: phase send needs the ingest phase before it, for its store" >&2
    exit 2
  fi
  write_config send "$KELUHAN_TEST_SMTP" 30s "$RT/data-ingest"
  accepted_before=$(postfix_accepted)
  t0=$(date +%s.%N)
  KELUHAN_BENCH_PROFILE="$RT/send.pprof" KELUHAN_BENCH_PROFILE_SECONDS=$profile \
    "$RT/bin/keluhan" --config "$RT/send.yaml" serve 2> "$RT/send.log" &
  keluhan_pid=$!
  follow_sending send "$t0" "$accepted_before" 0
  say "phase send: peak RSS $(peak_rss_mb "$keluhan_pid") MB; load average $(load_average) at the end" | tee -a "$RT/results.txt"
  stop_phase send
}

stop_phase() {
  local phase=$1
  kill -TERM "$keluhan_pid"
  wait "$keluhan_pid" || say "keluhan exited with status $? after SIGTERM; see $RT/$phase.log"
  keluhan_pid=
  if ((profile > 0)) && [[ -s $RT/$phase.pprof ]]; then
    print_profile "$phase"
  fi
}

# Prints where keluhan's CPU time went in a phase's profile: per MongoDB
# command that the embedded FerretDB served, and per keluhan function
# (client side). The whole listing goes to $RT/PHASE.pprof.txt.
print_profile() {
  local phase=$1 pprof=(go tool pprof -top -cum)
  (cd "$ROOT" && "${pprof[@]}" -nodecount=200 "$RT/bin/keluhan" "$RT/$phase.pprof" > "$RT/$phase.pprof.txt" 2>/dev/null)
  say "phase $phase: CPU profile of the first ${profile}s; FerretDB's CPU per command:"
  (cd "$ROOT" && "${pprof[@]}" -show='FerretDB/internal/handler\.\(\*Handler\)\.Msg' "$RT/bin/keluhan" "$RT/$phase.pprof" 2>/dev/null) |
    sed -n '/flat%/,$p'
  say "phase $phase: keluhan's own functions by cumulative CPU (client side):"
  (cd "$ROOT" && "${pprof[@]}" -show='keluhan/keluhan/' -nodecount=30 "$RT/bin/keluhan" "$RT/$phase.pprof" 2>/dev/null) |
    sed -n '/flat%/,$p'
}

# Prints the ingest figures of a phase, and the share of the machine's CPU
# time that other processes (Dovecot, the poller, other work) used
# meanwhile.
report_ingest() {
  local phase=$1 secs=$2 cpu=$3 rss=$4 load_before=$5 busy=$6 total=$7
  local hz
  hz=$(getconf CLK_TCK)
  awk -v phase="$phase" -v n="$emails" -v s="$secs" -v cpu="$cpu" -v rss="$rss" \
    -v lb="$load_before" -v la="$(load_average)" -v busy="$busy" -v total="$total" -v hz="$hz" -v cores="$(nproc)" 'BEGIN {
      other = busy / hz - cpu; if (other < 0) other = 0
      printf "bench.sh: phase %s: ingest of %d emails took %.1f s: %.1f emails/s, keluhan CPU %.1f s = %.1f CPU-ms per email, peak RSS %d MB\n", phase, n, s, n / s, cpu, 1000 * cpu / n, rss
      printf "bench.sh: phase %s: machine: load average %s before, %s after; other processes used %.0f%% of the %d cores meanwhile\n", phase, lb, la, 100 * other / (total / hz), cores
    }' | tee -a "$RT/results.txt"
}

# Follows the outbox worker of a phase, after its ingest took ingest_s
# seconds (0 in the send phase), until Postfix has accepted one message
# per outbox row or send_time seconds have passed since start t0.
follow_sending() {
  local phase=$1 t0=$2 before=$3 ingest_s=$4 expected accepted at_ingest elapsed cpu
  expected=$((complaints * 2))
  at_ingest=$(($(postfix_accepted) - before))
  while true; do
    accepted=$(($(postfix_accepted) - before))
    elapsed=$(awk -v t0="$t0" -v t1="$(date +%s.%N)" 'BEGIN { printf "%.1f", t1 - t0 }')
    if ((accepted >= expected)) || awk -v e="$elapsed" -v m="$send_time" 'BEGIN { exit !(e >= m) }'; then
      break
    fi
    sleep 1
  done
  cpu=$(cpu_seconds "$keluhan_pid")
  awk -v p="$phase" -v a="$accepted" -v x="$expected" -v ai="$at_ingest" -v e="$elapsed" -v is="$ingest_s" -v cpu="$cpu" 'BEGIN {
      if (is > 0) printf "bench.sh: phase %s: sending: %d of %d outbox emails accepted by Postfix during ingest (%.1f s)\n", p, ai, x, is
      sent = a - ai; secs = e - is
      printf "bench.sh: phase %s: sending: %d of %d accepted %.1f s after start; %.1f emails/s after ingest; keluhan CPU %.1f s in all", p, a, x, e, (secs > 0 ? sent / secs : 0), cpu
      if (is == 0 && a > 0) printf " = %.0f CPU-ms per email sent", 1000 * cpu / a
      printf "\n"
    }' | tee -a "$RT/results.txt"
}

RT=$(mktemp -d /tmp/keluhan-bench.XXXXXX)
trap cleanup EXIT
start_servers auto
set -a
# shellcheck source=/dev/null
. "$RT/testenv.env"
set +a

build
tag=$(printf '%04x%04x' $RANDOM $RANDOM)
helpdesk=helpdesk-$tag@layanan.example.go.id
export KELUHAN_TOKEN_SECRET=${KELUHAN_TOKEN_SECRET:-$(openssl rand -hex 32)}
export KELUHAN_IMAP_PASSWORD=helpdesk-$tag-pass

{
  say "date $(date -u '+%Y-%m-%d %H:%M UTC'); commit $(describe_commit)"
  say "cpu: $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) cores; $(go version)"
  say "command: testenv/bench.sh -n $emails -phases $phases -send-time $send_time -seed $seed$( ((profile > 0)) && echo " -profile $profile")"
} | tee "$RT/results.txt"

"$RT/bin/mailgen" generate -n "$emails" -seed "$seed" -run "bench$seed" -helpdesk "$helpdesk" -out "$RT/set" | tee -a "$RT/results.txt"
complaints=$(awk -F': ' '/"complaints":/ { gsub(/,/, "", $2); print $2; exit }' "$RT/set/truth.json")

IFS=, read -r -a phase_list <<< "$phases"
for phase in "${phase_list[@]}"; do
  run_phase "$phase"
done
if [[ $keep == true ]]; then
  say "results are in $RT/results.txt"
fi
