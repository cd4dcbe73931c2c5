#!/usr/bin/env bash
# .ci/run's Citus run: installs the Citus build kept in ../shared/citus (a test tool, never a dependency of
# the product), starts a coordinator and two workers on free local ports, runs the whole suite against the
# coordinator (the migrations distribute the tables by user there), and stops the cluster. Where it cannot
# run (no ../shared/citus, not root, no PostgreSQL 15 server binaries), it says why and exits 0.
set -u
cd "$(dirname "$0")/.."
citus=$(cd ../shared/citus 2>/dev/null && pwd) || { echo "citus-run: there is no ../shared/citus beside this checkout; the Citus run is skipped."; exit 0; }
bash "$citus/install.sh"
installed=$?
if [ "$installed" -ne 0 ]; then
  echo "citus-run: the Citus build cannot be installed here (install.sh exited $installed, saying why above); the Citus run is skipped."
  exit 0
fi
# Three consecutive ports nothing listens on: the coordinator's and its two workers'.
port=$(node -e '
  const net = require("node:net");
  const free = (p) => new Promise((ok) => { const s = net.createServer().once("error", () => ok(false)).listen(p, "127.0.0.1", () => s.close(() => ok(true))); });
  (async () => { for (let p = 9700; p < 65000; p += 10) if ((await free(p)) && (await free(p + 1)) && (await free(p + 2))) return console.log(p); process.exit(1); })();
') || { echo "citus-run: no three free ports"; exit 1; }
dir=$(mktemp -d -p /var/tmp tasks-api-citus.XXXXXX) && chmod 755 "$dir"
trap 'bash "$citus/cluster.sh" stop "$dir"; rm -rf "$dir"' EXIT
if ! url=$(bash "$citus/cluster.sh" start "$dir" "$port"); then
  echo "citus-run: the cluster did not start:"; tail -n 20 "$dir"/*.log; exit 1
fi
echo "citus-run: a coordinator at 127.0.0.1:$port with workers at $((port + 1)) and $((port + 2)); the whole suite runs against it."
TEST_DATABASE_URL="$url" npm test
