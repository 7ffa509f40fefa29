#!/usr/bin/env bash
# Runs the embedded default: Azurite, the control plane on http://127.0.0.1:8080 and one
# agent on the local Docker Engine. State lives in .state/ and survives a restart.
# Ctrl-C stops what this script started, and nothing else.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
STATE="$REPO/.state"
URL="http://127.0.0.1:8080"
mkdir -p "$STATE"

ensure_dotnet
ensure_packages curl jq iproute2 iptables wireguard-tools wireguard-go dehydrated
ensure_dockerd "$STATE/dockerd.log"
# The balancer image (HAProxy from Debian's package), so a balancer works out of the box with no registry.
bash "$REPO/scripts/build-test-images.sh"
ensure_azurite
port_free 8080 || fail "port 8080 is in use: stop what listens there and retry"

STARTED=()
stop_started() {
  trap - INT TERM EXIT
  say "stopping what run.sh started (logs: $STATE)"
  for pid in "${STARTED[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${STARTED[@]}"; do wait "$pid" 2>/dev/null || true; done
  # The agent's tunnel outlives the agent on purpose (traffic flows across its restarts), not run.sh:
  # its interface is named from the host id (rcw + 10 hex of its SHA-256), and wireguard-go exits with it.
  local host; host=$(jq -r '.hostId // empty' "$STATE/agent/identity.json" 2>/dev/null || true)
  if [ -n "$host" ]; then ip link del "rcw$(printf '%s' "$host" | sha256sum | cut -c1-10)" 2>/dev/null || true; fi
  if [ -n "$STARTED_DOCKERD" ]; then kill "$STARTED_DOCKERD" 2>/dev/null || true; fi
}
trap 'stop_started; exit 130' INT TERM
trap stop_started EXIT

say "building"
dotnet build "$REPO/Rancher.Cloud.sln" -c Release -v quiet -nologo >"$STATE/build.log" 2>&1 || { cat "$STATE/build.log"; fail "build failed"; }
bash "$REPO/scripts/publish-agent.sh" "$STATE/agent-packages"   # what the install one-liner downloads

start_azurite "$STATE/azurite" 10000 10001 10002
STARTED+=("$AZURITE_PID")

# The admin key: RANCHER_CLOUD_ADMIN_KEY when set, otherwise generated once and kept.
if [ -z "${RANCHER_CLOUD_ADMIN_KEY:-}" ]; then
  if [ ! -s "$STATE/admin-key" ]; then
    (umask 077; head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n' >"$STATE/admin-key")
  fi
  RANCHER_CLOUD_ADMIN_KEY=$(cat "$STATE/admin-key")
fi
export RANCHER_CLOUD_ADMIN_KEY
# The key that wraps each tenant's data key (which encrypts certificate keys): kept with the state, like the admin key.
if [ ! -s "$STATE/data-key" ]; then
  (umask 077; head -c 32 /dev/urandom | base64 | tr -d '\n' >"$STATE/data-key")
fi

AzureWebJobsStorage=$(storage_connection 10000 10001 10002) RancherCloud__PublicUrl="$URL" \
  RancherCloud__AgentPackageDir="$STATE/agent-packages" RancherCloud__BalancerImage=rancher-cloud-test/haproxy:1 \
  RancherCloud__DataKeyWrappingKey="$(cat "$STATE/data-key")" \
  dotnet "$REPO/functions/Rancher.Cloud.SelfHost/bin/Release/net10.0/Rancher.Cloud.SelfHost.dll" --urls "$URL" \
  >"$STATE/control-plane.log" 2>&1 &
STARTED+=("$!")
wait_port 8080 60 || { tail -20 "$STATE/control-plane.log"; fail "the control plane did not start; see $STATE/control-plane.log"; }

api() { curl -fsS -H "Authorization: Bearer $RANCHER_CLOUD_ADMIN_KEY" -H 'Content-Type: application/json' "$@"; }

# The local agent registers once; afterwards its identity in .state/agent is enough.
AGENT_ARGS=(--url "$URL" --state-dir "$STATE/agent")
if [ ! -s "$STATE/agent/identity.json" ]; then
  ENV_ID=$(api "$URL/api/v1/environments" | jq -r '.items[] | select(.name == "local") | .id')
  [ -n "$ENV_ID" ] || ENV_ID=$(api -X POST "$URL/api/v1/environments" -d '{"name":"local"}' | jq -r .id)
  TOKEN=$(api -X POST "$URL/api/v1/environments/$ENV_ID/registrationTokens" | jq -r .token)
  AGENT_ARGS+=(--token "$TOKEN")
fi
# Supervised as install.sh does it without systemd: an agent that exits (a crash, a kill) is started
# again after 5 s, and the rest of the system keeps running meanwhile.
supervise_agent() {
  local child="" code
  trap '[ -n "$child" ] && kill "$child" 2>/dev/null; wait 2>/dev/null; exit 0' TERM INT
  while true; do
    dotnet "$REPO/agent/Rancher.Cloud.Agent/bin/Release/net10.0/Rancher.Cloud.Agent.dll" "${AGENT_ARGS[@]}" >>"$STATE/agent.log" 2>&1 &
    child=$!
    wait "$child" && code=0 || code=$?
    echo "run.sh: the agent exited with $code; starting it again in 5 s" >>"$STATE/agent.log"
    sleep 5 & wait $! || true
  done
}
: >"$STATE/agent.log"
supervise_agent &
STARTED+=("$!")
for _ in $(seq 1 60); do [ -s "$STATE/agent/identity.json" ] && break; sleep 0.5; done
[ -s "$STATE/agent/identity.json" ] || { tail -20 "$STATE/agent.log"; fail "the local agent did not register; see $STATE/agent.log"; }

cat <<INFO

  Rancher.Cloud is running.
    URL:        $URL/api/v1
    Admin key:  $RANCHER_CLOUD_ADMIN_KEY
    Logs:       $STATE/{control-plane,agent,azurite/azurite}.log
  Try:  curl -H "Authorization: Bearer \$KEY" $URL/api/v1/environments
  Ctrl-C stops it.

INFO
# Until Ctrl-C, or until Azurite or the control plane stops (then the rest are stopped too; see the logs).
wait -n "${STARTED[@]}" || true
