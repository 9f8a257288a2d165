#!/usr/bin/env bash
# What the tests need beyond npm packages, on Debian/Ubuntu: ffmpeg (decodes audio, makes test inputs), sox
# (synthesizes test sounds), a Java runtime and Maven (run and fetch the local Kafka broker, deploy/local/kafka.sh),
# kcat (a non-JS Kafka client the fault suite checks with). Installs only what is missing (as root, or with sudo),
# then fetches the broker's jars. `npm test` starts the broker itself.
set -euo pipefail
cd "$(dirname "$0")/../.."

declare -A package_of=([ffmpeg]=ffmpeg [sox]=sox [java]=default-jre-headless [mvn]=maven [kcat]=kcat)
missing=()
for tool in "${!package_of[@]}"; do command -v "$tool" >/dev/null || missing+=("${package_of[$tool]}"); done
if ((${#missing[@]} > 0)); then
  sudo=()
  if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null || { echo "setup: need root or sudo to install ${missing[*]}" >&2; exit 1; }
    sudo=(sudo)
  fi
  echo "setup: installing ${missing[*]}" >&2
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
deploy/local/kafka.sh fetch
