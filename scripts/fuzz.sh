#!/usr/bin/env bash
# Runs the request fuzzer (tests/…/Fuzzing) against a self-hosted control plane for longer than
# the bounded run in scripts/test.sh, and prints its figures (also kept in .state/fuzz-report.txt).
#   scripts/fuzz.sh [--minutes 10] [--seed N]      (a failing case prints its seed: pass it to replay)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
MINUTES=10 SEED=""
while [ $# -gt 0 ]; do
  case "$1" in
    --minutes) MINUTES="${2:?--minutes needs a value}"; shift 2 ;;
    --seed) SEED="${2:?--seed needs a value}"; shift 2 ;;
    *) fail "unknown option $1 (use --minutes N, --seed N)" ;;
  esac
done
case "$MINUTES" in ''|*[!0-9]*) fail "--minutes must be a whole number" ;; esac
mkdir -p "$REPO/.state/fuzz"
ensure_dotnet
ensure_dockerd "$REPO/.state/fuzz/dockerd.log"
trap '[ -n "$STARTED_DOCKERD" ] && kill "$STARTED_DOCKERD" 2>/dev/null || true' EXIT
ensure_azurite
say "fuzzing for $MINUTES minutes"
RANCHER_FUZZ_SECONDS=$((MINUTES * 60)) RANCHER_FUZZ_SEED="$SEED" \
  dotnet test "$REPO/tests/Rancher.Cloud.IntegrationTests" -c Release --nologo \
    --filter "FullyQualifiedName~Fuzzing" --logger "console;verbosity=normal"
cat "$REPO/.state/fuzz-report.txt"
