#!/bin/sh
# A fake "restart": records when it starts and ends into a log shared by every node, sleeping in
# between like a service that takes a moment to come back. Usage: restart.sh LOG
set -eu
log=$1
echo "start $LOCKSTEP_NODE $(date +%s%N)" >>"$log"
sleep 0.3
echo "end $LOCKSTEP_NODE $(date +%s%N)" >>"$log"
