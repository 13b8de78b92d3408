#!/bin/bash
# Stops the Dovecot and Postfix pair that mail-up.sh started in RT. Safe to
# run when either is already stopped; the files in RT stay for inspection.
#
#   testenv/mail-down.sh RT
set -uo pipefail

RT=${1:?usage: mail-down.sh RUNTIME_DIR}

# A zombie left by an exited master has not been reaped yet but has closed
# its sockets, so it counts as stopped.
is_running() {
  local state
  state=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 1
  [[ -n $state && $state != Z ]]
}

# Sends SIGTERM to the master process named in a pid file and waits until it
# has exited. Both masters end their child processes on SIGTERM; this is
# what "doveadm stop" and "postfix stop" do, without their 1 s polling.
stop_master() {
  local name=$1 pidfile=$2 pid i
  [[ -f $pidfile ]] || return 0
  pid=$(tr -d ' \n' <"$pidfile")
  [[ $pid =~ ^[0-9]+$ ]] || return 0
  is_running "$pid" || return 0
  kill -TERM "$pid" 2>/dev/null || return 0
  for i in $(seq 200); do
    is_running "$pid" || return 0
    sleep 0.05
  done
  echo "mail-down.sh: $name master (pid $pid) still running after 10 s" >&2
  return 1
}

# Dovecot's master waits about 2 s for its log process, so both stop at
# the same time.
stop_master Postfix "$RT/postfix/queue/pid/master.pid" &
postfix_stop=$!
stop_master Dovecot "$RT/run/master.pid"
status=$?
wait "$postfix_stop" || status=1
exit $status
