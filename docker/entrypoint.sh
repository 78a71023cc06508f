#!/bin/sh
# The image's entry point, installed as /usr/local/bin/lvsd: `lvsd` with the container's arguments
# (run, check-config, status, ...). It execs node, so lvsd itself receives docker's signals
# (SIGTERM: graceful stop, SIGHUP: reload) and its exit status is the container's.
set -eu

LVSD_HOME=${LVSD_HOME:-/opt/lvsd}
bundle=$LVSD_HOME/dist/src/cli/lvsd.mjs
if [ ! -r "$bundle" ]; then
  echo "lvsd: $bundle is missing: the image is incomplete (LVSD_HOME=$LVSD_HOME)" >&2
  exit 70
fi

# A configuration file named with -f that does not exist in the container is almost always a
# volume that was not mounted: say so before lvsd starts (exit 66, as lvsd's own missing-file error).
file=
want=
for arg in "$@"; do
  if [ -n "$want" ]; then
    file=$arg
    want=
    continue
  fi
  case $arg in
    -f | --file) want=1 ;;
    --file=*) file=${arg#--file=} ;;
    -f?*) file=${arg#-f} ;;
  esac
done
if [ -n "$file" ] && [ ! -e "$file" ]; then
  echo "lvsd: configuration file $file not found in the container; mount the director's configuration there (docker run -v /etc/lvsd:/etc/lvsd:ro ..., or the volumes of docker-compose.yml)" >&2
  exit 66
fi

exec node "$bundle" "$@"
