#!/usr/bin/env bash
# Three hosts on one virtual LAN, each a network namespace with its own node, finding each other by
# mDNS with zero configuration. Needs root and iproute2. Everything it makes lives in namespaces it
# creates (a switch namespace with a bridge, and one namespace per host); it removes them on exit.
# A fourth host runs with another --mdns-tag and must stay alone: tags keep meshes on one LAN apart.
# Usage: sudo examples/lan-discovery-netns.sh [SECONDS]   (run `npm run build` first)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-15}
[ "$(id -u)" = 0 ] || { echo "lan-discovery-netns: needs root (network namespaces)" >&2; exit 77; }
command -v ip >/dev/null || { echo "lan-discovery-netns: needs iproute2 (ip)" >&2; exit 77; }
[ -f dist/examples/lan-discovery.js ] || { echo "lan-discovery-netns: run npm run build first" >&2; exit 1; }

id=$$
sw="fm-sw-$id"
hosts=("fm-h1-$id" "fm-h2-$id" "fm-h3-$id" "fm-h4-$id")
work=$(mktemp -d /tmp/fedmesh-netns-XXXXXX)
pids=()

cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  for h in "${hosts[@]}"; do ip netns del "$h" 2>/dev/null || true; done
  ip netns del "$sw" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

echo "creating a switch namespace and four host namespaces on 10.77.0.0/24"
ip netns add "$sw"
ip -n "$sw" link set lo up
ip -n "$sw" link add br0 type bridge
ip -n "$sw" link set br0 up
i=0
for h in "${hosts[@]}"; do
  i=$((i + 1))
  ip netns add "$h"
  ip -n "$sw" link add "port$i" type veth peer name eth0 netns "$h"
  ip -n "$sw" link set "port$i" master br0 up
  ip -n "$h" link set lo up
  ip -n "$h" addr add "10.77.0.$i/24" dev eth0
  ip -n "$h" link set eth0 up
  # mDNS needs a multicast route; without it discovery fails silently.
  ip -n "$h" route add 224.0.0.0/4 dev eth0
done

tag="fedmesh-netns-$id"
i=0
for h in "${hosts[@]}"; do
  i=$((i + 1))
  t="$tag"; [ $i = 4 ] && t="$tag-other"
  ip netns exec "$h" node dist/examples/lan-discovery.js --json --tag "$t" --data-dir "$work/node$i" --duration "$seconds" > "$work/node$i.log" 2> "$work/node$i.err" &
  pids+=($!)
done
echo "started one node per namespace with no peers configured; waiting for mDNS discovery (up to $seconds s)"

deadline=$((SECONDS + seconds))
found=0
while [ $SECONDS -lt $deadline ]; do
  sleep 1
  ok=0
  for n in 1 2 3; do
    last=$(tail -n 1 "$work/node$n.log" 2>/dev/null || true)
    count=$(printf '%s' "$last" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{try{const j=JSON.parse(s);const v=Object.values(j.discoveredBy).filter(d=>d.includes("mdns")||d.length===0).length;console.log(j.connected.length===2?v:0)}catch{console.log(0)}})')
    [ "$count" = 2 ] && ok=$((ok + 1))
  done
  if [ $ok = 3 ]; then found=1; break; fi
done

for n in 1 2 3 4; do
  echo "host $n: $(tail -n 1 "$work/node$n.log" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{try{const j=JSON.parse(s);console.log(`${j.peerId} connected to ${j.connected.length}: ${JSON.stringify(j.discoveredBy)}${Object.keys(j.shared).length?" shared "+JSON.stringify(j.shared):""}`)}catch{console.log("no output")}})')"
done
other=$(tail -n 1 "$work/node4.log" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{try{console.log(JSON.parse(s).connected.length)}catch{console.log(-1)}})')
if [ $found = 1 ] && [ "$other" = 0 ]; then
  echo "lan-discovery-netns: hosts 1-3 found each other by mDNS after ${SECONDS} s; host 4 (another tag) stayed alone"
  exit 0
fi
[ "$other" = 0 ] || echo "lan-discovery-netns: host 4 has another mDNS tag but connected to $other peers" >&2
echo "lan-discovery-netns: the nodes did not all find each other" >&2
for n in 1 2 3; do tail -n 5 "$work/node$n.err" >&2 || true; done
exit 1
