#!/bin/sh
# Runs "$@" as Lambda runs a function: chrooted into a read-only file system where only /tmp
# (a fresh tmpfs) is writable, as uid/gid 65534 with no supplementary groups or capabilities.
# Started by tests/support/rie.rs inside `unshare --mount --pid --fork` (as root), so every
# mount below is private to it and the host is left as it was.
#
# SANDBOX_ROOT    an empty directory to build the new root on
# SANDBOX_IMAGE   the laid-out image: image path /x is "$SANDBOX_IMAGE/x"
# SANDBOX_EXPOSE  host directories to make reachable at their own paths (one a line): stand-in
#                 programs under a folder others cannot enter (/root/.pyenv, say)
# SANDBOX_RIE     the emulator's binary, mounted at /aws-lambda/aws-lambda-rie
#
# The new root is a tmpfs holding, for each top-level entry of the host and the image: the
# image's and the host's merged (a read-only overlay, the image's files first) when both have
# that folder, else whichever has it, bound read-only. So the image's paths are real (no path
# mapping), and the host's programs that stand in for the image's are still found.
set -eu
R=$SANDBOX_ROOT
I=$SANDBOX_IMAGE

ro_bind() {
  mount --bind "$1" "$2"
  mount -o remount,bind,ro "$2"
}

mount -t tmpfs -o mode=0755 sandbox-root "$R"

printf '%s\n' "$SANDBOX_EXPOSE" | while IFS= read -r dir; do
  [ -n "$dir" ] || continue
  mkdir -p "$R$dir"
  ro_bind "$dir" "$R$dir"
done

for path in /* "$I"/*; do
  entry=${path##*/}
  if [ -e "$R/$entry" ] || [ -L "$R/$entry" ]; then
    continue # already made: the image's and the host's merged, or an exposed folder's parent
  fi
  case $entry in
    proc | sys | dev | tmp)
      mkdir "$R/$entry"
      continue
      ;;
  esac
  if [ -L "$path" ]; then
    cp -P "$path" "$R/$entry" # /bin -> usr/bin on the host
  elif [ -d "$path" ]; then
    mkdir "$R/$entry"
    if [ -d "/$entry" ] && [ ! -L "/$entry" ] && [ -d "$I/$entry" ]; then
      mount -t overlay overlay -o "lowerdir=$I/$entry:/$entry" "$R/$entry"
    else
      ro_bind "$path" "$R/$entry"
    fi
  else
    : >"$R/$entry"
    ro_bind "$path" "$R/$entry"
  fi
done

mkdir "$R/aws-lambda"
: >"$R/aws-lambda/aws-lambda-rie"
ro_bind "$SANDBOX_RIE" "$R/aws-lambda/aws-lambda-rie"

mount -t proc -o ro,nosuid,nodev,noexec proc "$R/proc"
ro_bind /dev "$R/dev" # its device nodes still work: /dev/null, /dev/urandom
mount -t tmpfs -o mode=1777,nosuid,nodev sandbox-tmp "$R/tmp"
mount -o remount,ro "$R"

# Not exec: this shell stays the namespace's init, whose death (unshare --kill-child) takes
# every process in it down. The unprivileged process would lose that signal: the kernel clears
# it when the user changes.
chroot "$R" setpriv --reuid 65534 --regid 65534 --clear-groups --inh-caps=-all \
  --bounding-set=-all --no-new-privs -- "$@" &
wait $!
