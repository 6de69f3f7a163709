#!/usr/bin/env bash
# Everything govcrawl needs on a fresh Debian machine, as root: the Debian packages its tests and
# its optional parts use (Chromium, Redis, Postfix + Dovecot, CJK fonts) and the Python packages.
# Safe to re-run: it installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  chromium chromium-headless-shell fonts-wqy-microhei   # rendering JavaScript-built pages
  redis-server                                          # crawling across processes and machines
  postfix dovecot-imapd dovecot-lmtpd                   # the local mail world of mailprobe's tests
)

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "setup: need root to install: ${missing[*]}" >&2; exit 1
  fi
  echo "setup: installing Debian packages: ${missing[*]}"
  # Postfix asks no questions and sets up no system MTA; package scripts start no system daemons.
  echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
  policy_added=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && policy_added=1
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    -o DPkg::Lock::Timeout=120 "${missing[@]}" >/dev/null
  if [ "$policy_added" = 1 ]; then rm -f /usr/sbin/policy-rc.d; fi
fi

python3 -m pip install -q --disable-pip-version-check --root-user-action=ignore -e ".[test]"
echo "setup: done"
