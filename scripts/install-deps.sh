#!/usr/bin/env bash
# Installs what lvsd's build, tests and lab need on a fresh Debian 12 machine (run as root).
# Idempotent: installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
for pair in keepalived:keepalived ipvsadm:ipvsadm linux.uml:user-mode-linux \
            busybox:busybox-static tcpdump:tcpdump ip:iproute2 openssl:openssl time:time \
            aiosmtpd:python3-aiosmtpd mkfifo:coreutils shellcheck:shellcheck setpriv:util-linux \
            systemd-analyze:systemd nft:nftables docker-compose:docker-compose; do
  bin=${pair%%:*} pkg=${pair#*:}
  command -v "$bin" >/dev/null 2>&1 || need_apt+=("$pkg")
done
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "install-deps: missing Debian packages (${need_apt[*]}) and not root; the lab tests will be skipped" >&2
  else
    echo "install-deps: apt-get install ${need_apt[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
  fi
fi

# npm ci when node_modules is missing or older than the lock file.
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-fund --no-audit
fi
