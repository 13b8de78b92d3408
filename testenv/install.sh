#!/bin/bash
# Installs the Debian packages that the integration tests need, unless they
# are already installed: Dovecot and Postfix for mail, chromium and
# poppler-utils for rendering and reading PDF reports. Safe to run again;
# it returns at once when everything is present.
set -euo pipefail

packages=(dovecot-imapd dovecot-lmtpd postfix chromium poppler-utils)

is_installed() {
  local status
  status=$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null) || return 1
  [[ $status == "install ok installed" ]]
}

missing=()
for pkg in "${packages[@]}"; do
  is_installed "$pkg" || missing+=("$pkg")
done
if ((${#missing[@]} == 0)); then
  exit 0
fi

if ((EUID != 0)); then
  echo "install.sh: missing packages ${missing[*]}; run as root or install them with apt-get" >&2
  exit 1
fi

echo "install.sh: installing ${missing[*]}" >&2

# Keep the packages from starting their own Dovecot and Postfix on the
# standard ports: invoke-rc.d skips a service when policy-rc.d exits 101.
policy=/usr/sbin/policy-rc.d
if [[ ! -e $policy ]]; then
  printf '#!/bin/sh\nexit 101\n' > "$policy"
  chmod 755 "$policy"
  trap 'rm -f "$policy"' EXIT
fi

# "No configuration" leaves the system Postfix unconfigured; the tests run
# their own instance from a runtime directory.
echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq "${missing[@]}"
