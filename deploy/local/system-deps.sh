#!/usr/bin/env bash
# Installs the Debian packages the tests need beyond the stack itself: Chromium and a CJK
# font for the dashboard browser test, kcat for inspecting topics. Java, Maven and
# PostgreSQL are checked (and PostgreSQL installed) by `quanhub stack up`.
# Idempotent and quiet when everything is there; as a normal user it prints the command.
set -euo pipefail
wanted=(chromium fonts-wqy-zenhei kcat)
missing=()
for pkg in "${wanted[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
    echo "missing Debian packages: ${missing[*]}" >&2
    echo "install them with: sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
    exit 1
fi
echo "installing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
