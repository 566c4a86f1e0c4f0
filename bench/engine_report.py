#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Turns what bench/engine_bench.sh recorded into engine-summary.csv, engine-ratios.csv and the
markdown section ENGINE.md (standard library only).

Figures are medians over rounds with min-max. A ratio against a peer is taken within each round
(the two runs were seconds apart, on the same file) and then summarised the same way, so drift
of the shared machine between rounds cancels out of it. Packets per CPU-second (user+sys of the
whole process) is the per-core efficiency and moves less with contention than wall time.
"""
import argparse
import csv
import os
import re
import statistics
import sys
from collections import defaultdict

REFS = ("ndpiReader", "tshark")
PEER_ORDER = ("sluiced-w1", "sluiced-w2", "sluiced-w1-tmpfs", "sluiced-w2-tmpfs",
              "sluiced-w1-fullparse", "ndpiReader", "tshark")
PEER_DESC = {
    "sluiced-w1": "sluiced -q -r FILE -w 1 --set workers.cpus={w1} -o /dev/null --stats-json J",
    "sluiced-w2": "sluiced -q -r FILE -w 2 --set workers.cpus={w2} -o /dev/null --stats-json J",
    "sluiced-w1-tmpfs": "as sluiced-w1 with -o a file on tmpfs (EVE JSON really written)",
    "sluiced-w2-tmpfs": "as sluiced-w2 with -o a file on tmpfs",
    "sluiced-w1-fullparse": "as sluiced-w1 with --set app.http.max-sessions=16384 "
                            "--set app.tls.max-sessions=16384 (every HTTP/TLS conversation gets a parser)",
    "ndpiReader": "ndpiReader -i FILE > summary (its ~70-line summary; -q would hide its own figures)",
    "tshark": "tshark -T ek -r FILE > /dev/null",
}


def fnum(s):
    try:
        return float(s)
    except (TypeError, ValueError):
        return None


def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def rng(xs):
    xs = [x for x in xs if x is not None]
    return (min(xs), max(xs)) if xs else (None, None)


def fmt_rate(x):
    if x is None:
        return "–"
    if x >= 1e6:
        return f"{x / 1e6:.2f} M"
    if x >= 1e3:
        return f"{x / 1e3:.0f} k"
    return f"{x:.0f}"


def fmt_s(x):
    if x is None:
        return "–"
    return f"{x:.3f}" if x < 10 else f"{x:.1f}"


def fmt_ratio(x):
    if x is None:
        return "–"
    if x >= 100:
        return f"{x:.0f}×"
    if x >= 10:
        return f"{x:.1f}×"
    return f"{x:.2f}×"


def mmm(xs, f):
    """'median [min–max]' of xs formatted by f"""
    m = med(xs)
    lo, hi = rng(xs)
    if m is None:
        return "–"
    if lo == hi or len([x for x in xs if x is not None]) < 2:
        return f(m)
    return f"{f(m)} [{f(lo)}–{f(hi)}]"


def read_env(path):
    env = {}
    if os.path.exists(path):
        for line in open(path):
            if "=" in line:
                k, v = line.rstrip("\n").split("=", 1)
                env[k] = v
    return env


def read_csv(path):
    if not os.path.exists(path) or os.path.getsize(path) == 0:
        return []
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def peer_key(p):
    return PEER_ORDER.index(p) if p in PEER_ORDER else len(PEER_ORDER)


# ---- callgrind -------------------------------------------------------------------------------

LINE = re.compile(r"^\s*([\d,]+)\s+\(\s*([\d.]+)%\)\s+(.*)$")


def short_fn(s):
    """'/work/main/engine/analysis/tls.c:sl_tls_parse_client_hello [/…/sluiced]' ->
    ('tls.c:sl_tls_parse_client_hello', True): the name, and whether it is the project's code."""
    m = re.search(r"\s+\[([^\]]*)\]\s*$", s)
    obj = m.group(1) if m else ""
    s = s[:m.start()].strip() if m else s.strip()
    if obj:
        own = os.path.basename(obj) == "sluiced" or "sluice_ring" in obj
    else:
        own = bool(re.match(r"^(/\S*/)?(engine|ring)/", s))
    if ":" in s:
        path, fn = s.rsplit(":", 1)
        base = os.path.basename(path)
        if base and base != "???":
            s = f"{base}:{fn}"
        else:
            s = f"{fn} ({os.path.basename(obj).split('.so')[0]})" if obj else fn
    return s, own


def parse_callgrind(path):
    """-> header lines, [thread dict(file, role, total, excl[(ir, pct, fn, own)], incl[..], callers{fn: [(caller, ir, count)]})]"""
    if not os.path.exists(path):
        return [], []
    header, threads, cur, sect, block = [], [], None, None, []

    def flush_block():
        if cur is None or not block:
            return
        star = [b for b in block if b[0] == "*"]
        if star:
            callee = star[0][1]
            cs = [(c, ir, n) for kind, c, ir, n, _ in block if kind == "<"]
            if cs and not cur["callers"].get(callee):
                cur["callers"][callee] = cs
            for kind, c, _, _, own in block:
                cur["own"][c] = cur["own"].get(c, False) or own
        block.clear()

    for raw in open(path):
        line = raw.rstrip("\n")
        if line.startswith("# "):
            header.append(line[2:])
            continue
        if line.startswith("=== thread file"):
            flush_block()
            cur = {"file": line.split()[-1], "total": 0, "excl": [], "incl": [], "callers": {}, "own": {}}
            threads.append(cur)
            continue
        if line.startswith("--- "):
            flush_block()
            sect = line[4:].strip()
            continue
        if cur is None:
            continue
        if sect == "callers":
            if not line.strip():
                flush_block()
                continue
            m = re.match(r"^\s*([\d,]+)\s+\(\s*[\d.]+%\)\s+([<*>])\s+(.*)$", line)
            if not m:
                continue
            ir = int(m.group(1).replace(",", ""))
            rest = m.group(3)
            cm = re.search(r"\(([\d,]+)x\)", rest)
            n = int(cm.group(1).replace(",", "")) if cm else None
            rest = re.sub(r"\s*\([\d,]+x\)", "", rest)
            fn, own = short_fn(rest)
            block.append((m.group(2), fn, ir, n, own))
            continue
        m = LINE.match(line)
        if not m:
            continue
        ir = int(m.group(1).replace(",", ""))
        if m.group(3).strip() == "PROGRAM TOTALS":
            cur["total"] = ir
            continue
        fn, own = short_fn(m.group(3))
        lst = cur["excl"] if sect == "exclusive" else cur["incl"]
        # callgrind names an inlined copy twice (with and without the object); keep one
        if not any(x[2] == fn for x in lst):
            lst.append((ir, float(m.group(2)), fn, own))
        cur["own"][fn] = cur["own"].get(fn, False) or own
    flush_block()
    for t in threads:
        names = " ".join(fn for _, _, fn, _ in t["incl"])
        if "sl_worker_main" in names:
            t["role"] = "worker"
        elif "router_main" in names:
            t["role"] = "router"
        elif "sink_main" in names:
            t["role"] = "sink-file"
        elif "capture_main" in names:
            t["role"] = "capture"
        else:
            t["role"] = "main (start, stop)"
    return header, threads


def calls_of(t, fn):
    cs = t["callers"].get(fn)
    if not cs:
        return None
    ns = [n for _, _, n in cs if n is not None]
    return sum(ns) if ns else None


def own_callers(t, fn, depth=6):
    """Walk up through library functions to the project's own callers: {caller: ir}."""
    out = defaultdict(int)
    seen = set()

    def walk(f, d):
        for c, ir, _ in t["callers"].get(f, []):
            if (f, c) in seen:
                continue
            seen.add((f, c))
            if t["own"].get(c):
                out[c] += ir
            elif d > 0:
                walk(c, d - 1)
    walk(fn, depth)
    return out


# ---- main ------------------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--results", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "results"))
    ap.add_argument("--md", default=None, help="markdown to write (default RESULTS/ENGINE.md)")
    a = ap.parse_args()
    R = a.results
    md_path = a.md or os.path.join(R, "ENGINE.md")

    env = read_env(os.path.join(R, "engine-env.txt"))
    runs = read_csv(os.path.join(R, "engine-runs.csv"))
    dsets = read_csv(os.path.join(R, "engine-datasets.csv"))
    probes = read_csv(os.path.join(R, "engine-probe.csv"))
    if not runs:
        sys.exit("engine_report: no runs in " + os.path.join(R, "engine-runs.csv"))

    ds_order = [d["dataset"] for d in dsets] or sorted({r["dataset"] for r in runs})
    ds_desc = {d["dataset"]: d["description"] for d in dsets}
    ncpu = int(env.get("nproc", "2") or 2)
    for r in runs:
        o, w_ = fnum(r.get("other_cpu_s")), fnum(r.get("wall_s"))
        r["others"] = "" if o is None or not w_ else f"{max(0.0, o) / (w_ * ncpu):.4f}"
    ok = [r for r in runs if r["rc"] == "0"]
    failed = [r for r in runs if r["rc"] != "0"]
    by = defaultdict(list)
    for r in ok:
        by[(r["dataset"], r["peer"])].append(r)

    def col(rows, k):
        return [fnum(r[k]) for r in rows]

    # ---- summary -------------------------------------------------------------------------
    summary = []
    for ds in ds_order:
        for peer in sorted({p for d, p in by if d == ds}, key=peer_key):
            rows = by[(ds, peer)]
            s = {"dataset": ds, "peer": peer, "runs": len(rows), "packets": rows[0]["packets"]}
            for k in ("wall_s", "cpu_s", "pps_wall", "pps_cpu", "self_s", "self_pps", "maxrss_kb",
                      "records", "http", "tls", "dns", "flows", "out_bytes", "psi_some", "others",
                      "no_http_parser", "no_stream_buffer"):
                v = col(rows, k) if k in rows[0] else []
                lo, hi = rng(v)
                s[k + "_med"], s[k + "_min"], s[k + "_max"] = med(v), lo, hi
            summary.append(s)
    with open(os.path.join(R, "engine-summary.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(summary[0].keys()))
        w.writeheader()
        for s in summary:
            w.writerow({k: (f"{v:.6g}" if isinstance(v, float) else v) for k, v in s.items()})
    S = {(s["dataset"], s["peer"]): s for s in summary}

    # ---- paired ratios -------------------------------------------------------------------
    def per_round(ds, peer, k):
        return {int(r["round"]): fnum(r[k]) for r in by.get((ds, peer), [])}

    def paired(ds, a, b, k):
        x, y = per_round(ds, a, k), per_round(ds, b, k)
        return [x[i] / y[i] for i in sorted(set(x) & set(y)) if x[i] and y[i]]

    ratios = []
    for ds in ds_order:
        peers = sorted({p for d, p in by if d == ds}, key=peer_key)
        for p in (p for p in peers if p.startswith("sluiced")):
            for ref in REFS:
                if ref not in peers:
                    continue
                for k, what in (("pps_wall", "packets/s, wall"), ("pps_cpu", "packets per CPU-second"),
                                ("self_pps", "own figure (processing only)")):
                    v = paired(ds, p, ref, k)
                    if v:
                        lo, hi = rng(v)
                        ratios.append({"dataset": ds, "peer": p, "vs": ref, "metric": k, "what": what,
                                       "rounds": len(v), "median": med(v), "min": lo, "max": hi, "values": v})
    with open(os.path.join(R, "engine-ratios.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["dataset", "peer", "vs", "metric", "rounds", "median", "min", "max"])
        for x in ratios:
            w.writerow([x["dataset"], x["peer"], x["vs"], x["metric"], x["rounds"],
                        f"{x['median']:.4g}", f"{x['min']:.4g}", f"{x['max']:.4g}"])
    RT = {(x["dataset"], x["peer"], x["vs"], x["metric"]): x for x in ratios}

    def ratio_txt(ds, p, ref, k):
        x = RT.get((ds, p, ref, k))
        return mmm(x["values"], fmt_ratio) if x else "–"

    # ---- markdown ------------------------------------------------------------------------
    out = []
    P = out.append
    w1 = env.get("pin_w1", "workers.cpus=1").split("=")[-1]
    w2 = env.get("pin_w2", "workers.cpus=0-1").split("=")[-1]
    P("## Engine throughput: sluiced beside ndpiReader and tshark")
    P("")
    P(f"_Written by `bench/engine_report.py` from the run of {env.get('date_utc', '?')} "
      f"({env.get('mode', '?')} mode, {env.get('rounds', '?')} rounds; raw rows in "
      f"`bench/results/engine-runs.csv`)._")
    P("")
    P("How many packets per second sluiced turns into records, end to end (the whole process, "
      "startup included) and per CPU-second, measured in the same rounds, on the same files, as "
      "ndpiReader (nDPI's demo reader, one thread) and tshark (EK JSON, one thread).")
    P("")
    P("### Machine and run")
    P("")
    P("| | |")
    P("|---|---|")
    for k, label in (("date_utc", "date (UTC)"), ("nproc", "nproc"), ("cpu_model", "CPU"),
                     ("hypervisor", "hypervisor"), ("caches", "caches"), ("kernel", "kernel"),
                     ("mem_total", "memory"), ("loadavg_start", "load average at start"),
                     ("loadavg_end", "load average at end"), ("psi_cpu_start", "CPU pressure at start"),
                     ("sluice_commit", "sluice commit"), ("build", "build"),
                     ("ndpiReader", "ndpiReader"), ("tshark", "tshark"), ("tmp", "inputs and tmpfs outputs in"),
                     ("elapsed_s", "rounds + profile took (s)")):
        if env.get(k):
            P(f"| {label} | {env[k].strip().rstrip(';')} |")
    P("")

    P("### What was measured")
    P("")
    P("Data sets (read in place; the synthetic ones written once per run into the tmpfs directory):")
    P("")
    for ds in ds_order:
        P(f"- **{ds}**: {ds_desc.get(ds, '')}")
    P("")
    P("Peers (each a whole process; wall time from fork to exit, CPU time = user+sys from "
      "`/usr/bin/time -f '%e %U %S %M'`):")
    P("")
    for p in PEER_ORDER:
        if any(pp == p for _, pp in by):
            P(f"- `{p}`: `{PEER_DESC[p].format(w1=w1, w2=w2)}`")
    P("")
    P("Round i runs every peer once on every data set, the peers in an order rotated by i; "
      "`ring_bench probe` measures the core-to-core round trip before and after each round. "
      "Capture, router and file sink threads of sluiced are not pinned; ndpiReader and tshark are "
      "not pinned. `others` below is the share of the machine's CPU time (all CPUs, for the run's wall "
      "time) that other processes used during the run (/proc/stat busy ticks minus the run's own "
      "user+sys): how much of the machine the run did not have.")
    P("")

    # headline
    P("### Headline")
    P("")
    P("Ratios are sluiced ÷ peer, taken within each round, median [min–max] over rounds; "
      "above 1× sluiced is faster.")
    P("")
    P("| data set | sluiced -w 1 vs ndpiReader (pkt/s, wall) | per CPU-second | sluiced -w 2 vs ndpiReader (wall) "
      "| sluiced -w 1 vs tshark (wall) | per CPU-second |")
    P("|---|---|---|---|---|---|")
    for ds in ds_order:
        if not any((ds, "sluiced-w1", ref, "pps_wall") in RT for ref in REFS):
            continue
        P(f"| {ds} | {ratio_txt(ds, 'sluiced-w1', 'ndpiReader', 'pps_wall')} "
          f"| {ratio_txt(ds, 'sluiced-w1', 'ndpiReader', 'pps_cpu')} "
          f"| {ratio_txt(ds, 'sluiced-w2', 'ndpiReader', 'pps_wall')} "
          f"| {ratio_txt(ds, 'sluiced-w1', 'tshark', 'pps_wall')} "
          f"| {ratio_txt(ds, 'sluiced-w1', 'tshark', 'pps_cpu')} |")
    P("")

    P("Absolute rates, whole process, median [min–max] packets per second (wall):")
    P("")
    P("| data set | packets | sluiced -w 1 | sluiced -w 2 | ndpiReader | tshark |")
    P("|---|---|---|---|---|---|")
    for ds in ds_order:
        cells = []
        for p in ("sluiced-w1", "sluiced-w2", "ndpiReader", "tshark"):
            rows = by.get((ds, p))
            cells.append(mmm(col(rows, "pps_wall"), fmt_rate) if rows else "–")
        n = next((r["expected_packets"] for r in ok if r["dataset"] == ds), "?")
        P(f"| {ds} | {n} | " + " | ".join(cells) + " |")
    P("")

    # per data set
    P("### Throughput per data set")
    P("")
    P("Median [min–max] over rounds. pkt/s = packets ÷ wall seconds of the whole process; "
      "pkt/CPU-s = packets ÷ (user+sys); own figure = what the tool reports itself, without its "
      "start and stop (sluiced: the ledger's packets/s; ndpiReader: 'nDPI throughput'; tshark: none).")
    for ds in ds_order:
        peers = sorted({p for d, p in by if d == ds}, key=peer_key)
        if not peers:
            continue
        P("")
        P(f"**{ds}** — {S[(ds, peers[0])]['packets']} packets")
        P("")
        P("| peer | wall s | pkt/s (wall) | CPU s | pkt/CPU-s | own figure pkt/s | own s | records (http/tls/dns) | peak RSS MiB | others |")
        P("|---|---|---|---|---|---|---|---|---|---|")
        for p in peers:
            rows = by[(ds, p)]
            s = S[(ds, p)]
            rec = "–"
            if s["records_med"] is not None:
                rec = f"{s['records_med']:.0f} ({s['http_med']:.0f}/{s['tls_med']:.0f}/{s['dns_med']:.0f})"
            elif p == "ndpiReader" and s["flows_med"] is not None:
                rec = f"{s['flows_med']:.0f} flows"
            if s["out_bytes_med"]:
                b = s["out_bytes_med"]
                rec += f", {b / 1e6:.0f} MB EVE" if b >= 1e7 else f", {b / 1e6:.1f} MB EVE" if b >= 1e5 else f", {b / 1e3:.0f} kB EVE"
            P(f"| {p} | {mmm(col(rows, 'wall_s'), fmt_s)} | {mmm(col(rows, 'pps_wall'), fmt_rate)} "
              f"| {mmm(col(rows, 'cpu_s'), fmt_s)} | {mmm(col(rows, 'pps_cpu'), fmt_rate)} "
              f"| {mmm(col(rows, 'self_pps'), fmt_rate)} | {mmm(col(rows, 'self_s'), fmt_s)} | {rec} "
              f"| {(s['maxrss_kb_med'] or 0) / 1024:.0f} | {mmm(col(rows, 'others'), lambda x: f'{x * 100:.0f}%')} |")
    P("")

    # ratios table
    P("### Ratios against the peers (paired per round)")
    P("")
    P("| data set | sluiced | vs | pkt/s (wall) | pkt/CPU-s | own figures |")
    P("|---|---|---|---|---|---|")
    for ds in ds_order:
        for p in (p for p in PEER_ORDER if p.startswith("sluiced")):
            for ref in REFS:
                if (ds, p, ref, "pps_wall") in RT:
                    own = ratio_txt(ds, p, ref, "self_pps") if ref == "ndpiReader" else "–"
                    P(f"| {ds} | {p} | {ref} | {ratio_txt(ds, p, ref, 'pps_wall')} "
                      f"| {ratio_txt(ds, p, ref, 'pps_cpu')} | {own} |")
    P("")

    # inside sluice
    P("### Inside sluice: a second worker, the sink, full parsing")
    P("")
    P("Paired per round, median [min–max]: wall-clock packet rate of the first variant ÷ the second, "
      "and the same for packets per CPU-second.")
    P("")
    P("| data set | comparison | pkt/s (wall) | pkt/CPU-s | records |")
    P("|---|---|---|---|---|")
    for ds in ds_order:
        for a_, b_, label in (("sluiced-w2", "sluiced-w1", "-w 2 ÷ -w 1 (/dev/null)"),
                              ("sluiced-w2-tmpfs", "sluiced-w1-tmpfs", "-w 2 ÷ -w 1 (tmpfs file)"),
                              ("sluiced-w1-tmpfs", "sluiced-w1", "-w 1: tmpfs file ÷ /dev/null"),
                              ("sluiced-w2-tmpfs", "sluiced-w2", "-w 2: tmpfs file ÷ /dev/null"),
                              ("sluiced-w1-fullparse", "sluiced-w1", "-w 1: full parse ÷ default sessions")):
            v, c = paired(ds, a_, b_, "pps_wall"), paired(ds, a_, b_, "pps_cpu")
            if not v:
                continue
            ra, rb = S[(ds, a_)]["records_med"], S[(ds, b_)]["records_med"]
            rec = f"{ra:.0f} vs {rb:.0f}" if ra is not None and rb is not None else "–"
            P(f"| {ds} | {label} | {mmm(v, fmt_ratio)} | {mmm(c, fmt_ratio)} | {rec} |")
    P("")

    # probe
    if probes:
        P("### Core-to-core probe (ring_bench probe)")
        P("")
        P("Cache-line round trip between CPU 0 and CPU 1, ns (PERF-FACTS: 70–135 'near', ~350 and up 'far').")
        P("")
        P("| when | median | min | max |")
        P("|---|---|---|---|")
        for p in probes:
            P(f"| {p.get('label', '')} ({p.get('date', '')}) | {p.get('rtt_median_ns', '')} "
              f"| {p.get('rtt_min_ns', '')} | {p.get('rtt_max_ns', '')} |")
        meds = [fnum(p.get("rtt_median_ns")) for p in probes]
        far = [m for m in meds if m is not None and m >= 200]
        P("")
        P(f"{len(far)} of {len(meds)} probes were 'far' (≥ 200 ns).")
        P("")

    # profile
    P("### Where the cycles go")
    P("")
    ps_path = os.path.join(R, "engine-perfstat.txt")
    if os.path.exists(ps_path):
        txt = open(ps_path).read()
        P("**perf stat** (hardware counters are not available in this VM when it says `<not supported>`):")
        P("")
        P("```")
        for line in txt.splitlines():
            if line.strip() and not line.startswith("capture ") and "packets/s" not in line \
                    and not line.startswith(("decode", "events", "ledger")):
                P(line.rstrip())
        P("```")
        P("")
    pr_path = os.path.join(R, "engine-perf.txt")
    if os.path.exists(pr_path):
        lines = open(pr_path).read().splitlines()
        P("**perf record -e cpu-clock** (sampling works without hardware counters): share of CPU time "
          "per thread, then the hottest (thread, symbol) pairs:")
        P("")
        P("```")
        n = 0
        for line in lines:
            if line.startswith("## symbols"):
                n = 1
            if n > 26:
                break
            if n:
                n += 1
            P(line)
        P("```")
        P("")
    sch_path = os.path.join(R, "engine-sched.txt")
    if os.path.exists(sch_path):
        P("**Scheduler accounting per thread** (from /proc/PID/task/*/schedstat): time on a CPU "
          "against time runnable but waiting for a CPU. A thread that waits *runnable* lost its CPU "
          "to another task (contention); a thread that sleeps shows voluntary switches instead.")
        P("")
        P("```")
        for line in open(sch_path).read().splitlines():
            P(line)
        P("```")
        P("")

    header, threads = parse_callgrind(os.path.join(R, "engine-callgrind.txt"))
    cg_pk = None
    for h in header:
        m = re.search(r"packets (\d+) events (.*)$", h)
        if m:
            cg_pk = int(m.group(1))
            cg_events = m.group(2)
    if threads:
        P("**callgrind** (instructions executed, each thread apart; valgrind runs the threads one at "
          "a time, so spin-waiting shows up as instructions too):")
        P("")
        for h in header:
            P(f"- {h}")
        P("")
        P("| thread | instructions | share | per packet |")
        P("|---|---|---|---|")
        tot = sum(t["total"] for t in threads) or 1
        for t in threads:
            per = f"{t['total'] / cg_pk:,.0f}" if cg_pk else "–"
            P(f"| {t['role']} | {t['total']:,} | {100 * t['total'] / tot:.1f}% | {per} |")
        P("")
        for t in sorted(threads, key=lambda t: -t["total"]):
            if t["role"].startswith("main") or t["total"] < 0.05 * tot:
                continue
            P(f"Top functions of the **{t['role']}** thread, by instructions in the function itself "
              f"(exclusive), with calls counted by callgrind:")
            P("")
            P("| function | instructions | share of thread | calls |")
            P("|---|---|---|---|")
            for ir, pct, fn, own in t["excl"][:12]:
                n = calls_of(t, fn)
                P(f"| `{fn}` | {ir:,} | {pct:.1f}% | {n if n is not None else ''} |")
            P("")
            skip = ("clone", "start_thread", "trampoline", "sl_worker_main", "capture_main",
                    "router_main", "sink_main", "0x")
            incl = [x for x in t["incl"] if not any(x[2].split(":")[-1].startswith(s) for s in skip)]
            P(f"Inclusive (the function and everything it calls), **{t['role']}**:")
            P("")
            P("| function | instructions | share of thread | calls |")
            P("|---|---|---|---|")
            for ir, pct, fn, own in incl[:14]:
                n = calls_of(t, fn)
                P(f"| `{fn}` | {ir:,} | {pct:.1f}% | {n if n is not None else ''} |")
            P("")
            # where library time (printf family, memcpy, qsort) comes from in our code
            libs = [x for x in t["excl"][:12] if not x[3]]
            if libs:
                P(f"Library functions among the {t['role']} thread's hot spots, and the project's functions they "
              f"are reached from (with the share of the thread spent under those calls, library included):")
                P("")
                for ir, pct, fn, own in libs[:4]:
                    oc = own_callers(t, fn)
                    if oc:
                        top = sorted(oc.items(), key=lambda kv: -kv[1])[:4]
                        P(f"- `{fn}` ({pct:.1f}%) ← " + ", ".join(f"`{c}` ({v / t['total'] * 100:.1f}%)" for c, v in top))
                P("")

    # observations computed from this run
    P("### Observations from this run")
    P("")
    obs = []
    # startup
    for ds in ds_order:
        s = S.get((ds, "sluiced-w1"))
        if s and s["self_s_med"] and s["wall_s_med"] and s["wall_s_med"] > 3 * s["self_s_med"]:
            obs.append(f"**Startup dominates {ds}**: sluiced -w 1 takes {s['wall_s_med']:.3f} s wall "
                       f"but its ledger counts {s['self_s_med']:.4f} s of processing; the rest is "
                       f"process start, allocating and pre-faulting rings and per-worker tables "
                       f"(peak RSS {s['maxrss_kb_med'] / 1024:.0f} MiB), and the drain/stop. "
                       f"Whole-process rates on a file this small measure start-up, not packet work.")
    # sessions
    for ds in ds_order:
        a_, b_ = S.get((ds, "sluiced-w1")), S.get((ds, "sluiced-w1-fullparse"))
        if a_ and b_ and a_["http_med"] is not None and b_["http_med"] and b_["http_med"] > 1.2 * (a_["http_med"] or 0):
            obs.append(f"**Parser slots run out on {ds}**: with the default app.http.max-sessions "
                       f"(1024 per worker) and app.tls.max-sessions (512), -w 1 wrote "
                       f"{a_['http_med']:.0f} http and {a_['tls_med']:.0f} tls records; with 16384 slots "
                       f"it wrote {b_['http_med']:.0f} and {b_['tls_med']:.0f}. The conversations that found "
                       f"no slot are not parsed, so the default configuration does less work on this traffic"
                       + (f"; the ledger counts them (app.no_http_parser {a_['no_http_parser_med']:.0f}, "
                          f"app.no_stream_buffer {a_['no_stream_buffer_med']:.0f} with -w 1)."
                          if a_.get("no_http_parser_med") is not None and a_.get("no_stream_buffer_med") is not None
                          else " (this build's ledger does not count them).")
                       + (f" -w 2, with twice the slots, wrote {c['http_med']:.0f} http records."
                          if (c := S.get((ds, "sluiced-w2"))) and c["http_med"] and c["http_med"] > 1.2 * a_["http_med"] else ""))
            break
    if threads and cg_pk:
        wk = [t for t in threads if t["role"] == "worker"]
        cp = [t for t in threads if t["role"] == "capture"]
        if wk:
            t = wk[0]
            pf = sum(ir for ir, _, fn, _ in t["incl"] if fn.endswith(":snprintf")) if t["incl"] else 0
            if pf:
                obs.append(f"**snprintf in the worker**: {pf / t['total'] * 100:.0f}% of the worker's "
                           f"instructions are under snprintf ({calls_of(t, 'snprintf.c:snprintf') or '?'} calls "
                           f"for {cg_pk} packets).")
            ch = [x for x in t["incl"] if x[2].endswith("sl_tls_parse_client_hello")]
            m = re.search(r'"tls": (\d+)', cg_events or "")
            if ch and m:
                n = calls_of(t, ch[0][2])
                obs.append(f"**TLS ClientHello**: `sl_tls_parse_client_hello` costs {ch[0][1]:.0f}% of the "
                           f"worker; it ran {n} times for {m.group(1)} tls records "
                           f"({', '.join(f'{c} ×{k}' for c, _, k in t['callers'].get(ch[0][2], []))}).")
        if wk and cp:
            both = [fn for fn in ("decode.c:sl_decode_wire", "decode.c:sl_flow_hash")
                    if any(x[2] == fn for x in wk[0]["excl"] + wk[0]["incl"]) and any(x[2] == fn for x in cp[0]["excl"] + cp[0]["incl"])]
            if both:
                per = {b: sum(ir for ir, _, fn, _ in wk[0]["incl"] if fn == b) / cg_pk for b in both}
                obs.append("**Decoded and hashed twice**: " + ", ".join(f"`{b}`" for b in both) +
                           " run in the capture thread (to pick the worker) and again in the worker, where "
                           "they cost " + ", ".join(f"{v:.0f}" for v in per.values()) +
                           " instructions per packet. The packet record already carries the capture's "
                           "symmetric hash (`struct sl_pkt_rec.hash`); the worker could take it for "
                           "packets that were not reassembled from fragments.")
    oth = [fnum(r["others"]) for r in ok if fnum(r["wall_s"]) and fnum(r["wall_s"]) >= 1.0]
    if oth and med(oth) is not None:
        obs.append(f"**Other work on the machine**: during the runs longer than a second, other processes "
                   f"used {med(oth) * 100:.0f}% of the machine's CPU time (median; range "
                   f"{min(oth) * 100:.0f}–{max(oth) * 100:.0f}%); load average {env.get('loadavg_start', '?')} "
                   f"at start, {env.get('loadavg_end', '?')} at the end. Wall-clock rates carry that noise, "
                   f"packets per CPU-second much less.")
    # per worker core: packets per second of worker CPU time, from the scheduler accounting
    sch_path = os.path.join(R, "engine-sched.txt")
    if os.path.exists(sch_path):
        for block in open(sch_path).read().split("\n\n"):
            m = re.search(r"-w (\d+) .*\(packets (\d+)", block)
            if not m:
                continue
            nw, npk = int(m.group(1)), int(m.group(2))
            th = {x.group(1): (float(x.group(2)), float(x.group(3))) for x in
                  re.finditer(r"^(\S+)\s+([\d.]+)\s+([\d.]+)\s+\d+\s+\d+$", block, re.M)}
            wk = sum(v[0] for k, v in th.items() if k.startswith("worker"))
            tot = sum(v[0] for v in th.values())
            wl = re.search(r"^wall ([\d.]+) s", block, re.M)
            if wk > 0 and tot > 0 and wl:
                rest = ", ".join(f"{k} {v[0]:.2f} s" for k, v in sorted(th.items()) if not k.startswith("worker"))
                obs.append(f"**Per worker core** (-w {nw}, {npk} packets, wall {float(wl.group(1)):.2f} s): the "
                           f"worker thread{'s' if nw > 1 else ''} spent {wk:.2f} CPU-s, i.e. "
                           f"{fmt_rate(npk / wk)} packets per worker-CPU-second ({wk / tot * 100:.0f}% of the "
                           f"process's {tot:.2f} CPU-s; the others: {rest}). A worker that waits on an empty "
                           f"ring spins and yields before it sleeps, so this is a lower bound.")
    for ds in ds_order:
        a_, b_ = S.get((ds, "sluiced-w1")), S.get((ds, "sluiced-w2"))
        v = paired(ds, "sluiced-w2", "sluiced-w1", "pps_wall")
        if a_ and b_ and v and a_["wall_s_med"] and a_["wall_s_med"] > 1 and med(v) < 1.15:
            obs.append(f"**A second worker does not pay on {env.get('nproc', '?')} CPUs** ({ds}): -w 2 ÷ -w 1 = "
                       f"{mmm(v, fmt_ratio)} in packets/s. Capture, router and file sink need CPU time "
                       f"too (see the per-thread figures above), so two pinned workers only share the "
                       f"same two CPUs with them; -w 2 also spends more CPU in all "
                       f"({b_['cpu_s_med']:.2f} against {a_['cpu_s_med']:.2f} CPU-s).")
            break
    if failed:
        obs.append(f"**{len(failed)} runs failed** (nonzero exit): " +
                   ", ".join(sorted({"%s on %s (rc %s)" % (r["peer"], r["dataset"], r["rc"]) for r in failed})))
    short = [r for r in ok if r["packets"] != r["expected_packets"]]
    if short:
        obs.append("**Packet counts differ from the input**: " + ", ".join(sorted(
            {f"{r['peer']} on {r['dataset']}: {r['packets']} of {r['expected_packets']}" for r in short})))
    for o in obs:
        P(f"- {o}")
    if not obs:
        P("- none computed")
    P("")

    P("### Caveats")
    P("")
    dpi = ""
    nd = os.path.join(R, "engine-ndpi-summary.txt")
    if os.path.exists(nd):
        txt = open(nd).read()
        m1 = re.search(r"DPI Packets \(TCP\):\s+(\d+)\s+\(([\d.]+) pkts/flow\)", txt)
        m2 = re.search(r"DPI Packets \(UDP\):\s+(\d+)\s+\(([\d.]+) pkts/flow\)", txt)
        m3 = re.search(r"IP packets:\s+(\d+)", txt)
        if m1 and m2 and m3:
            dpi = (f" (on the largest synthetic file it inspected {int(m1.group(1)) + int(m2.group(1))} of "
                   f"{m3.group(1)} packets: {m1.group(2)} per TCP flow, {m2.group(2)} per UDP flow; "
                   f"`engine-ndpi-summary.txt`)")
    P("- The peers do different work. ndpiReader classifies flows: it stops inspecting a flow after a "
      f"few packets{dpi} and writes "
      "nothing per flow; sluice reassembles every TCP stream, parses every HTTP transaction it has a "
      "parser slot for, computes JA3/JA4 for every ClientHello, and encodes EVE JSON for every record "
      "(also when it goes to /dev/null). "
      "tshark dissects every field of every packet and prints all of them as JSON, far more work per "
      "packet than either. The ratios say how fast each tool gets through a file, not who does more.")
    P("- ndpiReader (pcap input) and tshark use one thread; sluiced -w 1 still runs four threads "
      "(capture, worker, router, file sink) on the two CPUs, -w 2 five. Per CPU-second figures charge "
      "all of them.")
    P("- ndpiReader counts 5-tuples as flows and never ends one on a new SYN, so on the synthetic "
      "traffic (many conversations reuse a 5-tuple) it reports fewer flows than sluice.")
    P("- tshark only runs on the smaller inputs (it processes a few thousand packets per second "
      "here); there is no tshark figure for the 2M-packet data sets.")
    P("- The corpus files are tiny (2–3 k packets): there the whole-process figures are start-up "
      "cost; the own figures (ledger seconds) are a few milliseconds and coarse. /usr/bin/time reports "
      "CPU time in 10 ms steps, so per-CPU-second figures of runs that take 0.05–0.15 CPU-s are "
      "only good to ±10–20%.")
    P("- `others` is counted in 10 ms ticks per CPU: for runs shorter than a few tenths of a second "
      "it is coarse. engine-runs.csv also has psi_some (share of the run during which some task "
      "waited for a CPU; it counts sluiced's own threads waiting for each other too).")
    P("- The machine has 2 vCPUs shared with other work; absolute numbers drift by 2–3× between "
      "minutes. Read the paired ratios and per-CPU-second figures first.")
    P("")
    P("### Reproduce")
    P("")
    P("```sh")
    P("bench/engine_bench.sh            # 5 rounds, ~5-10 min, writes bench/results/engine-*.csv and ENGINE.md")
    P("bench/engine_bench.sh --quick    # 1 round, small inputs, ~1 min")
    P("bench/engine_report.py           # rewrite ENGINE.md from the CSVs")
    P("```")
    P("")
    with open(md_path, "w") as f:
        f.write("\n".join(out))
    print(f"engine_report: wrote {md_path}")


if __name__ == "__main__":
    main()
