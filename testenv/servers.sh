# Shell functions that test.sh, bench.sh and crash.sh share to start the
# mail servers beside other runs on the same machine. Source this file
# after setting HERE, the testenv folder; start_servers also reads RT,
# the runtime folder.

port_open() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# Prints the first multiple of 100 whose four mail ports are all free.
free_port_offset() {
  local offset port
  for offset in $(seq 100 100 3000); do
    for port in 1143 1993 2424 2525; do
      port_open $((port + offset)) && continue 2
    done
    echo "$offset"
    return 0
  done
  echo "${0##*/}: no free MAIL_PORT_OFFSET up to 3000" >&2
  return 1
}

# Starts the servers. An unset MAIL_PORT_OFFSET means $1, "auto" or empty.
# With "auto" it tries another offset when a concurrent run took the ports
# first (mail-up.sh exit status 3).
start_servers() {
  local attempt status
  if [[ ${MAIL_PORT_OFFSET:-$1} != auto ]]; then
    bash "$HERE/mail-up.sh" "$RT"
    return
  fi
  for attempt in 1 2 3 4 5; do
    MAIL_PORT_OFFSET=$(free_port_offset)
    export MAIL_PORT_OFFSET
    status=0
    bash "$HERE/mail-up.sh" "$RT" || status=$?
    ((status == 3)) || return "$status"
    sleep "0.$RANDOM"
  done
  return 3
}

# Prints a TCP port on 127.0.0.1 that nothing listens on.
free_port() {
  local port
  for _ in $(seq 50); do
    port=$((20000 + RANDOM % 20000))
    port_open "$port" || { echo "$port"; return 0; }
  done
  echo "${0##*/}: no free port" >&2
  return 1
}
