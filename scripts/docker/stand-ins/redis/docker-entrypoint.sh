#!/bin/sh
# What the official redis image's entrypoint does for us: flags alone mean redis-server,
# root drops to the redis user (owning /data), and protected mode is off unless configured,
# since a password-less Redis would otherwise refuse the other containers.
set -e
case "$1" in -*|*.conf) set -- redis-server "$@" ;; esac
if [ "$1" = redis-server ] && [ "$(id -u)" = 0 ]; then
  find . \! -user redis -exec chown redis '{}' +
  exec setpriv --reuid=redis --regid=redis --init-groups "$0" "$@"
fi
if [ "$1" = redis-server ]; then
  case " $* " in *" --protected-mode "*) ;; *) set -- "$@" --protected-mode no ;; esac
  umask 0077
fi
exec "$@"
