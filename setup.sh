#!/usr/bin/env bash
# Install what kumihan needs on Debian or Ubuntu, idempotently (safe to run again):
#   ./setup.sh          system packages for building (Japanese fonts, Pango) and .venv with kumihan
#   ./setup.sh --test   the same, plus what the tests use (Java for EPUBCheck, poppler-utils, qpdf)
set -euo pipefail
cd "$(dirname "$0")"

packages=(fontconfig fonts-noto-cjk fonts-symbola fonts-dejavu-core libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0
          libgs-common)
extra=""
if [ "${1:-}" = "--test" ]; then
  packages+=(poppler-utils qpdf fonts-ipaexfont-mincho ghostscript)
  command -v java >/dev/null 2>&1 || packages+=(default-jre-headless)
  extra="[test]"
fi

python=""
for candidate in python3.11 python3; do
  if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    python=$candidate; break
  fi
done
if [ -z "$python" ]; then
  packages+=(python3 python3-venv)
fi
if [ -n "$python" ] && ! "$python" -c 'import ensurepip, venv' >/dev/null 2>&1; then
  packages+=(python3-venv)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "setup: installing ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
[ -n "$python" ] || python=python3

if [ ! -x .venv/bin/python ]; then
  "$python" -m venv .venv
fi
# Reinstall only when pyproject.toml changed since the last successful install.
stamp=".venv/.kumihan-installed${extra}"
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  .venv/bin/python -m pip install -q --disable-pip-version-check -e ".${extra}"
  touch "$stamp"
fi
