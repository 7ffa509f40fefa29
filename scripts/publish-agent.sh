#!/usr/bin/env bash
# Builds the agent package the control plane serves to the install one-liner: a
# self-contained linux-x64 build (framework trimmed), as .state/agent-packages/rancher-cloud-agent-linux-x64.tar.gz
set -euo pipefail
source "$(dirname "$0")/lib.sh"
OUT="${1:-$REPO/.state/agent-packages}"
PKG="$OUT/rancher-cloud-agent-linux-x64.tar.gz"
# Up to date when nothing the agent is built from changed since the package was made.
if [ -s "$PKG" ] && [ -z "$(find "$REPO/agent" "$REPO/contracts" "$REPO/Directory.Build.props" "$REPO/Directory.Packages.props" \
      -type f -newer "$PKG" -not -path '*/bin/*' -not -path '*/obj/*' -print -quit)" ]; then
  say "agent package up to date: $PKG"
  exit 0
fi
ensure_dotnet
BUILD=$(mktemp -d); trap 'rm -rf "$BUILD"' EXIT
# Self-contained and trimmed as the agent's project file says for a runtime-specific publish.
dotnet publish "$REPO/agent/Rancher.Cloud.Agent" -c Release -r linux-x64 -o "$BUILD/agent" -v quiet -nologo >"$BUILD/publish.log" 2>&1 || { cat "$BUILD/publish.log"; fail "agent publish failed"; }
mkdir -p "$OUT"
tar -C "$BUILD/agent" -czf "$PKG.tmp" .
mv "$PKG.tmp" "$PKG"
say "agent package: $PKG ($(du -h "$PKG" | cut -f1))"
