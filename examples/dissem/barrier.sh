#!/bin/sh
# dissem's barrier example on three nodes: each node arrives at BR001 at its own time and
# `barrier BR001 3` returns on all three once the last has arrived. Then each reads SEM001
# (dissem's `sem SEM001 0`): after two takes and a post of two it is back at 0.
# Usage: barrier.sh LOG
set -eu
log=$1
. "$(dirname "$0")/lockstep.sh"

case $LOCKSTEP_NODE in
  n1) sleep 0.4 ;;
  n2) sleep 0.2 ;;
esac
record arrive
generation=$(lockstep barrier BR001 3)
record pass "$generation"
record value "$(lockstep sem SEM001 0)"
