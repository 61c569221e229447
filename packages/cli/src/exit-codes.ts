/** Exit code when the playbook or the command line is wrong. */
export const EXIT_USAGE = 2;
/** Exit code when something failed at run time. */
export const EXIT_FAILURE = 1;
/** Exit code after Ctrl-C (128 + SIGINT), as shells report it. */
export const EXIT_INTERRUPTED = 130;
