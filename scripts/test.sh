#!/usr/bin/env bash
# Installs and starts what the tests need (Docker Engine, Azurite, the locally built test
# images, the agent package), then runs the whole xUnit suite. The multi-host tests need
# root: network namespaces, a bridge and a dockerd per simulated host. Idempotent; run as root on a fresh machine.
# Extra arguments go to `dotnet test` (e.g. --filter FullyQualifiedName~Walkthrough).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
LOGS="$REPO/.state/test"
mkdir -p "$LOGS"

ensure_dotnet
ensure_packages iproute2 iptables curl util-linux procps wireguard-tools wireguard-go tcpdump haproxy dehydrated pebble
ensure_dockerd "$LOGS/dockerd.log"
trap '[ -n "$STARTED_DOCKERD" ] && kill "$STARTED_DOCKERD" 2>/dev/null || true' EXIT
ensure_azurite   # the integration tests start their own Azurite on free ports, per run
bash "$REPO/scripts/build-test-images.sh"
bash "$REPO/scripts/publish-agent.sh"   # the package the install one-liner downloads

say "running the test suite"
dotnet test "$REPO/Rancher.Cloud.sln" -c Release --nologo "$@"
