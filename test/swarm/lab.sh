#!/usr/bin/env bash
# A 3-node Docker Swarm and a registry on one machine, for Flotilla's swarm tests and benches.
#
#   lab.sh up [DIR]    start a lab; prints the folder holding lab.env (DOCKER_HOST of each node, registry)
#   lab.sh down DIR    stop it and remove everything it made
#   lab.sh tools       install what the lab needs (docker.io, docker-registry) when missing
#   lab.sh start-node DIR K   start node K's dockerd again after it was stopped (it rejoins the swarm)
#
# Topology (see shared docs: swarm-lab.md):
#   host netns: <id>-h 10.99.N.1/24, where the registry listens ──veth──┐
#   netns <id>-hub: a bridge with no IP (bridge netfilter off in that namespace only)
#   netns <id>-n1..n3: eth0 10.99.N.11..13, each with its own dockerd (and containerd), no default route
# Every name carries the lab id, so labs never collide with each other or with anything else on the machine.
# The host's dockerd, docker0 and iptables are never touched: the nodes' daemons keep their bridges and
# rules inside their own namespaces, and only processes this script started are stopped, by PID.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
die() {
  echo "swarm lab: $*" >&2
  exit 1
}
[ "$(id -u)" = 0 ] || die "needs root (network namespaces, a dockerd per node)"

ensure_tools() {
  local missing=()
  command -v dockerd >/dev/null || missing+=(docker.io)
  command -v docker-registry >/dev/null || missing+=(docker-registry)
  command -v ip >/dev/null || missing+=(iproute2)
  command -v unshare >/dev/null || missing+=(util-linux)
  [ ${#missing[@]} = 0 ] && return 0
  command -v apt-get >/dev/null || die "missing ${missing[*]}; install them (Debian: apt-get install ${missing[*]})"
  echo "swarm lab: installing ${missing[*]}..." >&2
  export DEBIAN_FRONTEND=noninteractive
  # policy-rc.d keeps the package from starting a registry service on the host.
  local policy=/usr/sbin/policy-rc.d made_policy=
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && made_policy=1
  fi
  apt-get update -qq >/dev/null || true
  apt-get install -y -qq "${missing[@]}" >/dev/null || {
    [ -n "$made_policy" ] && rm -f "$policy"
    die "could not install ${missing[*]}"
  }
  [ -n "$made_policy" ] && rm -f "$policy"
  return 0
}

# A free 10.99.N.0/24: no address or route of this machine uses it.
pick_subnet() {
  local used n
  used=$(ip -4 -o addr show; ip -4 route show table all 2>/dev/null || true)
  for n in $(seq 0 250); do
    if ! grep -q "10\.99\.$n\." <<<"$used"; then
      echo "$n"
      return 0
    fi
  done
  die "no free 10.99.N.0/24 subnet"
}

node_script() {
  # Runs inside the node's network namespace, in the mount namespace `ip netns exec` made (its /sys is fresh,
  # so the cgroup hierarchies are mounted again from PID 1's table), with its own UTS namespace.
  cat <<'NODE'
#!/bin/sh
set -e
hostname "$NODE"
mount -t tmpfs -o mode=755 cgroup /sys/fs/cgroup
awk '$3 ~ /^0:/ && $5 ~ "^/sys/fs/cgroup/" { split($0, halves, " - "); split(halves[2], f, " "); print $5, f[1], f[3] }' /proc/1/mountinfo |
  while read -r at fstype opts; do
    mkdir -p "$at"
    if [ "$fstype" = cgroup2 ]; then mount -t cgroup2 none "$at"; else mount -t cgroup -o "$opts" cgroup "$at"; fi
  done
# A /run of its own (so /run/docker, /run/containerd and /var/run/docker.sock are the node's, as on a real node,
# where a task that mounts the engine's socket reaches its own node's engine) and an /etc/docker of its own
# (no host daemon.json; its own engine ID).
mount -t tmpfs -o mode=755 tmpfs /run
mkdir -p "$D/etc-docker"
mount --bind "$D/etc-docker" /etc/docker
exec dockerd --data-root "$D/data" --exec-root "$D/exec" --pidfile "$D/docker.pid" -H "unix://$D/docker.sock" \
  -H unix:///var/run/docker.sock \
  --bip 172.30.0.1/24 --insecure-registry "$REGISTRY" --cgroup-parent "/$LAB-$NODE" --storage-driver overlay2 \
  --swarm-default-advertise-addr eth0 --log-level warn
NODE
}

# start_node DIR K: (re)starts node K's dockerd; on a restart it rejoins the swarm from its own state.
start_node() {
  local dir=$1 k=$2 id registry
  id=$(sed -n 's/^LAB=//p' "$dir/lab.env")
  registry=$(sed -n 's/^LAB_REGISTRY=//p' "$dir/lab.env")
  mkdir -p "$dir/n$k"
  NODE=n$k D=$dir/n$k LAB=$id REGISTRY=$registry \
    setsid ip netns exec "$id-n$k" unshare --uts -- "$dir/node.sh" >>"$dir/n$k/dockerd.log" 2>&1 </dev/null &
}

api_answers() {
  curl -sf --max-time 2 --unix-socket "$1" http://d/_ping >/dev/null 2>&1
}

wait_for() {
  # wait_for SECONDS DESCRIPTION COMMAND...: poll until the command succeeds.
  local until=$((SECONDS + $1)) what=$2
  shift 2
  until "$@"; do
    [ $SECONDS -lt $until ] || return 1
    sleep 0.1
  done
  return 0
}

up() {
  ensure_tools
  command -v curl >/dev/null || die "needs curl"
  local id n
  id=fs$(head -c3 /dev/urandom | od -An -tx1 | tr -d ' \n')
  n=$(pick_subnet)
  dir=${1:-/tmp/flotilla-swarm-$id} # global: the EXIT trap reads it
  mkdir -p "$dir"
  local net=10.99.$n registry=10.99.$n.1:5000
  {
    echo "LAB=$id"
    echo "LAB_DIR=$dir"
    echo "LAB_SUBNET=$net.0/24"
    echo "LAB_REGISTRY=$registry"
  } >"$dir/lab.env"
  # From here on, a failure (die, or any failing command under set -e) tears down what was made.
  trap 'down "$dir" >/dev/null 2>&1 || true' EXIT

  # The registry must be the only listener on its address, and no DNAT rule of the host may catch its port.
  if iptables-save -t nat 2>/dev/null | grep -q -- "--dport 5000"; then die "the host's iptables redirect port 5000"; fi

  ip netns add "$id-hub"
  ip -n "$id-hub" link set lo up
  ip netns exec "$id-hub" sysctl -qw net.bridge.bridge-nf-call-iptables=0 2>/dev/null || true
  ip -n "$id-hub" link add name hub type bridge
  ip -n "$id-hub" link set hub up
  ip link add name "$id-h" type veth peer name hh netns "$id-hub"
  ip addr add "$net.1/24" dev "$id-h"
  ip link set "$id-h" up
  ip -n "$id-hub" link set hh master hub up
  for k in 1 2 3; do
    ip netns add "$id-n$k"
    ip -n "$id-n$k" link set lo up
    ip -n "$id-hub" link add name "h$k" type veth peer name eth0 netns "$id-n$k"
    ip -n "$id-hub" link set "h$k" master hub up
    ip -n "$id-n$k" addr add "$net.1$k/24" dev eth0
    ip -n "$id-n$k" link set eth0 up
  done

  mkdir -p "$dir/registry/data"
  cat >"$dir/registry/config.yml" <<EOF
version: 0.1
log: {level: warn}
storage:
  filesystem: {rootdirectory: $dir/registry/data}
  delete: {enabled: true}
http:
  addr: $registry
EOF
  setsid docker-registry serve "$dir/registry/config.yml" >"$dir/registry/log" 2>&1 </dev/null &
  echo $! >"$dir/registry/pid"

  node_script >"$dir/node.sh"
  chmod +x "$dir/node.sh"
  for k in 1 2 3; do
    start_node "$dir" "$k"
    echo "NODE${k}_HOST=unix://$dir/n$k/docker.sock" >>"$dir/lab.env"
    echo "NODE${k}_ADDR=$net.1$k" >>"$dir/lab.env"
  done
  wait_for 20 registry curl -sf --max-time 2 "http://$registry/v2/" -o /dev/null ||
    die "the registry did not answer (see $dir/registry/log)"
  for k in 1 2 3; do
    wait_for 60 "dockerd n$k" api_answers "$dir/n$k/docker.sock" || die "dockerd on n$k did not answer (see $dir/n$k/dockerd.log)"
  done

  local d1="docker -H unix://$dir/n1/docker.sock"
  $d1 swarm init --advertise-addr "$net.11" --dispatcher-heartbeat 1s >/dev/null
  local token
  token=$($d1 swarm join-token -q worker)
  local joins=()
  for k in 2 3; do
    docker -H "unix://$dir/n$k/docker.sock" swarm join --token "$token" "$net.11:2377" >/dev/null &
    joins+=($!)
  done
  for p in "${joins[@]}"; do wait "$p"; done
  ready3() { [ "$($d1 node ls --format '{{.Status}}' | grep -c Ready)" = 3 ]; }
  wait_for 60 "3 nodes" ready3 || die "the swarm did not reach 3 Ready nodes"
  trap - EXIT
  echo "$dir"
}

# Processes of one node: those in its network namespace (dockerd, containerd, shims) and those in its
# cgroups (task containers, whose own namespaces differ).
node_pids() {
  local id=$1 k=$2
  ip netns pids "$id-n$k" 2>/dev/null || true
  cat /sys/fs/cgroup/pids/"$id-n$k"/*/cgroup.procs /sys/fs/cgroup/pids/"$id-n$k"/cgroup.procs 2>/dev/null || true
}

down() {
  local dir=$1
  [ -f "$dir/lab.env" ] || die "$dir is not a lab folder (no lab.env)"
  local LAB
  LAB=$(sed -n 's/^LAB=//p' "$dir/lab.env")
  [ -n "$LAB" ] || die "no lab id in $dir/lab.env"
  # Task containers first (the lab is thrown away, so no grace period), then the daemons, then anything left
  # in the nodes' namespaces and cgroups.
  for k in 1 2 3; do
    cat /sys/fs/cgroup/pids/"$LAB-n$k"/*/cgroup.procs 2>/dev/null | xargs -r kill -KILL 2>/dev/null || true
    [ -f "$dir/n$k/docker.pid" ] && kill -TERM "$(cat "$dir/n$k/docker.pid")" 2>/dev/null || true
  done
  gone() { for k in 1 2 3; do [ -z "$(node_pids "$LAB" "$k")" ] || return 1; done; }
  wait_for 20 "daemons stopped" gone || true
  for sig in KILL KILL; do
    for k in 1 2 3; do
      node_pids "$LAB" "$k" | xargs -r kill -"$sig" 2>/dev/null || true
    done
    wait_for 10 "processes gone" gone && break
  done
  [ -f "$dir/registry/pid" ] && kill -TERM "$(cat "$dir/registry/pid")" 2>/dev/null || true
  for k in 1 2 3; do ip netns del "$LAB-n$k" 2>/dev/null || true; done
  ip netns del "$LAB-hub" 2>/dev/null || true
  ip link del "$LAB-h" 2>/dev/null || true
  # Cgroup folders the nodes' daemons made (deepest first; a folder still holding a process stays).
  for k in 1 2 3; do
    find /sys/fs/cgroup/*/"$LAB-n$k" -depth -type d -exec rmdir {} \; 2>/dev/null || true
  done
  # Mounts of the nodes live in their own mount namespaces and went with their processes; any that leaked go too.
  grep -o " $dir/[^ ]*" /proc/mounts | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
  rm -rf "$dir"
}

case "${1:-}" in
  tools) ensure_tools ;;
  start-node)
    start_node "${2:?usage: lab.sh start-node DIR K}" "${3:?usage: lab.sh start-node DIR K}"
    wait_for 60 "dockerd n$3" api_answers "$2/n$3/docker.sock" || die "dockerd on n$3 did not answer"
    ;;
  up) up "${2:-}" ;;
  down) down "${2:?usage: lab.sh down DIR}" ;;
  *) die "usage: lab.sh up [DIR] | lab.sh down DIR | lab.sh tools" ;;
esac
