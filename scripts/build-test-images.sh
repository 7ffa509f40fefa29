#!/usr/bin/env bash
# Builds the images the tests and benchmarks run, locally: no registry, nothing pulled.
# rancher-cloud-test/web:1 — static busybox with httpd serving /www (and /cgi-bin/env
# printing the container's environment), as its default command; rancher-cloud-test/haproxy:1.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
ensure_packages busybox-static

build_web() {
  local root; root=$(mktemp -d)
  trap 'rm -rf "$root"' RETURN
  mkdir -p "$root/bin" "$root/www/cgi-bin" "$root/tmp"
  cp /bin/busybox "$root/bin/busybox"
  for tool in sh httpd echo sleep cat ls rm wget nc env hostname kill ps nslookup; do ln -s busybox "$root/bin/$tool"; done
  echo "rancher-cloud-test web" >"$root/www/index.html"
  printf '#!/bin/sh\necho "Content-Type: text/plain"\necho\nenv\n' >"$root/www/cgi-bin/env"
  chmod +x "$root/www/cgi-bin/env"
  tar -C "$root" -c . | docker import \
    --change 'CMD ["/bin/httpd","-f","-p","80","-h","/www"]' \
    --change 'EXPOSE 80' - rancher-cloud-test/web:1 >/dev/null
}

# iperf3 and the libraries it links, plus busybox for a shell: the overlay benchmark's image.
build_iperf3() {
  local root; root=$(mktemp -d)
  trap 'rm -rf "$root"' RETURN
  mkdir -p "$root/bin" "$root/tmp"
  cp /bin/busybox "$root/bin/busybox"
  for tool in sh sleep; do ln -s busybox "$root/bin/$tool"; done
  cp /usr/bin/iperf3 "$root/bin/iperf3"
  for lib in $(ldd /usr/bin/iperf3 | grep -o '/[^ ]*'); do
    mkdir -p "$root$(dirname "$lib")"
    cp -L "$lib" "$root$lib"
  done
  tar -C "$root" -c . | docker import --change 'CMD ["/bin/iperf3","-s"]' - rancher-cloud-test/iperf3:1 >/dev/null
}

# HAProxy from Debian's package and the libraries it links, plus busybox for a shell: the balancer
# image the tests and the local system run (the production image is an environment's setting).
# Master-worker in the foreground on /balancer/config/haproxy.cfg, which the agent writes (mounted
# read-only), with the master's CLI (reload) on /balancer/run/master.sock. (docker import
# takes no STOPSIGNAL: the plan gives a balancer SIGUSR1, HAProxy's soft stop.)
build_haproxy() {
  local root; root=$(mktemp -d)
  trap 'rm -rf "$root"' RETURN
  mkdir -p "$root/bin" "$root/usr/sbin" "$root/tmp" "$root/balancer/config" "$root/balancer/run" "$root/run"
  cp /bin/busybox "$root/bin/busybox"
  for tool in sh cat sleep kill; do ln -s busybox "$root/bin/$tool"; done
  cp /usr/sbin/haproxy "$root/usr/sbin/haproxy"
  for lib in $(ldd /usr/sbin/haproxy | grep -o '/[^ ]*'); do
    mkdir -p "$root$(dirname "$lib")"
    cp -L "$lib" "$root$lib"
  done
  tar -C "$root" -c . | docker import \
    --change 'CMD ["/usr/sbin/haproxy","-W","-db","-S","/balancer/run/master.sock","-f","/balancer/config/haproxy.cfg"]' - rancher-cloud-test/haproxy:1 >/dev/null
}

build_web
say "built rancher-cloud-test/web:1"
ensure_packages haproxy
build_haproxy
say "built rancher-cloud-test/haproxy:1"
if [ "${1:-}" = "--bench" ]; then
  ensure_packages iperf3
  build_iperf3
  say "built rancher-cloud-test/iperf3:1"
fi
