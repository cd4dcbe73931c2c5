#!/usr/bin/env bash
# `bash scripts/install-figures.sh <npm ci log> <seconds it took>`: prints what the install brought, so that a
# regression shows in every CI run, and fails on what the README promises: a silent install, a production
# tree of at most 200 packages, no UI framework in it.
set -euo pipefail
log=$1 seconds=$2
count() { npm ls --all --parseable "$@" | tail -n +2 | wc -l; } # one line per installed package, the project's own excluded
all=$(count)
production=$(count --omit=dev)
server=$(count --omit=dev --omit=optional)
echo "== Install: ${seconds} s; packages: ${all} in all, ${production} in production (${server} without the optional embedded PostgreSQL); node_modules: $(du -sh node_modules | cut -f1)"
status=0
if grep -q '^npm warn' "$log"; then
  echo "npm printed warnings while installing:"
  grep '^npm warn' "$log"
  status=1
fi
if [ "$production" -gt 200 ]; then
  echo "The production tree has $production packages, more than 200: npm ls --omit=dev --all shows what brought them."
  status=1
fi
if npm ls --omit=dev --all --parseable | grep -Eq '/node_modules/(react|react-dom|preact|vue|@angular/core|svelte)$'; then
  echo "A UI framework is in the production tree: npm ls --omit=dev --all shows what brought it."
  status=1
fi
exit "$status"
