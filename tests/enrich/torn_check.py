#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Reads EVE lines (a FIFO: millions of them) and counts the records with a torn view: geo
parts (country, ASN) or an alert's watchlist tag from both of the reload test's two sets.

  torn_check.py IN OUT     OUT: "lines torn alerts from_a from_b" then up to 3 torn lines;
                           OUT.progress: the lines read so far, every 50,000
"""
# Streaming: millions of lines. Variant a's values: countries DE US AU SE, ASNs 645xx, tags A-*;
# b's: FR JP BR NL, 646xx, B-*.
import re, sys
A, B = {"DE", "US", "AU", "SE"}, {"FR", "JP", "BR", "NL"}
cc = re.compile(r'"country":"([A-Z]{2})"')
asn = re.compile(r'"asn":(\d+)')
tag = re.compile(r'"watchlist":"([AB])-')
lines = torn = alerts = 0
seen = {"a": 0, "b": 0}
examples = []
with open(sys.argv[1], encoding="utf-8", errors="replace") as f:
    for line in f:
        lines += 1
        if lines % 50000 == 0:
            open(sys.argv[2] + ".progress", "w").write(f"{lines}\n")
        vs = set()
        for c in cc.findall(line):
            vs.add("a" if c in A else "b" if c in B else "?")
        for n in asn.findall(line):
            vs.add("a" if n.startswith("645") else "b" if n.startswith("646") else "?")
        t = tag.findall(line)
        if t:
            alerts += 1
            vs.add(t[0].lower())
        if len(vs) > 1 or "?" in vs:
            torn += 1
            if len(examples) < 3:
                examples.append(line.strip()[:400])
        elif vs:
            seen[vs.pop()] += 1
open(sys.argv[2], "w").write(f"{lines} {torn} {alerts} {seen['a']} {seen['b']}\n" + "\n".join(examples) + "\n")
