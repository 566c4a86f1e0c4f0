#!/bin/sh
# SPDX-License-Identifier: MIT
# Install the build twice — into a prefix chosen only at install time, and with DESTDIR — then
# build and run a program against each with nothing but plain pkg-config's answers (no
# --define-prefix): the installed sluice-ring.pc must point at where it was installed.
set -eu
build=$1 src=$2
cc=${CC:-cc}
scratch=$(mktemp -d /tmp/sluice-install-XXXXXX)
trap 'rm -rf "$scratch"' EXIT

# try NAME ROOT: the .pc file under ROOT, a program built from it, run against its library
try() {
	name=$1 root=$2
	runroot=$3
	pc=$(find "$root" -name sluice-ring.pc | head -n1)
	[ -n "$pc" ] || { echo "$name: no sluice-ring.pc under $root" >&2; exit 1; }
	for f in ring.h record.h err.h; do
		[ -n "$(find "$root" -path "*/include/sluice/$f")" ] || { echo "$name: sluice/$f not installed" >&2; exit 1; }
	done
	[ -n "$(find "$root" -path '*/sluice/sluice.yaml')" ] || { echo "$name: sluice.yaml not installed" >&2; exit 1; }
	for f in man8/sluiced.8 systemd/system/sluiced.service; do
		[ -n "$(find "$root" -path "*/$f")" ] || { echo "$name: $f not installed" >&2; exit 1; }
	done
	# the unit starts the sluiced this install put there (runroot: the root it runs from)
	unit=$(find "$root" -name sluiced.service | head -n1)
	exe=$(sed -n 's/^ExecStart=\([^ ]*\).*/\1/p' "$unit")
	[ -x "$root${exe#"$runroot"}" ] || { echo "$name: the unit's ExecStart $exe is not the installed sluiced" >&2; exit 1; }
	libdir=$(PKG_CONFIG_PATH=$(dirname "$pc") pkg-config --variable=libdir sluice-ring)
	case "$libdir" in "$root"/*) ;; *) echo "$name: libdir $libdir is not under $root" >&2; exit 1 ;; esac
	# shellcheck disable=SC2046
	$cc -std=c11 -Wall -Wextra -Werror -o "$scratch/$name.bin" "$src" \
		$(PKG_CONFIG_PATH=$(dirname "$pc") pkg-config --cflags --libs sluice-ring)
	LD_LIBRARY_PATH=$libdir "$scratch/$name.bin"
	echo "$name: ok ($pc)"
}

cmake --install "$build" --prefix "$scratch/prefix" --component Unspecified >/dev/null
try prefix "$scratch/prefix" "$scratch/prefix"
DESTDIR="$scratch/destdir" cmake --install "$build" --component Unspecified >/dev/null
try destdir "$scratch/destdir" ""
