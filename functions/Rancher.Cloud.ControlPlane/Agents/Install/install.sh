#!/bin/sh
# Rancher.Cloud agent installer, served by the control plane:
#   curl -fsSL <url>/install.sh | sh -s -- --url <url> --token <token> [--label k=v]...
# Run as root, or as a user who may sudo: then it runs itself again under sudo.
# Downloads the agent for this host's architecture, installs it as a systemd service when
# systemd runs and as a supervised background process otherwise, and starts it.
# Other options: --name NAME (default rancher-cloud-agent; lets several agents share a
#   machine), --docker ENDPOINT, --hostname NAME, --uninstall.
set -eu

URL="" TOKEN="" NAME="rancher-cloud-agent" EXTRA="" UNINSTALL=""
fail() { echo "rancher-cloud install: $*" >&2; exit 1; }
say() { echo "rancher-cloud install: $*" >&2; }
quote() { printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"; }

# Elevate only when needed: a minimal image run as root has no sudo, and needs none.
if [ "$(id -u)" != 0 ]; then
  command -v sudo >/dev/null 2>&1 || fail "run as root (this user is not root and sudo is missing)"
  SELF_URL=""; prev=""
  for arg in "$@"; do [ "$prev" = "--url" ] && SELF_URL="$arg"; prev="$arg"; done
  [ -n "$SELF_URL" ] || fail "--url is required"
  say "not root: running again under sudo"
  curl -fsSL "$SELF_URL/install.sh" | sudo sh -s -- "$@"
  exit $?
fi

while [ $# -gt 0 ]; do
  case "$1" in
    --url) URL="${2:?--url needs a value}"; shift 2 ;;
    --token) TOKEN="${2:?--token needs a value}"; shift 2 ;;
    --label) case "${2:-}" in *=*) EXTRA="$EXTRA --label $(quote "$2")" ;; *) fail "--label needs key=value" ;; esac; shift 2 ;;
    --docker) EXTRA="$EXTRA --docker $(quote "${2:?--docker needs a value}")"; shift 2 ;;
    --hostname) EXTRA="$EXTRA --hostname $(quote "${2:?--hostname needs a value}")"; shift 2 ;;
    --name) NAME="${2:?--name needs a value}"; shift 2 ;;
    --uninstall) UNINSTALL=1; shift ;;
    *) fail "unknown option $1" ;;
  esac
done
case "$NAME" in *[!a-z0-9-]*|"") fail "--name must be lower-case letters, digits and '-'" ;; esac

DIR="/opt/$NAME"; STATE="/var/lib/$NAME"; LOG="/var/log/$NAME.log"; PIDFILE="/run/$NAME.pid"
UNIT="/etc/systemd/system/$NAME.service"

stop_existing() {
  if [ -f "$UNIT" ] && command -v systemctl >/dev/null 2>&1; then
    systemctl disable --now "$NAME" >/dev/null 2>&1 || true
  fi
  if [ -f "$PIDFILE" ]; then
    pid=$(cat "$PIDFILE")
    # The supervisor first, so it does not restart the agent it is about to lose.
    kill "$pid" 2>/dev/null || true
    pkill -f "$DIR/Rancher.Cloud.Agent" 2>/dev/null || true
    rm -f "$PIDFILE"
  fi
}

if [ -n "$UNINSTALL" ]; then
  stop_existing
  # The overlay's tunnel outlives the agent on purpose (traffic keeps flowing across restarts); not past an uninstall.
  for link in $(ip -o link 2>/dev/null | awk -F': ' '{print $2}' | grep '^rcw' || true); do
    ip link del "$link" 2>/dev/null || true
  done
  rm -rf "$DIR" "$STATE" "$UNIT" "$LOG"
  echo "rancher-cloud install: $NAME removed"
  exit 0
fi

[ -n "$URL" ] || fail "--url is required"
case "$(uname -m)" in
  x86_64|amd64) RID=linux-x64 ;;
  *) fail "architecture $(uname -m) is not supported yet: the agent is built for x86_64 (linux-x64) only" ;;
esac
command -v curl >/dev/null 2>&1 || fail "curl is required"
command -v tar >/dev/null 2>&1 || fail "tar is required"
# The overlay: WireGuard's tools, and its userspace implementation for kernels without the module.
if ! command -v wg >/dev/null 2>&1 || ! command -v wireguard-go >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q wireguard-tools wireguard-go >/dev/null \
      || say "could not install wireguard-tools/wireguard-go: containers will run, but not reach other hosts"
  else
    say "wireguard-tools (wg) and wireguard-go are missing: containers will run, but not reach other hosts"
  fi
fi
if [ -z "$TOKEN" ] && [ ! -s "$STATE/identity.json" ]; then
  fail "--token is required: this host has not registered yet"
fi

TMP=$(mktemp -d); trap 'rm -rf "$TMP"' EXIT
echo "rancher-cloud install: downloading the agent ($RID)"
curl -fsSL "$URL/downloads/agent/$RID.tar.gz" -o "$TMP/agent.tar.gz" || fail "could not download the agent from $URL"
stop_existing
rm -rf "$DIR"; mkdir -p "$DIR" "$STATE"; chmod 700 "$STATE"
tar -xzf "$TMP/agent.tar.gz" -C "$DIR"

# The token is needed only until the first registration; the launcher is root-only.
ARGS="--url $(quote "$URL") --state-dir $(quote "$STATE")$EXTRA"
[ -n "$TOKEN" ] && ARGS="$ARGS --token $(quote "$TOKEN")"
cat >"$DIR/run-agent" <<RUN
#!/bin/sh
exec "$DIR/Rancher.Cloud.Agent" $ARGS
RUN
chmod 700 "$DIR/run-agent"

if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
  cat >"$UNIT" <<UNITFILE
[Unit]
Description=Rancher.Cloud agent ($NAME)
After=network-online.target docker.service
Wants=network-online.target

[Service]
ExecStart=$DIR/run-agent
Restart=always
RestartSec=2

[Install]
WantedBy=multi-user.target
UNITFILE
  systemctl daemon-reload
  systemctl enable --now "$NAME"
  echo "rancher-cloud install: $NAME installed as a systemd service"
else
  # No systemd: a small supervisor restarts the agent if it exits, unless it says its
  # credential is refused (exit code 2), when restarting cannot help.
  cat >"$DIR/supervise" <<SUP
#!/bin/sh
while true; do
  "$DIR/run-agent" >>"$LOG" 2>&1 && code=0 || code=\$?
  [ "\$code" = 2 ] && exit 2
  sleep 2
done
SUP
  chmod 700 "$DIR/supervise"
  setsid "$DIR/supervise" </dev/null >/dev/null 2>&1 &
  echo $! >"$PIDFILE"
  echo "rancher-cloud install: $NAME started under a supervisor (pid $(cat "$PIDFILE"), log $LOG)"
fi
