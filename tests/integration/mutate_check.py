#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Damaged input must never crash sluiced. For every capture of the shared corpus this writes
truncated copies (cut at random points, inside the file header too) and bit-flipped copies
(random bits anywhere past the file header, so libpcap still opens them) into a temporary
directory, runs sluiced on each and checks: no signal, no sanitizer report, an exit status of
0 (or 1 with the damaged file named on stderr), and, when it exits 0, a ledger that balances.
Built with -DSLUICE_SANITIZE=address,undefined this is the suite's ASan pass over the corpus.

    mutate_check.py --sluiced build-asan/engine/sluiced --corpus ../shared/corpus [--variants 6]
"""
import argparse
import json
import os
import random
import subprocess
import sys
import tempfile

SMALL = ["--set", "flow.max-flows=4096", "--set", "tcp.segment-pool=4MiB", "--set", "app.http.max-sessions=64",
         "--set", "app.tls.max-sessions=64", "--set", "capture.ring-size=1MiB", "--set", "router.ring-size=1MiB",
         "--set", "outputs.file.ring-size=1MiB", "--set", "defrag.memory=1MiB"]


def variants(data, rng, n):
    out = []
    for i in range(n):
        cut = rng.randrange(0, len(data)) if i else rng.randrange(0, min(len(data), 40))
        out.append(("cut%d" % cut, data[:cut]))
    for i in range(n):
        b = bytearray(data)
        for _ in range(rng.choice((1, 4, 16, 64))):
            pos = rng.randrange(24, len(b)) if len(b) > 24 else 0
            b[pos] ^= 1 << rng.randrange(8)
        out.append(("flip%d" % i, bytes(b)))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sluiced", required=True)
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--variants", type=int, default=6, help="truncations and bit-flip copies per file, each")
    ap.add_argument("--seed", type=int, default=20261121)
    args = ap.parse_args()

    rng = random.Random(args.seed)
    manifest = json.load(open(os.path.join(args.corpus, "manifest.json")))
    env = dict(os.environ, ASAN_OPTIONS="abort_on_error=0:exitcode=97", UBSAN_OPTIONS="halt_on_error=1:exitcode=98")
    passed = failed = 0
    with tempfile.TemporaryDirectory(prefix="sluice-mutate-") as tmp:
        for entry in manifest["files"]:
            data = open(os.path.join(args.corpus, entry["file"]), "rb").read()
            base = os.path.basename(entry["file"])
            for tag, blob in variants(data, rng, args.variants):
                path = os.path.join(tmp, f"{base}.{tag}.pcap")
                led = path + ".ledger"
                with open(path, "wb") as f:
                    f.write(blob)
                p = subprocess.run([args.sluiced, "-q", "-w", "2", "-r", path, "-o", "/dev/null", "--stats-json", led]
                                   + SMALL, capture_output=True, text=True, env=env, timeout=120)
                why = None
                if p.returncode < 0:
                    why = f"killed by signal {-p.returncode}"
                elif "Sanitizer" in p.stderr or "runtime error" in p.stderr:
                    why = "sanitizer report"
                elif p.returncode == 1:
                    if os.path.basename(path) not in p.stderr:
                        why = "exit 1 without naming the file"
                elif p.returncode != 0:
                    why = f"exit {p.returncode}"
                elif not json.load(open(led)).get("balanced"):
                    why = "ledger does not balance"
                if why:
                    failed += 1
                    print(f"FAIL {base} {tag}: {why}\n{p.stderr[-1500:]}")
                else:
                    passed += 1
                os.unlink(path)
                if os.path.exists(led):
                    os.unlink(led)
    print(f"mutations: {passed + failed} damaged copies of {len(manifest['files'])} captures")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
