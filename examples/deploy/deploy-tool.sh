#!/bin/sh
# A two-phase sync tool (orgalorg's sync protocol, spoken through lockstep's sync-protocol
# plugin). It runs on each node in the upload directory, after the files arrived:
#   1. stage: copy site/ into a new release directory, then say `SYNC staged`;
#   2. wait until every node has staged (each SYNC is broadcast to all nodes' tools);
#   3. switch: point the `current` symlink at the new release, atomically (rename).
# So no node serves the new release before every node has it.
set -eu
target=$1

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

release="$target/releases/$(date +%Y%m%d%H%M%S%N)"
mkdir -p "$release"
cp -a site/. "$release/"
echo "$me staged $release"
echo "$prefix SYNC staged"

seen=0
while [ "$seen" -lt "$nodes" ]; do
  read -r p word from description || { echo "stdin closed before every node staged" >&2; exit 3; }
  [ "$p $word $description" = "$prefix SYNC staged" ] && seen=$((seen + 1))
done

ln -sfn "$release" "$target/current.new"
mv -T "$target/current.new" "$target/current"
echo "$me switched to $release"
