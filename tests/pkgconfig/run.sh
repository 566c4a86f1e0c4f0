#!/bin/sh
# SPDX-License-Identifier: MIT
# Install the build into a scratch prefix, then build and run a program against it with
# nothing but pkg-config's answers.
set -eu
build=$1 src=$2
cc=${CC:-cc}
prefix=$(mktemp -d /tmp/sluice-prefix-XXXXXX)
trap 'rm -rf "$prefix"' EXIT
cmake --install "$build" --prefix "$prefix" --component Unspecified >/dev/null
pcdir=$(dirname "$(find "$prefix" -name sluice-ring.pc | head -n1)")
export PKG_CONFIG_PATH=$pcdir
# Link the shared library: the static one is for the engine's own use.
$cc -std=c11 -Wall -Wextra -Werror -o "$prefix/ring_user" "$src" $(pkg-config --define-prefix --cflags --libs sluice-ring)
LD_LIBRARY_PATH="$(pkg-config --define-prefix --variable=libdir sluice-ring)" "$prefix/ring_user"
