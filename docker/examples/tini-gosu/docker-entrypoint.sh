#!/bin/sh
# A typical entrypoint script written for tini + gosu, left exactly as it was: root-only
# set-up first, then drop to the app user for the real program. With hardinit installed
# under the names `tini` and `gosu` (see Dockerfile), nothing here changes.
set -e

if [ "$(id -u)" = 0 ]; then
    # Root-only first-run set-up would go here (chown a volume, render a config file, ...).
    exec gosu app "$@"
fi
exec "$@"
