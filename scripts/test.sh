#!/usr/bin/env bash
# The test command (`npm test`): static checks and unit tests, the host tests (e2e files that need
# this machine but no cluster), then the cluster tests on the local cluster, which it brings up (with
# Puck's images) and tears down afterwards, even on failure. Which e2e file runs where, each file
# declares (`// @needs: …`, see vitest.config.ts).
# PUCK_KEEP_CLUSTER=1 leaves the cluster running for the next run.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export PATH="$PWD/node_modules/.bin:$PATH"

node -e 'const [major] = process.versions.node.split("."); if (+major < 22) { console.error(`Node ${process.version} is too old: run npm ci (it installs Node 24 into node_modules).`); process.exit(1); }'
reports=$(mktemp -d)
trap 'rm -rf "$reports"' EXIT

echo "== Static checks"
tsc --noEmit
eslint .
node scripts/run-ts.mjs scripts/generate.ts --check

echo "== Unit tests"
vitest run --project unit --reporter=default --reporter=json --outputFile.json="$reports/unit.json"

[ "$(id -u)" = 0 ] || { echo "The host and cluster tests need root (capabilities, a local Kubernetes): run npm test as root." >&2; exit 1; }
# The clients the end-to-end tests drive, as a person would: OpenSSH's, rsync, curl and a browser
# (Chromium's headless shell, driven by playwright-core: e2e/lib/browser.ts).
bash -c '. e2e/cluster/lib.sh && ensure_packages openssh-client openssh-sftp-server rsync curl chromium-headless-shell'
owner_file=/var/lib/puck-e2e/made-by-tests
if [ "${PUCK_KEEP_CLUSTER:-}" != 1 ]; then
  # A fresh cluster, so no earlier run or `npm start` install can touch what the tests observe. Its
  # data is wiped only when a test run made it, or when asked (CI sets PUCK_WIPE_CLUSTER=1): a
  # cluster someone made with `npm start` holds their Sprites and home volumes.
  if bash -c '. e2e/cluster/lib.sh && cluster_has_data' && [ ! -f "$owner_file" ] && [ "${PUCK_WIPE_CLUSTER:-}" != 1 ]; then
    echo "The local cluster holds Sprites and volumes of your own (made by npm start or cluster:up): run 'npm run cluster:wipe' to delete them first, or 'PUCK_KEEP_CLUSTER=1 npm test' to test beside them." >&2
    exit 1
  fi
  bash e2e/cluster/wipe.sh --keep-images
  trap 'bash e2e/cluster/wipe.sh || true; rm -rf "$reports"' EXIT
fi
status=0

echo "== Host tests"
# They need no cluster: they run before it comes up, and a failure still lets the cluster tests run.
vitest run --project host --reporter=default --reporter=json --outputFile.json="$reports/host.json" || status=$?

echo "== Cluster tests"
KUBECONFIG=$(bash e2e/cluster/up.sh | tail -n 1)
export KUBECONFIG
[ "${PUCK_KEEP_CLUSTER:-}" = 1 ] || touch "$owner_file"
# Tests run operators of their own; an in-cluster install (npm start) would act on their Sprites too.
/var/lib/puck-e2e/bin/kubectl -n puck-system scale deployment/puck-operator --replicas=0 >/dev/null 2>&1 || true
bash images/build.sh --load local
vitest run --project 'cluster*' --reporter=default --reporter=json --outputFile.json="$reports/cluster.json" || status=$?

# One plain closing line that any CI reads: the totals of every run.
node -e '
  const fs = require("fs");
  let passed = 0, failed = 0;
  for (const f of process.argv.slice(1)) {
    if (!fs.existsSync(f)) { failed++; continue; }
    const r = JSON.parse(fs.readFileSync(f, "utf8"));
    passed += r.numPassedTests; failed += r.numFailedTests;
  }
  console.log(`${passed} passed, ${failed} failed`);
' "$reports/unit.json" "$reports/host.json" "$reports/cluster.json"
exit "$status"
