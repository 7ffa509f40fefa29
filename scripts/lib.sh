# Shared helpers for run.sh and test.sh: install and start what the system needs, idempotently.
# Sourced, not executed.

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

say()  { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
fail() { printf 'error: %s\n' "$*" >&2; exit 1; }

need_root() {
  [ "$(id -u)" = 0 ] || fail "run as root: installing Debian packages and starting dockerd need it"
}

# ensure_packages PKG... : installs the Debian packages that are missing.
ensure_packages() {
  local missing=()
  # "install ok installed" only: a removed package whose config files remain still answers dpkg -s.
  for p in "$@"; do
    [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" = "install ok installed" ] || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  need_root
  say "installing ${missing[*]}"
  command -v apt-get >/dev/null || fail "apt-get not found: install ${missing[*]} by hand"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >/dev/null 2>&1 \
    || { apt-get update -q >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >/dev/null; } \
    || fail "could not install ${missing[*]} (is a Debian package mirror reachable?)"
}

ensure_dotnet() {
  command -v dotnet >/dev/null || fail "the .NET SDK is missing: install .NET SDK 10 (see global.json)"
  dotnet --list-sdks | grep -q '^10\.' || fail "the .NET 10 SDK is missing (found: $(dotnet --list-sdks | tr '\n' ' '))"
}

# wait_port PORT SECONDS : waits until something listens on 127.0.0.1:PORT.
wait_port() {
  local port=$1 deadline=$((SECONDS + $2))
  until (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
    [ $SECONDS -ge $deadline ] && return 1
    sleep 0.2
  done
}

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# ensure_dockerd LOGFILE : uses the running Docker Engine, or installs docker.io and starts dockerd.
# Sets STARTED_DOCKERD to its pid when it started one.
STARTED_DOCKERD=""
ensure_dockerd() {
  if docker info >/dev/null 2>&1; then return 0; fi
  ensure_packages docker.io
  need_root
  # A dockerd still shutting down holds its pid file; a crashed one leaves it behind.
  local old; old=$(cat /var/run/docker.pid 2>/dev/null || true)
  if [ -n "$old" ] && kill -0 "$old" 2>/dev/null; then
    say "waiting for the dockerd that is shutting down (pid $old)"
    local until=$((SECONDS + 30))
    while kill -0 "$old" 2>/dev/null && [ $SECONDS -lt $until ]; do sleep 0.5; done
    docker info >/dev/null 2>&1 && return 0
  fi
  rm -f /var/run/docker.pid
  say "starting dockerd (log: $1)"
  # No systemd here: dockerd runs in the background, as its own process group, holding none of
  # the caller's other open files (a lock a caller holds must end with the caller, not with dockerd).
  setsid bash -c 'for fd in /proc/$$/fd/*; do fd=${fd##*/}; [ "$fd" -gt 2 ] && eval "exec $fd>&-"; done; exec dockerd' >"$1" 2>&1 &
  STARTED_DOCKERD=$!
  local deadline=$((SECONDS + 60))
  until docker info >/dev/null 2>&1; do
    kill -0 "$STARTED_DOCKERD" 2>/dev/null || fail "dockerd exited; see $1"
    [ $SECONDS -ge $deadline ] && fail "dockerd did not answer within 60 s; see $1"
    sleep 0.5
  done
}

# ensure_azurite : installs Azurite from the repo's own npm manifest (scripts/package.json).
ensure_azurite() {
  command -v npm >/dev/null || ensure_packages nodejs npm
  if [ ! -x "$REPO/scripts/node_modules/.bin/azurite" ]; then
    say "installing Azurite (npm ci)"
    # The registry mirror drops connections now and then (ECONNRESET): npm retries each fetch, and
    # the whole install is tried again before giving up.
    local try
    for try in 1 2 3; do
      (cd "$REPO/scripts" && npm ci --no-audit --no-fund --loglevel=error \
        --fetch-retries=5 --fetch-retry-mintimeout=2000 --fetch-retry-maxtimeout=30000) && return 0
      [ $try -lt 3 ] && { say "npm ci failed (try $try of 3); trying again"; sleep $((try * 5)); }
    done
    fail "npm could not install Azurite"
  fi
}

# start_azurite DIR BLOB QUEUE TABLE : starts Azurite on loopback; sets AZURITE_PID.
start_azurite() {
  local dir=$1 blob=$2 queue=$3 table=$4
  for p in "$blob" "$queue" "$table"; do
    port_free "$p" || fail "port $p is in use: stop what listens there (another Azurite?) and retry"
  done
  mkdir -p "$dir"
  "$REPO/scripts/node_modules/.bin/azurite" --silent --location "$dir" \
    --blobHost 127.0.0.1 --blobPort "$blob" --queueHost 127.0.0.1 --queuePort "$queue" --tableHost 127.0.0.1 --tablePort "$table" \
    --skipApiVersionCheck --disableTelemetry --loose >"$dir/azurite.log" 2>&1 &
  AZURITE_PID=$!
  for p in "$blob" "$queue" "$table"; do
    wait_port "$p" 30 || fail "Azurite did not start; see $dir/azurite.log"
  done
}

# storage_connection BLOB QUEUE TABLE : a connection string for Azurite's well-known dev account.
storage_connection() {
  local key="Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
  echo "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=$key;BlobEndpoint=http://127.0.0.1:$1/devstoreaccount1;QueueEndpoint=http://127.0.0.1:$2/devstoreaccount1;TableEndpoint=http://127.0.0.1:$3/devstoreaccount1;"
}
