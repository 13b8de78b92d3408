#!/bin/bash
# Starts a Dovecot and Postfix pair for the integration tests, on loopback
# only, with every file under the runtime directory RT. Needs root.
#
#   testenv/mail-up.sh RT        (RT: an absolute path; created if missing)
#   testenv/mail-down.sh RT      stops the pair again
#
# Ports are 1143 IMAP, 1993 IMAPS, 2424 LMTP and 2525 SMTP, each plus
# MAIL_PORT_OFFSET (default 0), so several pairs can run at once. The script
# writes RT/testenv.env with the KELUHAN_TEST_* variables for this pair.
# Exit status 3 means a port was in use.
set -euo pipefail
umask 022

HERE=$(cd "$(dirname "$0")" && pwd)
RT=${1:?usage: mail-up.sh RUNTIME_DIR}
if [[ $RT != /* ]]; then
  echo "mail-up.sh: runtime dir $RT must be an absolute path" >&2
  exit 2
fi

offset=${MAIL_PORT_OFFSET:-0}
if [[ ! $offset =~ ^[0-9]+$ ]]; then
  echo "mail-up.sh: invalid MAIL_PORT_OFFSET=$offset: must be a number" >&2
  exit 2
fi
IMAP_PORT=$((1143 + offset))
IMAPS_PORT=$((1993 + offset))
LMTP_PORT=$((2424 + offset))
SMTP_PORT=$((2525 + offset))
if ((SMTP_PORT > 65535)); then
  echo "mail-up.sh: invalid MAIL_PORT_OFFSET=$offset: SMTP port $SMTP_PORT is past 65535" >&2
  exit 2
fi

port_open() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

check_root() {
  if ((EUID != 0)); then
    echo "mail-up.sh: must run as root (it creates the vmail user and starts Postfix)" >&2
    exit 1
  fi
  if ! command -v dovecot >/dev/null || ! command -v postfix >/dev/null; then
    bash "$HERE/install.sh"
  fi
}

check_ports_free() {
  local port
  for port in "$IMAP_PORT" "$IMAPS_PORT" "$LMTP_PORT" "$SMTP_PORT"; do
    if port_open "$port"; then
      echo "mail-up.sh: port $port on 127.0.0.1 is in use; set another MAIL_PORT_OFFSET (test.sh also takes auto)" >&2
      exit 3
    fi
  done
}

# Dovecot's auth process (user dovecot) and mail processes (user vmail)
# must be able to traverse every parent of RT.
check_traversable() {
  local dir=$RT
  while [[ $dir != / ]]; do
    dir=$(dirname "$dir")
    if [[ -z $(find "$dir" -maxdepth 0 -perm -o+x) ]]; then
      echo "mail-up.sh: $dir lacks o+x, so Dovecot cannot reach $RT; use a runtime dir under /tmp" >&2
      exit 2
    fi
  done
}

make_dirs() {
  mkdir -p "$RT"/{run,state,log,tls,mail} "$RT"/postfix/{etc,queue,data}
  # Logs of an earlier failed start would mislead exit_if_port_taken.
  rm -f "$RT"/log/*.log
  chmod 755 "$RT"
  id vmail >/dev/null 2>&1 ||
    useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin vmail
  chown vmail:vmail "$RT/mail"
  chown postfix "$RT/postfix/data"
}

make_cert() {
  [[ -s $RT/tls/cert.pem ]] && return
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj /CN=localhost \
    -addext subjectAltName=DNS:localhost,IP:127.0.0.1 \
    -keyout "$RT/tls/key.pem" -out "$RT/tls/cert.pem" 2>/dev/null
  chmod 644 "$RT/tls/cert.pem"
}

fill_template() {
  sed -e "s|@RT@|$RT|g" -e "s|@IMAP_PORT@|$IMAP_PORT|g" -e "s|@IMAPS_PORT@|$IMAPS_PORT|g" \
    -e "s|@LMTP_PORT@|$LMTP_PORT|g" -e "s|@SMTP_PORT@|$SMTP_PORT|g" "$1" > "$2"
}

write_configs() {
  fill_template "$HERE/dovecot.conf.in" "$RT/dovecot.conf"
  fill_template "$HERE/postfix-main.cf.in" "$RT/postfix/etc/main.cf"
  fill_template "$HERE/postfix-master.cf" "$RT/postfix/etc/master.cf"
  cp "$HERE/postfix-vmailbox.regexp" "$RT/postfix/etc/vmailbox.regexp"
}

write_env() {
  cat > "$RT/testenv.env" <<ENV
KELUHAN_TEST_RT=$RT
KELUHAN_TEST_IMAP=127.0.0.1:$IMAP_PORT
KELUHAN_TEST_IMAPS=127.0.0.1:$IMAPS_PORT
KELUHAN_TEST_SMTP=127.0.0.1:$SMTP_PORT
KELUHAN_TEST_DOVECOT_CONF=$RT/dovecot.conf
KELUHAN_TEST_POSTFIX_DIR=$RT/postfix/etc
KELUHAN_TEST_CA=$RT/tls/cert.pem
ENV
}

start_servers() {
  # Stop whatever did start if a later step fails.
  trap 'bash "$HERE/mail-down.sh" "$RT"' EXIT
  # The daemons must not inherit this script's output: a caller reading it
  # through a pipe would wait until they exit.
  if ! dovecot -c "$RT/dovecot.conf" </dev/null >"$RT/log/dovecot-start.log" 2>&1; then
    echo "mail-up.sh: dovecot failed to start:" >&2
    cat "$RT/log/dovecot-start.log" >&2
    exit_if_port_taken
    exit 1
  fi
  if ! postfix -c "$RT/postfix/etc" start </dev/null >"$RT/log/postfix-start.log" 2>&1; then
    # Without a terminal or syslog, postfix prints little; "check" under
    # script(1) shows the reason.
    echo "mail-up.sh: postfix failed to start:" >&2
    cat "$RT/log/postfix-start.log" "$RT/log/postfix.log" >&2 2>/dev/null
    script -qc "postfix -c $RT/postfix/etc check" /dev/null </dev/null >&2 || true
    exit_if_port_taken
    exit 1
  fi
}

# Exits with status 3, as check_ports_free does, when a server could not
# listen because another process took a port after that check.
exit_if_port_taken() {
  if grep -qs "Address already in use" "$RT"/log/*.log; then
    exit 3
  fi
}

wait_ports() {
  local port i
  for port in "$IMAP_PORT" "$IMAPS_PORT" "$LMTP_PORT" "$SMTP_PORT"; do
    for i in $(seq 100); do
      port_open "$port" && continue 2
      sleep 0.1
    done
    echo "mail-up.sh: port $port did not open within 10 s; logs:" >&2
    cat "$RT"/log/*.log >&2 || true
    exit 1
  done
}

check_root
check_ports_free
make_dirs
check_traversable
make_cert
write_configs
write_env
start_servers
wait_ports
trap - EXIT
