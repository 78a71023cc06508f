#!/bin/sh
# The image's entry point: `lvsd` with the container's arguments (run, check-config, ...).
exec node /opt/lvsd/dist/src/cli/lvsd.mjs "$@"
