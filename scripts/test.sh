#!/usr/bin/env bash
# The whole test suite, runnable on a fresh machine of this kind (Debian 12, Node 20, root):
# installs what it needs (Debian and npm packages, PostgreSQL if missing), then runs the type
# check, lint, unit tests, integration tests (lab hypervisors, SQLite and PostgreSQL) and the
# browser tests. `npm test` and `.ci/run` call this.
set -euo pipefail
cd "$(dirname "$0")/.."

# Each step says how long the one before it took, so a run's log shows where the time goes
# (the suite must stay well inside CI's 90 minutes).
suite_start=$SECONDS
step_start=$SECONDS
step_name=""
step() {
  if [ -n "$step_name" ]; then
    printf '==> %s took %d s (suite so far %d s)\n' "$step_name" $((SECONDS - step_start)) $((SECONDS - suite_start))
  fi
  step_name="$*"
  step_start=$SECONDS
  printf '\n==> %s\n' "$*"
}

if [ "$(id -u)" != 0 ]; then
  echo "test.sh: run as root: the lab creates network namespaces and starts sshd/libvirtd" >&2
  exit 2
fi

# --- Debian packages ------------------------------------------------------------------------
# chromium: browser tests (Playwright's own browser download does not work here).
# The lab's packages (also installed by `npm run lab -- up`; installing them here once keeps the
# apt work in one place). postgresql only where no server is installed.
# debootstrap, qemu-utils, zstd, e2fsprogs: the real-kernel lab hosts' image and snapshots.
# netplan.io: the netplan boot writer's YAML is checked by the real `netplan generate`.
DEB_PACKAGES=(chromium openssh-server openssh-client libvirt-daemon libvirt-daemon-driver-qemu
  libvirt-clients qemu-system-x86 dnsmasq-base iptables iproute2 util-linux iputils-ping sudo
  debootstrap qemu-utils zstd e2fsprogs netplan.io)
command -v pg_ctlcluster >/dev/null 2>&1 || DEB_PACKAGES+=(postgresql)
missing=()
for p in "${DEB_PACKAGES[@]}"; do
  dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null | grep -q '^ii' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  step "installing Debian packages: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# --- PostgreSQL on 127.0.0.1:5432 -----------------------------------------------------------
if ! pg_isready -q -h 127.0.0.1 -p 5432; then
  step "starting PostgreSQL"
  cluster_version=$(ls /etc/postgresql | sort -V | tail -1)
  hba=/etc/postgresql/$cluster_version/main/pg_hba.conf
  # A cluster this script installed allows only passwords on TCP; tests connect as postgres
  # with trust, as on the machines where PostgreSQL is provided.
  if ! grep -q '^host all all 127.0.0.1/32 trust' "$hba"; then
    sed -i '1i host all all 127.0.0.1/32 trust\nhost all all ::1/128 trust' "$hba"
  fi
  pg_ctlcluster --skip-systemctl-redirect "$cluster_version" main start
  for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
  pg_isready -h 127.0.0.1 -p 5432
fi

# --- npm packages ---------------------------------------------------------------------------
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  step "installing npm packages"
  # Not `npm ci`: npm 11.19 here leaves other platforms' optional packages out of the lock file
  # and then `npm ci` refuses it as out of sync (README, "Facts").
  npm install --no-audit --no-fund
fi
npm run --if-present db:generate

# --- the lab, started early ------------------------------------------------------------------
# On a fresh machine the real-kernel lab host's image is built and kv1 booted cold (5-6 minutes,
# mostly one core of software emulation). None of the type check, lint or unit tests needs the
# lab, so it comes up beside them; the integration tests wait for it (and bring it up themselves
# if this failed).
mkdir -p lab/.state
step "starting the lab in the background (log: lab/.state/up.log)"
npm run -s lab -- up --hosts 2 --vm-hosts 1 > lab/.state/up.log 2>&1 &
lab_pid=$!

# --- the tiers ------------------------------------------------------------------------------
step "type check"
npm run typecheck
step "lint"
npm run lint
step "unit tests"
npm run test:unit
step "waiting for the lab"
if ! wait "$lab_pid"; then
  echo "the lab did not come up in the background; the integration tests bring it up again. Its log:"
  tail -n 40 lab/.state/up.log
fi
step "integration tests (lab hypervisors, SQLite, PostgreSQL)"
npm run test:int
if [ -f playwright.config.ts ]; then
  step "browser tests (Chromium)"
  npm run test:e2e
fi
step "all tests passed"
