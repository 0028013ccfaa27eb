#!/usr/bin/env bash
# System packages the test suite needs beyond Python: Debian's Chromium for browser tests.
# Java 17 (for Spark) and the database and broker services are part of the machine.
set -euo pipefail
need=()
[ -f /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ] || need+=(fonts-wqy-microhei)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "integrita: missing system packages: ${need[*]} (install them with apt-get as root); browser tests will skip" >&2
  exit 0
fi
echo "integrita: installing system packages: ${need[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
