#!/usr/bin/env bash
# Try gitops-vela on a fresh machine, no cluster needed:
#   scripts/try.sh            (Ctrl-C stops it; run it again to start over)
#   scripts/try.sh environments
#                             two daemons, staging and prod, each against its own
#                             emulated cluster; prod promotes what staging proves healthy
#
# 1. installs into .venv (like scripts/test.sh),
# 2. makes a Git "server" (a bare repository) from sample-repo/ and a clone
#    to edit, under .try/,
# 3. runs the daemon on it against the embedded Kubernetes API emulator,
#    and prints how to look at what it does.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
# The emulator is its own distribution (the daemon image does not carry it).
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e . -e ./emulator

WORK=${TRY_DIR:-$ROOT/.try}
PORT=${TRY_PORT:-9440}
INTERVAL=${TRY_INTERVAL:-10s}
BARE=$WORK/sample.git
CLONE=$WORK/sample
CACHE=$WORK/cache
KUBECONFIG_FILE=$CACHE/embedded/kubeconfig

rm -rf "$WORK"
mkdir -p "$WORK"
git init --quiet --bare --initial-branch=main "$BARE"
git init --quiet --initial-branch=main "$CLONE"
cp -R sample-repo/. "$CLONE/"
git -C "$CLONE" add -A
git -C "$CLONE" -c user.name="You" -c user.email="you@example.com" \
  commit --quiet -m "sample apps and definitions"
git -C "$CLONE" remote add origin "$BARE"
# -u: the clone tracks origin/main, so a plain `git push` (as printed below) works.
git -C "$CLONE" push --quiet --set-upstream origin main

if [ "${1:-}" = "environments" ]; then
  HEALTHY_FOR=${TRY_HEALTHY_FOR:-1m}
  for env in staging prod; do
    port=$PORT
    promotion=""
    if [ "$env" = prod ]; then
      port=$((PORT + 1))
      promotion="    promotion: {from: staging, healthyFor: $HEALTHY_FOR}"
    fi
    cat >"$WORK/$env.yaml" <<EOF
# the $env cluster's daemon (scripts/try.sh environments)
cluster: {embedded: true}
server: {listen: "127.0.0.1:$port"}
cacheDir: $WORK/$env
repositories:
  - url: $BARE
    interval: $INTERVAL
    prune: true
    environment: $env
$promotion
EOF
  done
  cat <<EOF

Two daemons are starting on $BARE (polled every $INTERVAL), each against
its own embedded Kubernetes API emulator: staging (config $WORK/staging.yaml,
port $PORT) and prod (config $WORK/prod.yaml, port $((PORT + 1))), which applies
only the commits staging has shown Healthy for $HEALTHY_FOR.

In another terminal:

  $ROOT/.venv/bin/gitops-vela status $BARE --env staging
  $ROOT/.venv/bin/gitops-vela status $BARE --env prod     # "waiting for staging: ..."
  KUBECONFIG=$WORK/staging/embedded/kubeconfig kubectl get deploy -n shop
  KUBECONFIG=$WORK/prod/embedded/kubeconfig kubectl get deploy -n shop

Change something and watch it reach staging, then prod:

  cd $CLONE
  \$EDITOR apps/shop/vela.yaml             # e.g. the frontend's image
  git commit -am "my change" && git push

Ctrl-C stops both daemons.

EOF
  .venv/bin/gitops-vela run --config "$WORK/staging.yaml" &
  STAGING=$!
  .venv/bin/gitops-vela run --config "$WORK/prod.yaml" &
  PROD=$!
  trap 'kill -TERM $STAGING $PROD 2>/dev/null; wait' INT TERM
  wait
  exit 0
fi

cat <<EOF

gitops-vela is starting on $BARE (polled every $INTERVAL),
against the embedded Kubernetes API emulator (state in $CACHE).

In another terminal:

  export KUBECONFIG=$KUBECONFIG_FILE
  kubectl get all -A                       # the sample apps, applied
  $ROOT/.venv/bin/gitops-vela status $BARE   # the status branch, as a table
  curl -s localhost:$PORT/metrics | grep ^gitops_vela_

Change something and watch it land:

  cd $CLONE
  \$EDITOR apps/*/vela.yaml                # e.g. change an image or replicas
  git commit -am "my change" && git push
  kubectl get deploy -A -w                 # applied at the next poll
  git -C $CLONE fetch -q origin gitops-vela/status && \\
    git -C $CLONE show origin/gitops-vela/status:README.md

Ctrl-C stops the daemon (it finishes the apply in flight first).

EOF

exec .venv/bin/gitops-vela run \
  --repo "$BARE" \
  --interval "$INTERVAL" \
  --prune \
  --embedded-cluster \
  --cache-dir "$CACHE" \
  --listen "127.0.0.1:$PORT"
