#!/usr/bin/env bash
# Runs a benchmark against the real parts on this machine and prints its figures.
#   scripts/bench.sh deploy [--count 20] [--rounds 5]
#   scripts/bench.sh agents [--agents 1000] [--environments 10] [--seconds 60]
#   scripts/bench.sh footprint [--minutes 10] [--count 20]
#   scripts/bench.sh scheduler [--instances 100000] [--hosts 10000]
#   scripts/bench.sh overlay [--seconds 5] [--rounds 3]
#   scripts/bench.sh dns [--seconds 10]
#   scripts/bench.sh balancer [--seconds 10] [--rounds 3]
#   scripts/bench.sh upgrade [--count 10] [--rounds 3]
#   scripts/bench.sh backup [--mib 1024]
set -euo pipefail
source "$(dirname "$0")/lib.sh"
mkdir -p "$REPO/.state/bench"
ensure_dotnet
ensure_dockerd "$REPO/.state/bench/dockerd.log"
ensure_azurite
ensure_packages iproute2 iptables wireguard-tools wireguard-go iperf3 dnsperf dnsmasq-base wrk haproxy zstd
bash "$REPO/scripts/build-test-images.sh" --bench
bash "$REPO/scripts/publish-agent.sh" >/dev/null   # footprint measures the published agent
dotnet build "$REPO/benchmarks/Rancher.Cloud.Benchmarks" -c Release -v quiet -nologo >/dev/null
dotnet "$REPO/benchmarks/Rancher.Cloud.Benchmarks/bin/Release/net10.0/Rancher.Cloud.Benchmarks.dll" "$@"
