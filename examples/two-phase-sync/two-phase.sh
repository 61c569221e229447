#!/bin/sh
# A sync tool for lockstep's `sync-protocol` step (orgalorg's sync protocol): prepare, tell the
# others with SYNC, wait until every node has prepared, then commit. Each event is appended to
# the log named by $1, so a test can check that no node committed before every node prepared.
set -eu
log=$1

# HELLO gives the prefix; then one NODE line per node; START ends the list.
read -r prefix hello
[ "$hello" = HELLO ] || { echo "expected HELLO, got: $prefix $hello" >&2; exit 2; }
nodes=0
me=
while read -r p word node current; do
  [ "$p" = "$prefix" ] || continue
  case $word in
    NODE) nodes=$((nodes + 1)); [ "$current" = CURRENT ] && me=$node ;;
    START) break ;;
  esac
done
echo "$me sees $nodes nodes"

# Phase 1: prepare, then announce it.
echo "prepared $me $(date +%s%N)" >>"$log"
echo "$prefix SYNC prepared"

# Wait for every node's SYNC (ours included: the broadcast reaches the sender too).
seen=0
while [ "$seen" -lt "$nodes" ]; do
  if ! read -r p word from description; then
    echo "stdin closed before every node prepared" >&2
    exit 3
  fi
  if [ "$p $word" = "$prefix SYNC" ] && [ "$description" = prepared ]; then
    seen=$((seen + 1))
    echo "$from prepared ($seen/$nodes)"
  fi
done

# Phase 2: everyone prepared, commit.
echo "commit $me $(date +%s%N)" >>"$log"
echo "$prefix SYNC committed"
echo "$me committed"
