#!/bin/sh
# api: migrate (safe under concurrency: advisory lock) then serve; worker: consume job queues.
set -e
case "$1" in
  api) node bin/sharpline.mjs db migrate && exec node bin/sharpline.mjs serve ;;
  worker) exec node bin/sharpline.mjs worker ;;
  *) exec node bin/sharpline.mjs "$@" ;;
esac
