#!/bin/sh
# dissem's semaphore examples on three nodes: n1 and n2 each take one unit of SEM001
# (`sem SEM001 -1` blocks, since the semaphore starts at 0); n3 waits a moment and posts two
# (`sem SEM001 2`), which wakes both. Usage: semaphore.sh LOG
set -eu
log=$1
. "$(dirname "$0")/lockstep.sh"

case $LOCKSTEP_NODE in
  n3)
    sleep 0.5
    record posting 2
    lockstep sem SEM001 2 >/dev/null
    ;;
  *)
    record waiting
    value=$(lockstep sem SEM001 -1)
    record released "$value"
    ;;
esac
