# Sourced by the scripts of this example: `lockstep` runs the lockstep CLI. The playbook sets
# LOCKSTEP_CLI to the CLI's entry point in this repository (the runner does not put `lockstep` on
# the nodes' PATH); without it, `lockstep` is looked up on PATH (an installed CLI).
# The CLI finds the run's coordinator through LOCKSTEP_COORDINATOR and LOCKSTEP_TOKEN, which the
# runner sets for every step.
lockstep() {
  if [ -n "${LOCKSTEP_CLI:-}" ]; then
    node "$LOCKSTEP_CLI" "$@"
  else
    command lockstep "$@"
  fi
}

# Appends "<event> <node>" to the log shared by the nodes.
record() {
  echo "$1 $LOCKSTEP_NODE${2:+ $2}" >>"$log"
}
