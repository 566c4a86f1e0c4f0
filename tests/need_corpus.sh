#!/bin/sh
# SPDX-License-Identifier: MIT
# Runs a test that reads the pcap corpus, or skips it (exit 77, which ctest's SKIP_RETURN_CODE
# counts as skipped) when the corpus is not there, naming the setting that says where it is.
#
#   need_corpus.sh CORPUS_DIR COMMAND [ARG]...
dir=$1
shift
if [ ! -f "$dir/manifest.json" ] || [ ! -d "$dir/pcap" ]; then
	echo "SKIP: no pcap corpus at '$dir' (configure with -DSLUICE_CORPUS_DIR=/path/to/corpus)"
	exit 77
fi
exec "$@"
