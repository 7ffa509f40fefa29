#!/usr/bin/env bash
# Runs a benchmark against the real parts on this machine and prints its figures.
#   scripts/bench.sh deploy [--count 20] [--rounds 5]
set -euo pipefail
source "$(dirname "$0")/lib.sh"
mkdir -p "$REPO/.state/bench"
ensure_dotnet
ensure_dockerd "$REPO/.state/bench/dockerd.log"
ensure_azurite
bash "$REPO/scripts/build-test-images.sh"
dotnet build "$REPO/benchmarks/Rancher.Cloud.Benchmarks" -c Release -v quiet -nologo >/dev/null
dotnet "$REPO/benchmarks/Rancher.Cloud.Benchmarks/bin/Release/net10.0/Rancher.Cloud.Benchmarks.dll" "$@"
