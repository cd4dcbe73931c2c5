#!/usr/bin/env bash
# Installs Debian's PgBouncer for the pooled run of .ci/run and test/db/pooler.test.ts (which start
# their own, in transaction mode; the package's service is not used). Does nothing when it is already
# there; says why and exits 0 when it cannot be installed, and those then skip with that reason.
set -u
if [ -x /usr/sbin/pgbouncer ]; then
  echo "install-pgbouncer: $(/usr/sbin/pgbouncer --version 2>/dev/null | head -n 1) is installed."
  exit 0
fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "install-pgbouncer: cannot install PgBouncer here (needs root and apt-get); the pooled run will be skipped."
  exit 0
fi
echo "install-pgbouncer: installing Debian's pgbouncer…"
install() { DEBIAN_FRONTEND=noninteractive apt-get install -y -qq pgbouncer >/dev/null 2>&1; }
if install || { apt-get update -qq >/dev/null 2>&1 && install; }; then
  echo "install-pgbouncer: $(/usr/sbin/pgbouncer --version 2>/dev/null | head -n 1) installed."
else
  echo "install-pgbouncer: apt-get could not install pgbouncer; the pooled run will be skipped."
fi
exit 0
