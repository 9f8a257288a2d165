#!/usr/bin/env bash
# What the tests need beyond the repo, the first half of the README's test command `tools/test/setup.sh && npm test`
# (.ci/run runs the same): the programs below, the npm packages, and the local Kafka broker's jars. `npm test`
# starts the broker itself.
#
#   tools/test/setup.sh          install what is missing (Debian/Ubuntu: apt-get, as root or with sudo), then fetch
#                                the broker's jars from Maven Central (deploy/local/kafka.sh fetch, once)
#   tools/test/setup.sh --check  install and fetch nothing: say what is missing, exit 1 if anything is
#
# Where it cannot install (no apt-get; not root and no sudo, or a sudo that wants a password with no terminal to
# ask it on), it says exactly what to install and exits 1.
set -euo pipefail
cd "$(dirname "$0")/../.."

# The programs the tests run: command, Debian package, what for. A new tool is one more line here.
PROGRAMS=(
  "ffmpeg|ffmpeg|decodes audio and makes the test inputs"
  "ffprobe|ffmpeg|reads the duration of audio files"
  "sox|sox|synthesizes test sounds"
  "java|default-jre-headless|a Java runtime (11 or later), runs the local Kafka broker"
  "mvn|maven|fetches the broker's jars from Maven Central"
  "kcat|kcat|a non-JS Kafka client the fault suite checks with"
  "espeak-ng|espeak-ng|speaks the speech that tag must mark unknown on the demo model"
  "prometheus|prometheus|a Prometheus server the deploy tests start on 127.0.0.1 to scrape the services and evaluate the alert rules"
  "promtool|prometheus|lints every service's /metrics (promtool check metrics) and unit-tests the alert rules"
  "chromium|chromium|a headless browser that loads the metrics service's live page in its test"
  "cc|build-essential|compiles the Lasso solver's native gradient kernel, which the tests check on both backends"
)

# Debian's prometheus package starts its daemon on :9090 when it is installed (and enables it at boot); the tests
# start Prometheus themselves on free ports and need only the programs. Maintainer scripts ask policy-rc.d before
# starting a service, and 101 forbids it: while apt-get runs, one that says 101 stands here unless one is there
# already (containers have one). SETUP_POLICY_RC_D moves it, for the tests of this script.
policy_rc_d="${SETUP_POLICY_RC_D:-/usr/sbin/policy-rc.d}"

check_only=false
case "${1:-}" in
  --check) check_only=true ;;
  "") ;;
  *) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac

say() { echo "setup: $*" >&2; }

missing_commands=()
missing_packages=()
for entry in "${PROGRAMS[@]}"; do
  IFS='|' read -r command package purpose <<<"$entry"
  command -v "$command" >/dev/null && continue
  missing_commands+=("$command ($purpose)")
  [[ " ${missing_packages[*]} " == *" $package "* ]] || missing_packages+=("$package")
done

# Whether packages can be installed here: sets `sudo` to the prefix apt-get needs, or `reason` to why not.
sudo=()
reason=""
find_installer() {
  if ! command -v apt-get >/dev/null; then reason="apt-get is not here (not Debian or Ubuntu?)"; return; fi
  [[ $(id -u) -eq 0 ]] && return
  if ! command -v sudo >/dev/null; then reason="not root, and sudo is not installed"; return; fi
  if ! sudo -n true 2>/dev/null && [[ ! -t 0 ]]; then reason="sudo wants a password and there is no terminal to ask"; return; fi
  sudo=(sudo)
}

apt_command() {
  local prefix="sudo "
  [[ $(id -u) -eq 0 ]] && prefix=""
  echo "${prefix}apt-get install -y --no-install-recommends ${missing_packages[*]}"
}

cannot_install() {
  say "cannot install them here: $1"
  say "install them, then run tools/test/setup.sh again:"
  say "  Debian/Ubuntu:  $(apt_command)"
  say "  elsewhere, what provides:"
  for line in "${missing_commands[@]}"; do say "    $line"; done
  exit 1
}

problems=0
if ((${#missing_commands[@]} > 0)); then
  say "missing: ${missing_commands[*]%% (*}"
  if $check_only; then
    say "  Debian/Ubuntu:  $(apt_command)"
    problems=1
  else
    find_installer
    [[ -z $reason ]] || cannot_install "$reason"
    say "installing ${missing_packages[*]}"
    placed_policy=false
    if [[ ! -e $policy_rc_d ]]; then
      printf '#!/bin/sh\n# tools/test/setup.sh: no service starts while it installs packages\nexit 101\n' \
        | "${sudo[@]}" tee "$policy_rc_d" >/dev/null
      "${sudo[@]}" chmod 755 "$policy_rc_d"
      placed_policy=true
      trap '"${sudo[@]}" rm -f "$policy_rc_d"' EXIT
    fi
    "${sudo[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing_packages[@]}" >/dev/null
    if $placed_policy; then
      "${sudo[@]}" rm -f "$policy_rc_d"
      trap - EXIT
    fi
    # Under systemd the package also enabled the unit for the next boot: the tests never want that daemon.
    if [[ " ${missing_packages[*]} " == *" prometheus "* && -d /run/systemd/system ]]; then
      "${sudo[@]}" systemctl disable --now prometheus.service >/dev/null 2>&1 || true
      say "prometheus.service disabled: the tests start their own Prometheus"
    fi
  fi
fi

if ! command -v node >/dev/null || ! node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && b >= 19) ? 0 : 1)'; then
  say "Node.js 20.19 or later is needed (found: $(node --version 2>/dev/null || echo none)); install it from nodejs.org or your distribution, then run this again"
  exit 1
fi
if [[ ! -d node_modules ]]; then
  if $check_only; then say "missing: the npm packages (npm ci)"; problems=1; else say "installing the npm packages (npm ci)"; npm ci --no-audit --no-fund; fi
fi

if [[ ! -f "${KAFKA_HOME:-.kafka}/libs/.complete" ]]; then
  if $check_only; then say "missing: the Kafka broker's jars (deploy/local/kafka.sh fetch)"; problems=1; else deploy/local/kafka.sh fetch; fi
fi

if $check_only && ((problems == 0)); then say "everything the tests need is here"; fi
exit "$problems"
