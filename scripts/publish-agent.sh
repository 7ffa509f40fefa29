#!/usr/bin/env bash
# Builds the agent package the control plane serves to the install one-liner: a
# self-contained linux-x64 build (framework trimmed), as .state/agent-packages/rancher-cloud-agent-linux-x64.tar.gz
set -euo pipefail
source "$(dirname "$0")/lib.sh"
OUT="${1:-$REPO/.state/agent-packages}"
ensure_dotnet
BUILD=$(mktemp -d); trap 'rm -rf "$BUILD"' EXIT
# Self-contained and trimmed as the agent's project file says for a runtime-specific publish.
dotnet publish "$REPO/agent/Rancher.Cloud.Agent" -c Release -r linux-x64 -o "$BUILD/agent" -v quiet -nologo >"$BUILD/publish.log" 2>&1 || { cat "$BUILD/publish.log"; fail "agent publish failed"; }
mkdir -p "$OUT"
tar -C "$BUILD/agent" -czf "$OUT/rancher-cloud-agent-linux-x64.tar.gz.tmp" .
mv "$OUT/rancher-cloud-agent-linux-x64.tar.gz.tmp" "$OUT/rancher-cloud-agent-linux-x64.tar.gz"
say "agent package: $OUT/rancher-cloud-agent-linux-x64.tar.gz ($(du -h "$OUT/rancher-cloud-agent-linux-x64.tar.gz" | cut -f1))"
