#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Turns the CSVs bench/run wrote into bench/RESULTS.md and PNG plots.

Figures are medians over rounds with min-max; a ratio against a peer is computed within each
round (both measured minutes apart at most) and then summarised the same way. Every measurement
carries its own core-to-core probe, so the figures can also be split by where the two CPUs were:
"close" (round trip < 50 ns: both vCPUs on one physical core, it seems), "near" (50-200 ns) and
"far" (>= 200 ns); and the CPU share its two threads got, so measurements during which other
processes took the CPUs away ("disturbed", share < CLEAN_SHARE) can be set apart. Standard
library only; gnuplot draws the plots when it is installed.
"""
import argparse
import glob
import csv
import os
import shutil
import statistics
import subprocess
import sys
import tempfile

CLASSES = [("close", 0, 50), ("near", 50, 200), ("far", 200, float("inf"))]
CLEAN_SHARE = 0.9
SIZES = [8, 64, 256, 1500]
PEER_ORDER = ["sluice-burst", "sluice-single", "rte-burst", "rte-ptr", "rte-single", "ck-spsc", "zmq-pushpull",
              "zmq-pushpull-block", "zmq-pair", "pipe", "seqpacket"]
REFS = [("zmq-pushpull-block", "vs ZMQ PUSH/PULL (blocking)"), ("rte-burst", "vs rte_ring elem burst 32"),
        ("rte-ptr", "vs rte_ring pointer ring"), ("rte-single", "vs rte_ring single")]
# Issue 7's targets; every throughput one is burst against burst (sluice-burst commits every 32
# records and peeks up to 32; rte-burst and rte-ptr move bursts of 32).
TARGETS = {
    "zmq256": 25.0,   # sluice-burst / zmq-pushpull-block at 256 B
    "rte256": 2.0,    # sluice-burst / rte-burst (elem API, burst 32) at 256 B
    "ptr256": 1.5,    # sluice-burst / rte-ptr (pointer ring, bursts of 32) at 256 B
    "rte8": 1.0,      # sluice-burst / rte-burst at 8 B
    "lat": 1.7,       # sluice p50 / floor p50
}


def read_csv(path):
    if not os.path.exists(path):
        return []
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def read_meta(path):
    meta = {}
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                if "=" in line:
                    k, v = line.rstrip("\n").split("=", 1)
                    meta[k] = v
    return meta


def placement(probe_ns):
    for name, lo, hi in CLASSES:
        if lo <= probe_ns < hi:
            return name
    return "far"


def summ(values):
    """(median, min, max, n) or None."""
    values = [v for v in values if v is not None]
    if not values:
        return None
    return statistics.median(values), min(values), max(values), len(values)


def fmt_num(v):
    if v is None:
        return "–"
    if v >= 100:
        return f"{v:.0f}"
    if v >= 10:
        return f"{v:.1f}"
    if v >= 1:
        return f"{v:.2f}"
    return f"{v:.3f}"


def fmt_summ(s, unit="", with_n=False):
    if s is None:
        return "–"
    med, lo, hi, n = s
    text = f"{fmt_num(med)}{unit} ({fmt_num(lo)}–{fmt_num(hi)})"
    if with_n:
        text += f" n={n}"
    return text


def fmt_ratio(s, with_n=False):
    if s is None:
        return "–"
    med, lo, hi, n = s
    text = f"**{fmt_num(med)}×** ({fmt_num(lo)}–{fmt_num(hi)})"
    if with_n:
        text += f" n={n}"
    return text


# Peers whose threads wait in the kernel by design (libzmq's own blocking and mailbox polls): a CPU
# share below 1 is their method, not a neighbour's doing. For them a measurement counts as
# disturbed only when its threads were preempted (involuntary context switches).
BLOCKING_PEERS = {"zmq-pushpull", "zmq-pushpull-block", "zmq-pair"}
BLOCKING_PREEMPTS = 2


def share_of(row):
    """The CPU share the disturbance rule judges by (see BLOCKING_PEERS)."""
    try:
        share = float(row.get("cpu_share") or 1.0)
    except ValueError:
        share = 1.0
    if row.get("peer") in BLOCKING_PEERS:
        try:
            return 1.0 if int(row.get("preempts") or 0) <= BLOCKING_PREEMPTS else min(share, 0.0)
        except ValueError:
            return share
    return share


def keep(probe_ns, share, cls, clean):
    """cls: None or a placement class; clean: only undisturbed measurements."""
    if clean and share < CLEAN_SHARE:
        return False
    return cls is None or placement(probe_ns) == cls


class Throughput:
    def __init__(self, rows):
        # (run, peer, size) -> (rate, probe, GB/s, cpu share)
        self.m = {}
        for r in rows:
            try:
                key = (int(r["run"]), r["peer"], int(r["size"]))
                self.m[key] = (float(r["Mrec_per_s"]), float(r["probe_ns"]), float(r["GB_per_s"]),
                               share_of(r))
            except (KeyError, ValueError):
                continue
        self.runs = sorted({k[0] for k in self.m})
        present = {k[1] for k in self.m}
        self.peers = [p for p in PEER_ORDER if p in present] + sorted(present - set(PEER_ORDER))
        self.sizes = sorted({k[2] for k in self.m})

    def rates(self, peer, size, cls=None, clean=False):
        out = []
        for run in self.runs:
            v = self.m.get((run, peer, size))
            if v and keep(v[1], v[3], cls, clean):
                out.append(v[0])
        return out

    def gbs(self, peer, size, clean=False):
        return [v[2] for v in (self.m.get((run, peer, size)) for run in self.runs)
                if v and keep(v[1], v[3], None, clean)]

    def ratios(self, peer, ref, size, cls=None, clean=False, like=False):
        """peer / ref within each round; like: only pairs whose two measurements share a
        placement class (with cls None: any class, as long as it is the same)."""
        out = []
        for run in self.runs:
            a = self.m.get((run, peer, size))
            b = self.m.get((run, ref, size))
            if not a or not b or b[0] <= 0:
                continue
            if not keep(a[1], a[3], cls, clean) or not keep(b[1], b[3], cls, clean):
                continue
            if like and placement(a[1]) != placement(b[1]):
                continue
            out.append(a[0] / b[0])
        return out

    def best_ratio(self, peer, ref, size):
        """(summary, basis): undisturbed near pairs, else undisturbed like-for-like pairs."""
        sm = summ(self.ratios(peer, ref, size, "near", clean=True))
        if sm:
            return sm, "near"
        return summ(self.ratios(peer, ref, size, None, clean=True, like=True)), "like"

    def clean_count(self):
        return sum(1 for v in self.m.values() if v[3] >= CLEAN_SHARE), len(self.m)


def size_bullet(sweep_rows):
    """The ring-size bullet of the analysis, from the sweep figures of this run."""
    if not sweep_rows:
        return "- **Ring size and huge pages:** no sweep in this run.\n"
    text = ["- **Ring size matters more than huge pages.**"]
    for cls in ["near", "far"]:
        for size in sorted({int(r["size"]) for r in sweep_rows}):
            d = {}
            for r in sweep_rows:
                if (int(r["size"]) == size and r["huge"] == "never" and share_of(r) >= CLEAN_SHARE
                        and placement(float(r["probe_ns"])) == cls):
                    d.setdefault(int(r["ring_bytes"]), []).append(float(r["Mrec_per_s"]))
            if len(d) < 2:
                continue
            med = {rb: statistics.median(v) for rb, v in d.items()}
            best = max(med, key=med.get)
            parts = ", ".join(f"{(rb >> 20) if rb >= 1 << 20 else (rb >> 10)} {'MiB' if rb >= 1 << 20 else 'KiB'}: "
                              f"{fmt_num(med[rb])}" for rb in sorted(med))
            text.append(f"{cls.capitalize()}, {size} B, 4 KiB pages, M rec/s by ring size: {parts} "
                        f"(best: {(best >> 20) if best >= 1 << 20 else (best >> 10)} "
                        f"{'MiB' if best >= 1 << 20 else 'KiB'}).")
    ratios = []
    by = {}
    for r in sweep_rows:
        if share_of(r) < CLEAN_SHARE:
            continue
        k = (int(r["run"]), int(r["size"]), int(r["ring_bytes"]))
        by.setdefault(k, {})[r["huge"]] = r
    for k, pair in by.items():
        a, n = pair.get("auto"), pair.get("never")
        if (a and n and "huge" in a["backing"] and float(n["Mrec_per_s"]) > 0
                and placement(float(a["probe_ns"])) == placement(float(n["probe_ns"]))):
            ratios.append(float(a["Mrec_per_s"]) / float(n["Mrec_per_s"]))
    sm = summ(ratios)
    if sm:
        text.append(f"Huge pages against 4 KiB pages, same round and placement: {fmt_num(sm[0])}× "
                    f"(min–max {fmt_num(sm[1])}–{fmt_num(sm[2])}, {sm[3]} pairs over every ring "
                    "size from 4 MiB up).")
    text.append("How the runs so far read: near, the caches shape the curve (the L2 is 1 MiB per "
                "core, the L3 32 MiB) and a ring past the L3 loses; far, the cost of each line "
                "transfer dominates and larger rings, which let the two sides drift further apart, "
                "kept gaining.")
    return "  ".join(text) + "\n"


def gnuplot(script, cwd):
    if shutil.which("gnuplot") is None:
        return False
    try:
        subprocess.run(["gnuplot"], input=script, text=True, cwd=cwd, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        return True
    except subprocess.CalledProcessError as e:
        sys.stderr.write("report.py: gnuplot failed: %s\n" % e.stderr)
        return False


def clean_or_all(values_clean, values_all):
    """The undisturbed figures when there are any, else all of them; and which it was."""
    return (values_clean, "clean") if values_clean else (values_all, "all")


def lat_keep(row, cls=None, clean=False):
    return keep(float(row["probe_ns"]), share_of(row), cls, clean)


def plots(results, tp, lat_rows, sweep_rows, probes_all):
    """Draws the PNGs into results (the data files gnuplot reads live in a temporary directory);
    returns the list of PNG names drawn, or None without gnuplot. Near and far placement are
    drawn apart: mixed, they mean nothing."""
    if shutil.which("gnuplot") is None:
        return None
    with tempfile.TemporaryDirectory(prefix="ring-plots-") as tmp:
        return _plots(tmp, os.path.abspath(results), tp, lat_rows, sweep_rows, probes_all)


def _plots(results, out_dir, tp, lat_rows, sweep_rows, probes_all):
    drawn = []
    term = "set terminal pngcairo size 900,520 font 'sans,10'\n"
    # throughput: one chart per size, near and far medians side by side, undisturbed runs
    for size in tp.sizes:
        dat = os.path.join(results, f"tp-{size}.dat")
        with open(dat, "w") as f:
            for p in tp.peers:
                near = summ(tp.rates(p, size, "near", clean=True))
                far = summ(tp.rates(p, size, "far", clean=True))
                if near or far:
                    f.write(f"{p} {near[0] if near else '-'} {far[0] if far else '-'}\n")
        png = f"ring-throughput-{size}.png"
        ok = gnuplot(term + f"""set output '{os.path.join(out_dir, png)}'
set title 'Records of {size} bytes, CPU 0 -> CPU 1: median over undisturbed rounds, by placement'
set ylabel 'M records/s (log)'
set logscale y
set datafile missing '-'
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.7
set xtics rotate by -30
set grid ytics
set key top right
plot 'tp-{size}.dat' using 2:xtic(1) title 'near (probe < 200 ns)' lc rgb '#4a7ab5', \\
     '' using 3 title 'far (probe >= 200 ns)' lc rgb '#c9a14a'
""", results)
        if ok:
            drawn.append(png)
    # sweep: by placement and by the backing the ring actually got
    if sweep_rows:
        pts = {}
        for r in sweep_rows:
            if share_of(r) < CLEAN_SHARE:
                continue
            kind = "huge" if "huge" in r["backing"] else "4k"
            if r["huge"] == "auto" and kind == "4k":
                continue
            key = (placement(float(r["probe_ns"])), int(r["size"]), kind)
            pts.setdefault(key, {}).setdefault(int(r["ring_bytes"]), []).append(float(r["Mrec_per_s"]))
        panels = []
        for cls in ["near", "far"]:
            series = []
            for size in sorted({k[1] for k in pts}):
                for kind, label in [("4k", "4 KiB pages"), ("huge", "huge pages")]:
                    d = pts.get((cls, size, kind))
                    if not d:
                        continue
                    name = f"sweep-{cls}-{size}-{kind}.dat"
                    with open(os.path.join(results, name), "w") as f:
                        for rb in sorted(d):
                            sm = summ(d[rb])
                            f.write(f"{rb / 1024:.0f} {sm[0]:.4f} {sm[1]:.4f} {sm[2]:.4f}\n")
                    series.append(f"'{name}' using 1:2:3:4 with yerrorlines title '{size} B, {label}'")
            if series:
                panels.append((cls, series))
        if panels:
            png = "ring-sweep.png"
            script = term.replace("900,520", f"900,{360 * len(panels)}") + f"set output '{os.path.join(out_dir, png)}'\n"
            script += f"set multiplot layout {len(panels)},1\n"
            for cls, series in panels:
                script += f"""set title 'sluice-burst by ring size, {cls} placement: median and min-max over undisturbed rounds'
set xlabel 'ring data bytes (KiB, log)'
set ylabel 'M records/s'
set logscale x 2
set grid
set key top left
plot {", ".join(series)}
"""
            script += "unset multiplot\n"
            if gnuplot(script, results):
                drawn.append(png)
    # latency
    if lat_rows:
        dat = os.path.join(results, "latency.dat")
        with open(dat, "w") as f:
            for peer in ["pingpong", "sluice", "zmq-pair"]:
                rows_all = [r for r in lat_rows if r["peer"] == peer]
                rows, _ = clean_or_all([r for r in rows_all if lat_keep(r, clean=True)], rows_all)
                if not rows:
                    continue
                p50 = statistics.median(float(r["p50_ns"]) for r in rows)
                p99 = statistics.median(float(r["p99_ns"]) for r in rows)
                p999 = statistics.median(float(r["p999_ns"]) for r in rows)
                f.write(f"{peer} {max(p50, 1):.1f} {max(p99, 1):.1f} {max(p999, 1):.1f}\n")
        png = "ring-latency.png"
        if gnuplot(term + f"""set output '{os.path.join(out_dir, png)}'
set title 'One-way latency of a 64-byte record (round trip / 2), median over rounds'
set ylabel 'ns (log)'
set logscale y
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.6
set grid ytics
plot 'latency.dat' using 2:xtic(1) title 'p50', '' using 3 title 'p99', '' using 4 title 'p99.9'
""", results):
            drawn.append(png)
    # probe drift
    if probes_all:
        dat = os.path.join(results, "probe.dat")
        with open(dat, "w") as f:
            for i, (when, ns) in enumerate(probes_all):
                f.write(f"{i} {ns:.1f}\n")
        png = "ring-probe.png"
        if gnuplot(term + f"""set output '{os.path.join(out_dir, png)}'
set title 'Core-to-core cache-line round trip, in order of measurement'
set xlabel 'measurement'
set ylabel 'ns (log)'
set logscale y
set grid
unset key
plot 'probe.dat' using 1:2 with points pt 7 ps 0.5 lc rgb '#b5544a'
""", results):
            drawn.append(png)
    return drawn


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--results", required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    res = args.results
    meta = read_meta(os.path.join(res, "meta.txt"))
    tp_rows = read_csv(os.path.join(res, "ring-throughput.csv"))
    lat_rows = read_csv(os.path.join(res, "ring-latency.csv"))
    sweep_rows = read_csv(os.path.join(res, "ring-sweep.csv"))
    probe_rows = read_csv(os.path.join(res, "ring-probe.csv"))
    load_rows = read_csv(os.path.join(res, "ring-load.csv"))
    tp = Throughput(tp_rows)

    # every probe figure in time order: round probes and per-measurement probes
    probes_all = []
    for r in probe_rows:
        probes_all.append((r["date"], float(r["rtt_median_ns"])))
    for rows in (tp_rows, lat_rows, sweep_rows):
        for r in rows:
            if float(r.get("probe_ns") or 0) > 0:
                probes_all.append((r["date"], float(r["probe_ns"])))
    probes_all.sort(key=lambda x: x[0])

    out = []
    w = out.append
    w("# sluice benchmarks: results\n")
    w("Two parts: the ring (libsluice_ring beside DPDK rte_ring, ck_ring, ZMQ, pipes and sockets) and, at the end, the engine (sluiced beside ndpiReader and tshark; bench/engine_bench.sh).\n")
    w("Generated by `bench/report.py` from the CSVs in `bench/results/`; do not edit by hand, "
      "re-run `bench/run` (or `bench/run --report-only`).\n")
    w("| | |\n|---|---|")
    for key, label in [("date", "date (UTC, end of run)"), ("command", "command"), ("rounds", "rounds"),
                       ("duration_s", "duration (s)"), ("nproc", "CPUs (nproc)"), ("cpu", "CPU model"),
                       ("cpu_family_model", "CPU family/model"), ("caches", "caches"),
                       ("hypervisor", "hypervisor"), ("kernel", "kernel"), ("clocksource", "clocksource"),
                       ("compiler", "compiler"), ("build", "build"), ("hugepages", "huge pages"),
                       ("dpdk", "DPDK"), ("ck", "ck"), ("zmq", "libzmq"),
                       ("seconds_per_measurement", "seconds per measurement"),
                       ("rt", "real-time priority (--rt)"), ("quiet_wait", "quiet wait per round (s)"),
                       ("headline_rounds", "headline rounds")]:
        if key in meta:
            v = meta[key] if key != "command" else f"`{meta[key]}`"
            w(f"| {label} | {v} |")
    skipped = [x for x in meta.get("skipped", "").split(";") if x.strip()]
    if skipped:
        w("| peers not built | " + "; ".join(skipped) + " |")
    else:
        w("| peers not built | none: every peer's library was found |")
    w("")
    nfull = int(meta.get("rounds", "0") or 0)
    nhl = int(meta.get("headline_rounds", "0") or 0)
    if nhl:
        w(f"Rounds 1–{nfull} run every peer at every size, the latency and the ring-size sweep. "
          f"Rounds {nfull + 1}–{nfull + nhl} are **headline rounds**: only the peers and sizes the "
          "targets name (sluice-burst, sluice-single, rte-burst, rte-ptr, rte-single, both ZMQ PUSH/PULL, at "
          "8 and 256 bytes, and the sluice latency), each started once a probe said the cores were "
          "near (waiting up to 20 s; the round runs anyway after that and is classified by its own "
          "probes like any other).\n")
    if meta.get("quick") == "1":
        w("**This is a `--quick` smoke run (one round, short measurements): not for conclusions.**\n")

    # ---- the machine while it ran
    n_clean, n_all = tp.clean_count()
    w("## The machine while it ran\n")
    w("Two things move every figure here by several times, and neither is the ring:\n")
    w("1. **Where the two vCPUs are.** The probe bounces one cache line between a thread on CPU 0 "
      "and one on CPU 1 and reports the median round trip over short batches. `bench/run` probes "
      "before and after every round, and every measurement is bracketed by two short probes "
      "(its `probe_ns` is the larger). Classes: **close** < 50 ns (both vCPUs apparently on one "
      "physical core), **near** 50–200 ns, **far** ≥ 200 ns.")
    w("2. **Other processes on the shared machine.** A busy-waiting thread that is pushed off its "
      "CPU stalls its peer. Each measurement records the CPU share its two threads actually got "
      f"(`cpu_share`, thread CPU time ÷ wall time, the lower of the two); below {CLEAN_SHARE} the "
      "measurement is **disturbed** — except for the ZMQ peers, whose threads block in the kernel "
      "by design (their share is 0.5–0.85 on an idle machine): they count as disturbed only when "
      f"their threads were preempted more than {BLOCKING_PREEMPTS} times. A disturbed measurement "
      "is left out of the headline and of the main columns below "
      f"(it stays in the CSV and in the \"all\" columns). Undisturbed throughput measurements: "
      f"{n_clean} of {n_all}.\n")
    if probe_rows:
        w("| round | others' CPU use before (%) | probe before (ns) | probe after (ns) | measurement probes: median (min–max) | close / near / far | CPU share: median (min) | disturbed |")
        w("|---|---|---|---|---|---|---|---|")
        for run in sorted({int(r["run"]) for r in probe_rows}):
            b = [float(r["rtt_median_ns"]) for r in probe_rows if int(r["run"]) == run and r["label"] == "before"]
            a = [float(r["rtt_median_ns"]) for r in probe_rows if int(r["run"]) == run and r["label"] == "after"]
            ms = [r for rows in (tp_rows, lat_rows, sweep_rows) for r in rows if int(r["run"]) == run]
            inner = [float(r["probe_ns"]) for r in ms if float(r.get("probe_ns") or 0) > 0]
            shares = [share_of(r) for r in ms]
            load = [r for r in load_rows if int(r["run"]) == run]
            if not load:
                load_txt = "–"
            elif load[0]["others_busy_pct"].startswith("near-wait:"):
                load_txt = f"headline round: waited {load[0]['waited_s']} s for near"
            else:
                load_txt = f"{load[0]['others_busy_pct']} (waited {load[0]['waited_s']} s)"
            cnt = {c: sum(1 for v in inner if placement(v) == c) for c, _, _ in CLASSES}
            dist = sum(1 for x in shares if x < CLEAN_SHARE)
            w(f"| {run} | {load_txt} | {fmt_num(b[0]) if b else '–'} | {fmt_num(a[0]) if a else '–'} | "
              f"{fmt_summ(summ(inner))} | {cnt['close']} / {cnt['near']} / {cnt['far']} | "
              f"{fmt_num(statistics.median(shares)) if shares else '–'} ({fmt_num(min(shares)) if shares else '–'}) | "
              f"{dist} of {len(shares)} |")
        w("")
    allp = [v for _, v in probes_all]
    if allp:
        cnt = {c: sum(1 for v in allp if placement(v) == c) for c, _, _ in CLASSES}
        w(f"All {len(allp)} probes: median {fmt_num(statistics.median(allp))} ns, "
          f"min {fmt_num(min(allp))}, max {fmt_num(max(allp))}; close {cnt['close']}, near {cnt['near']}, "
          f"far {cnt['far']}.\n")

    # ---- headline
    w("## Headline: sluice against the targets\n")
    w("Ratios are taken within a round (the two measurements minutes apart at most) and summarised "
      "as median (min–max) over rounds; `n` is the number of rounds that count. A round counts for a "
      "column only when both of its measurements qualify: undisturbed (CPU share ≥ "
      f"{CLEAN_SHARE}) and in the same placement class (the \"like for like\" column takes any "
      "class, the others one each). \"all rounds\" takes every pair, even one measured near "
      "against one measured far, and is there to show how misleading that is. The targets are "
      "stated for near placement, so the verdict uses undisturbed near rounds, or says what it used "
      "instead.\n")
    heads = [
        ("256 B: sluice-burst ÷ zmq-pushpull-block (ZMQ's faster mode here)", "sluice-burst", "zmq-pushpull-block", 256, TARGETS["zmq256"]),
        ("256 B: sluice-burst ÷ zmq-pushpull (busy-polled, for reference; the target is judged on the blocking one)", "sluice-burst", "zmq-pushpull", 256, None),
        ("256 B: sluice-burst ÷ rte-burst (elem API, burst 32)", "sluice-burst", "rte-burst", 256, TARGETS["rte256"]),
        ("256 B: sluice-burst ÷ rte-ptr (pointer ring, bursts of 32)", "sluice-burst", "rte-ptr", 256, TARGETS["ptr256"]),
        ("8 B: sluice-burst ÷ rte-burst (burst 32)", "sluice-burst", "rte-burst", 8, TARGETS["rte8"]),
        ("8 B: sluice-burst ÷ rte-ptr (no target)", "sluice-burst", "rte-ptr", 8, None),
        ("8 B: sluice-single ÷ rte-single (one at a time, no target)", "sluice-single", "rte-single", 8, None),
        ("64 B: sluice-burst ÷ rte-burst (no target)", "sluice-burst", "rte-burst", 64, None),
        ("64 B: sluice-burst ÷ rte-ptr (no target)", "sluice-burst", "rte-ptr", 64, None),
        ("1500 B: sluice-burst ÷ rte-burst (no target)", "sluice-burst", "rte-burst", 1500, None),
        ("1500 B: sluice-burst ÷ rte-ptr (no target)", "sluice-burst", "rte-ptr", 1500, None),
    ]

    def verdict_of(get, target, higher_is_better=True):
        for basis, kw in [("undisturbed near", dict(cls="near", clean=True)),
                          ("undisturbed like for like, NOT near", dict(cls=None, clean=True, like=True)),
                          ("all rounds, disturbed included", dict(cls=None, clean=False))]:
            sm = summ(get(**kw))
            if sm:
                ok = sm[0] >= target if higher_is_better else sm[0] <= target
                return ("met" if ok else "**missed**") + f" ({basis}: {fmt_num(sm[0])}×, n={sm[3]})"
        return "no data"

    w("| ratio | target | all rounds | like for like | close | near | far | verdict |")
    w("|---|---|---|---|---|---|---|---|")
    for label, a, b, size, target in heads:
        get = lambda cls=None, clean=False, like=False, a=a, b=b, size=size: tp.ratios(a, b, size, cls, clean, like)
        cells = [fmt_ratio(summ(get()), True), fmt_ratio(summ(get(clean=True, like=True)), True)]
        for c, _, _ in CLASSES:
            cells.append(fmt_ratio(summ(get(cls=c, clean=True)), True))
        verdict = "–" if target is None else verdict_of(get, target)
        w(f"| {label} | {'≥ ' + fmt_num(target) + '×' if target else '–'} | " + " | ".join(cells) + f" | {verdict} |")
    lat_s = [r for r in lat_rows if r["peer"] == "sluice"]
    if lat_s:
        for col, fcol, label, target in [
                ("p50_ns", "floor_p50_ns", "latency: sluice p50 ÷ floor p50 (one way)", TARGETS["lat"]),
                ("mean_ns", "floor_mean_ns", "latency: sluice mean ÷ floor mean (batch-timed, no target)", None)]:
            def get(cls=None, clean=False, like=False, col=col, fcol=fcol):
                # the floor is measured in the same process, right before: always like for like
                return [float(r[col]) / float(r[fcol]) for r in lat_s
                        if float(r[fcol]) > 0 and lat_keep(r, cls, clean)]
            cells = [fmt_ratio(summ(get()), True), fmt_ratio(summ(get(clean=True)), True)]
            for c, _, _ in CLASSES:
                cells.append(fmt_ratio(summ(get(cls=c, clean=True)), True))
            verdict = "–" if target is None else verdict_of(get, target, higher_is_better=False)
            w(f"| {label} | {'≤ ' + fmt_num(target) + '×' if target else '–'} | " + " | ".join(cells) + f" | {verdict} |")
    w("")

    # ---- plain words
    w("### In plain words\n")

    def near_rate(peer, size):
        sm = summ(tp.rates(peer, size, "near", clean=True))
        return sm

    def say_ratio(a, b, size, target, what):
        sm, basis = tp.best_ratio(a, b, size)
        if sm is None:
            return f"- {what}: no undisturbed pair in the same placement — no verdict."
        where = "near" if basis == "near" else "NOT near (no near pair; like-for-like pairs in another placement)"
        verdict = ""
        if target is not None:
            verdict = (" — target ≥ " + fmt_num(target) + "×: " + ("**met**" if sm[0] >= target else "**missed**"))
        return (f"- {what}: **{fmt_num(sm[0])}×** (min–max {fmt_num(sm[1])}–{fmt_num(sm[2])}, "
                f"{sm[3]} round(s), {where}){verdict}.")

    r256 = near_rate("sluice-burst", 256)
    if r256:
        w(f"- At 256 bytes, near, sluice-burst moved {fmt_num(r256[0])} M records/s "
          f"({fmt_num(r256[0] * 256 / 1000)} GB/s of payload), median of {r256[3]} round(s).")
    w(say_ratio("sluice-burst", "zmq-pushpull-block", 256, TARGETS["zmq256"],
                "256 B, sluice-burst ÷ ZMQ inproc PUSH/PULL (blocking, ZMQ's faster mode here)"))
    w(say_ratio("sluice-burst", "zmq-pushpull", 256, None,
                "256 B, sluice-burst ÷ ZMQ inproc PUSH/PULL busy-polled (for reference)"))
    w(say_ratio("sluice-burst", "rte-burst", 256, TARGETS["rte256"],
                "256 B, sluice-burst ÷ rte_ring elem API burst 32"))
    w(say_ratio("sluice-burst", "rte-ptr", 256, TARGETS["ptr256"],
                "256 B, sluice-burst ÷ rte_ring pointer ring (pool buffers, memcpy, bursts of 32)"))
    w(say_ratio("sluice-burst", "rte-burst", 8, TARGETS["rte8"], "8 B, sluice-burst ÷ rte_ring elem API burst 32"))
    for size in (64, 1500):
        for ref, what in (("rte-burst", "rte_ring elem API burst 32"), ("rte-ptr", "rte_ring pointer ring")):
            if tp.rates("sluice-burst", size) and tp.rates(ref, size):
                w(say_ratio("sluice-burst", ref, size, None, f"{size} B, sluice-burst ÷ {what} (no target)"))
    lat_c = [r for r in lat_s if lat_keep(r, clean=True)]
    lat_n = [r for r in lat_c if placement(float(r["probe_ns"])) == "near"]
    use = lat_n or lat_c
    if use:
        rat = summ([float(r["p50_ns"]) / float(r["floor_p50_ns"]) for r in use])
        p50 = summ([float(r["p50_ns"]) for r in use])
        fl = summ([float(r["floor_p50_ns"]) for r in use])
        where = "near" if lat_n else "NOT near (no undisturbed near run): " + ", ".join(
            sorted({placement(float(r["probe_ns"])) for r in use}))
        w(f"- Latency, 64 B one way: sluice p50 {fmt_num(p50[0])} ns against a cache-line floor of "
          f"{fmt_num(fl[0])} ns: **{fmt_num(rat[0])}×** (min–max {fmt_num(rat[1])}–{fmt_num(rat[2])}, "
          f"{rat[3]} run(s), {where}) — target ≤ {fmt_num(TARGETS['lat'])}×: "
          + ("**met**" if rat[0] <= TARGETS["lat"] else "**missed**") + ".")
    w("")

    # ---- throughput tables
    w("## Throughput\n")
    w("Producer on CPU 0, consumer on CPU 1, busy waiting. Every record is copied in by the producer "
      "and copied out by the consumer into a local buffer, and the consumer checks its sequence "
      "number (first 8 bytes), the last 8 bytes and the 8 bytes in the middle. Each measurement lasts "
      f"about {meta.get('seconds_per_measurement', '?')} s after a warm-up (at least two laps of a ring). "
      "Ring peers get the same memory: 4 MiB of ring data (rte_ring: the largest power-of-two count "
      "of elements that fits; rte-ptr: as many 64-byte aligned pool buffers as fit; ck: a pool of "
      "that size), normal 4 KiB pages for everyone "
      "(`--huge never`; the sweep below shows huge pages). Rates are median (min–max) over the "
      "undisturbed rounds in each placement class (`n` rounds); \"all\" takes every round. Ratios "
      "are this peer ÷ the reference in the same round, both undisturbed and near; a ratio marked † "
      "had no such pair and uses pairs that share any other placement class instead.\n")
    for size in tp.sizes:
        w(f"### {size}-byte records\n")
        w("| peer | near: M rec/s | near: GB/s | far: M rec/s | all: M rec/s | " + " | ".join(t for _, t in REFS) + " |")
        w("|---" * (5 + len(REFS)) + "|")
        for p in tp.peers:
            if not tp.rates(p, size):
                continue
            near = tp.rates(p, size, "near", clean=True)
            gb = [v[2] for v in (tp.m.get((run, p, size)) for run in tp.runs)
                  if v and keep(v[1], v[3], "near", True)]
            cells = [fmt_summ(summ(near), with_n=True),
                     fmt_num(statistics.median(gb)) if gb else "–",
                     fmt_summ(summ(tp.rates(p, size, "far", clean=True)), with_n=True),
                     fmt_summ(summ(tp.rates(p, size)), with_n=True)]
            for ref, _ in REFS:
                if ref == p:
                    cells.append("1×")
                    continue
                sm, basis = tp.best_ratio(p, ref, size)
                cells.append(fmt_ratio(sm) + ("" if sm is None or basis == "near" else " †"))
            name = f"**{p}**" if p.startswith("sluice") else p
            w(f"| {name} | " + " | ".join(cells) + " |")
        w("")

    # ---- latency
    w("## Latency (64-byte records, one way)\n")
    w("Measured as a ping-pong: CPU 0 sends a record and busy-waits for the echo from CPU 1, so one "
      "way = round trip ÷ 2, with no clock shared between the cores. Each round trip is timed with "
      "CLOCK_MONOTONIC around it, minus the cost of a back-to-back clock pair (`timer_ns`); on this VM "
      "the clock advances in steps of about 10 ns, so single percentiles move in steps of about "
      "5 ns. `mean` is a second batch of as many round trips timed as a whole (no clock inside). "
      "The floor is the same measurement of one bare cache line bounced between the cores (the "
      "`pingpong` peer), taken in the same process just before the peer; sluice's ping-pong uses two "
      "rings, one each way, each record copied in with reserve/commit and out with peek/release. "
      "Undisturbed runs only when there are any.\n")
    if lat_rows:
        w("| peer | runs | p50 (ns) | p99 (ns) | p99.9 (ns) | mean (ns) | floor p50 (ns) | floor mean (ns) | p50 ÷ floor p50 | mean ÷ floor mean |")
        w("|---|---|---|---|---|---|---|---|---|---|")
        for peer in ["sluice", "pingpong", "zmq-pair"]:
            rows_all = [r for r in lat_rows if r["peer"] == peer]
            rows, basis = clean_or_all([r for r in rows_all if lat_keep(r, clean=True)], rows_all)
            if not rows:
                continue
            col = lambda c: summ([float(r[c]) for r in rows])
            rat = summ([float(r["p50_ns"]) / float(r["floor_p50_ns"]) for r in rows if float(r["floor_p50_ns"]) > 0])
            ratm = summ([float(r["mean_ns"]) / float(r["floor_mean_ns"]) for r in rows if float(r["floor_mean_ns"]) > 0])
            w(f"| {peer} | {len(rows)} {basis} | {fmt_summ(col('p50_ns'))} | {fmt_summ(col('p99_ns'))} | {fmt_summ(col('p999_ns'))} | "
              f"{fmt_summ(col('mean_ns'))} | {fmt_summ(col('floor_p50_ns'))} | {fmt_summ(col('floor_mean_ns'))} | "
              f"{fmt_ratio(rat)} | {fmt_ratio(ratm)} |")
        w("")
        w("Every sluice run:\n")
        w("| round | probe (ns) | placement | CPU share | p50 | p99 | p99.9 | mean | floor p50 | floor mean | p50 ÷ floor |")
        w("|---|---|---|---|---|---|---|---|---|---|---|")
        for r in lat_s:
            pr = float(r["probe_ns"])
            w(f"| {r['run']} | {fmt_num(pr)} | {placement(pr)} | {share_of(r):.2f} | {r['p50_ns']} | {r['p99_ns']} | "
              f"{r['p999_ns']} | {r['mean_ns']} | {r['floor_p50_ns']} | {r['floor_mean_ns']} | "
              f"{fmt_num(float(r['p50_ns']) / float(r['floor_p50_ns']))}× |")
        w("")

    # ---- sweep
    w("## Ring size and huge pages (sluice-burst)\n")
    w("The same throughput measurement over ring sizes, with huge pages `auto` (an anonymous ring "
      "in a memfd with MFD_HUGETLB when huge pages are reserved and the ring is at least one huge "
      "page, otherwise normal pages) and `never`, run back to back. Columns go by the backing "
      "`sl_ring_stats()` reported (`sl_ring_backing_name()`: `anonymous-hugetlb` or `anonymous`), "
      "not by the mode asked for. Median M rec/s (min–max) over undisturbed rounds (`n`) by "
      "placement; `huge ÷ 4 KiB` is taken within a round, both undisturbed and in the same "
      "placement class.\n")
    if sweep_rows:
        sizes = sorted({int(r["size"]) for r in sweep_rows})
        rbs = sorted({int(r["ring_bytes"]) for r in sweep_rows})
        # by the backing the ring actually got: "auto" falls back to normal pages when it cannot
        # have huge ones (too small a ring, or someone else took the reserved pages)
        sw = {}     # (size, rb, kind) -> {run: (rate, class)}
        fallbacks = 0
        for r in sweep_rows:
            kind = "huge" if "huge" in r["backing"] else "normal"
            if r["huge"] == "auto" and kind == "normal" and int(r["ring_bytes"]) >= 2 << 20:
                fallbacks += 1
            if share_of(r) < CLEAN_SHARE:
                continue
            if r["huge"] == "auto" and kind == "normal":
                continue  # the same as a "never" run; kept out so each column is one backing
            sw.setdefault((int(r["size"]), int(r["ring_bytes"]), kind), {})[int(r["run"])] = (
                float(r["Mrec_per_s"]), placement(float(r["probe_ns"])))
        if fallbacks:
            w(f"`auto` fell back to normal pages {fallbacks} time(s) for rings of 2 MiB or more "
              "(huge pages were reserved, but other processes on the machine can take them); those "
              "runs are left out of the huge-page columns.\n")
        for size in sizes:
            w(f"### {size}-byte records\n")
            w("| ring | huge pages, near | huge pages, far | 4 KiB pages, near | 4 KiB pages, far | huge ÷ 4 KiB (like for like) |")
            w("|---|---|---|---|---|---|")
            for rb in rbs:
                a = sw.get((size, rb, "huge"), {})
                n = sw.get((size, rb, "normal"), {})
                pick = lambda d, c: [v for v, k in d.values() if k == c]
                ratio = [a[run][0] / n[run][0] for run in a
                         if run in n and n[run][0] > 0 and a[run][1] == n[run][1]]
                label = f"{rb >> 20} MiB" if rb >= 1 << 20 else f"{rb >> 10} KiB"
                hp = "(smaller than a huge page: never huge)" if not a and rb < 2 << 20 else None
                w(f"| {label} | {hp or fmt_summ(summ(pick(a, 'near')), with_n=True)} | {'' if hp else fmt_summ(summ(pick(a, 'far')), with_n=True)} | "
                  f"{fmt_summ(summ(pick(n, 'near')), with_n=True)} | {fmt_summ(summ(pick(n, 'far')), with_n=True)} | "
                  f"{fmt_ratio(summ(ratio), True)} |")
            w("")

    # ---- plots
    drawn = plots(res, tp, lat_rows, sweep_rows, probes_all)
    w("## Plots\n")
    if drawn is None:
        w("gnuplot is not installed: no plots.\n")
    else:
        for png in drawn:
            w(f"![{png}](results/{png})\n")

    # ---- method
    w("## Why the ring does what it does\n")
    w("""The investigation on the Intel host, with its experiments, is the section "Why sluice was
slower than rte_ring on the Intel host" below. In short:

- **peek's header walk was a chain of core-to-core misses.** The consumer finds record i+1 by
  reading record i's length, so without help each header is one line transfer after the other.
  `sl_ring_peek()` now keeps a software prefetch front 4 KiB ahead of its walk (never past the
  published head), which puts those transfers in flight together; the caller's copy then finds
  the batch in cache. On the Intel host that alone took 256-byte records from 0.63× to about 2×
  rte_ring's elem API. On the Zen 5 host (archived below) a 2 KiB prefetch had "changed nothing
  measurable": its hardware prefetchers evidently covered the walk there.
- **From 256 bytes up the copy is the compiler's.** Each record is one contiguous copy (the
  double mapping means no split at the wrap) that gcc emits inline for a known size (`rep movsq`
  at 256 and 1500 B): faster here than glibc's AVX-512 memcpy through a call, an explicit AVX2 or
  AVX-512 loop, or `rep movsb`. rte_ring's elem API copies elements other than 8 or 16 bytes as a
  loop of 32-bit words (`rte_ring_elem_pvt.h`); the pointer ring (rte-ptr) copies with memcpy like
  sluice, and pays for a second ring of pointers (the free list) and for reading the other
  side's index on every call, where sluice caches it and publishes once per 32 records.
- **Against the pointer ring the bytes moved are the same** (a 256-byte record is 264 bytes of
  sluice ring; 256 bytes of buffer plus 16 of pointers for rte-ptr), and at 256 B both are bound
  by the producer's stores into lines that last lived in the other core's cache: in sluice's
  burst run the producer never found the ring full while the consumer found it empty before
  about one batch in eight. One thread storing 256-byte records into a 4 MiB buffer with no
  consumer at all manages ~88 M records/s on this host; with the consumer pulling the lines to
  the other core, sluice gets 55-75. That ceiling, not the ring's bookkeeping, is what keeps the
  ratio to rte-ptr near 1.3-1.4× on this host.
- **8-byte records pay for the header and the per-record calls.** An 8-byte record takes 16
  bytes of ring, twice what rte_ring moves, and each is one out-of-line `sl_ring_reserve()` and
  one step of peek's walk (one thread doing both sides: 5.3 ns a record against rte_ring's
  0.62). With the prefetch, the walk no longer waits on the other core, and that is enough to
  overtake rte-burst at 8 B; a batch reserve/commit and a batch consumer view that does not build
  an `sl_rec` per record would take it further.
""")
    w(size_bullet(sweep_rows))
    w("""- **Latency: two dependent line transfers per hand-off, against one for the floor.** The
  consumer learns of a record by reading `head` (one line) and only then reads the record (a
  64-byte payload plus its header is 72 bytes: one or two more lines, fetched together); and the
  producer's store of `head` becomes visible only once it owns that line again, which the polling
  consumer keeps taking. The floor moves one line. A ratio near 2× at p50 is therefore
  structural; getting under 1.7× reliably would need the consumer to discover records from the
  record line itself (a commit word in the header, written last and polled by the consumer), so
  notification and data travel together. With 8-byte headers that word cannot be told from stale
  payload bytes of the previous lap with enough certainty, so it would mean a larger header.
- **ZMQ busy-polled is slower than ZMQ blocking** (see the ZMQ note below), which is why the ZMQ
  target is judged against the blocking figures.
""")

    w("## How each peer is driven\n")
    peers_txt = os.path.join(res, "peers.txt")
    if os.path.exists(peers_txt):
        w("| kind | peer | method |")
        w("|---|---|---|")
        with open(peers_txt) as f:
            for line in f:
                parts = line.rstrip("\n").split("\t")
                if len(parts) == 3:
                    w(f"| {parts[0]} | {parts[1]} | {parts[2]} |")
        w("")
    w("""- **Copies are real and observable.** The producer stamps the record's three check words in a
  local record and the peer copies the whole record in (memcpy into a reserved slot for sluice and
  into a pool slot for ck_ring; inside `rte_ring_sp_enqueue_elem`/`_burst_elem`, `zmq_send`,
  `write`). The consumer has the peer copy the whole record out into a local buffer
  (memcpy from the peeked slot or pool slot; `rte_ring_sc_dequeue_elem`/`_burst_elem`,
  `zmq_recv`, `read`), an empty `asm` with a memory clobber tells the compiler the whole buffer
  is read, then the first, middle and last 8 bytes are checked and summed into a sink that is
  printed. Every loop is compiled with the record size as a constant.
- **rte_ring** (DPDK, no EAL, no huge pages): memory from `posix_memalign`, sized with
  `rte_ring_get_memsize_elem(esize, count)`, set up by `rte_ring_init(…, RING_F_SP_ENQ |
  RING_F_SC_DEQ)`; esize is the record size rounded up to a multiple of 4 (1500 stays 1500). The
  loops call the `sp_`/`sc_` element functions the generic `rte_ring_enqueue_elem` would dispatch
  to. `peer_rte.c` is compiled with DPDK's pkg-config flags (`-march=corei7`), the rest without.
- **rte-ptr** is DPDK's other way, the one applications use for records the elem API would copy
  as words: pointers through an SP/SC `rte_ring` to buffers from a pool. The pool is preallocated
  (no EAL, so no `rte_mempool`): as many 64-byte aligned buffers as fit in the ring memory, their
  free list a second SP/SC `rte_ring` of pointers, as `rte_mempool`'s default ring handler keeps
  them (without its per-lcore cache and multi-producer CAS). The producer dequeues up to 32 free
  buffers, memcpy's a record into each and enqueues the 32 pointers in one burst; the consumer
  dequeues up to 32, memcpy's each record out into its local buffer, checks it, and returns the
  buffers in one burst.
- **Burst against burst.** Every target compares like with like: sluice-burst (commit every 32
  records, peek and release up to 32) against rte-burst (`_burst_elem`, 32) and rte-ptr (bursts
  of 32); sluice-single (one record per reserve/commit and per peek/release) against rte-single.
- **ck_ring** carries pointers: the producer copies record k into slot k mod P of a pool allocated
  up front and enqueues the slot's address; the consumer dequeues it and copies the record out.
  P = 2 × ring entries, which makes reuse safe without a return path (see `peer_ck.c`).
- **ZMQ**: inproc, no I/O thread, default HWM (1000); `zmq_send`/`zmq_recv` with ZMQ_DONTWAIT in a
  busy loop, or blocking calls (`zmq-pushpull-block`). Busy polling is the *slower* way to drive
  ZMQ: each `zmq_recv` that finds the pipe empty checks the socket's command mailbox (a `poll()`
  on its eventfd), and a reader that keeps up with the writer makes the writer send an
  activation command (an eventfd write) for nearly every message; a blocking reader lets the
  writer run ahead and drains many messages per wake-up. So the ratio columns and the target use
  the blocking PUSH/PULL, the conservative reference; the busy-polled one is shown beside it.
- **pipe / SOCK_SEQPACKET**: non-blocking, one `write` and one `read` per record, busy loop; the
  pipe is grown to 1 MiB.
- **Sharing the machine**: with `bench/run --rt` the two measuring threads run SCHED_FIFO while
  they measure (they switch once both are pinned and ready), and the program then sleeps as long
  as it measured, so other processes keep about half of the machine and never wait longer than
  one measurement. Without it, on a machine that is busy with other work, the busy-waiting
  threads get a fraction of a CPU and the figures measure the neighbours (the `cpu_share` column
  says how much).
- **CSV files** (`bench/results/`): `ring-throughput.csv` has the columns
  `date,run,peer,size,records,seconds,Mrec_per_s,GB_per_s,probe_ns` followed by `cpu_share`
  and `preempts` (involuntary context switches of the two threads); `ring-latency.csv`,
  `ring-sweep.csv` (with `ring_bytes,huge,backing`), `ring-probe.csv` and `ring-load.csv` (the
  other processes' CPU use before each round, and the wait for near placement) are alike.
- **Warm-up and timing**: the consumer's clock starts after max(10 % of the records, two laps of
  the ring) and stops at the last record. Without `--records`, a measurement sizes itself with
  short trial runs to last the configured time, so a slow placement during the trial can make the
  final run shorter or longer than planned (the seconds column shows it).
""")
    # Earlier runs on other hosts, archived with their CSVs: their headline, marked as such.
    for d in sorted(glob.glob(os.path.join(args.results, "*-20[0-9][0-9]-*", "RESULTS.md"))):
        txt = open(d).read()
        title = txt.splitlines()[0].lstrip("# ").strip()
        a, b = txt.find("## Headline"), txt.find("## Throughput")
        if a < 0 or b < a:
            continue
        rel = os.path.relpath(d, os.path.dirname(os.path.abspath(args.out)))
        out.append("")
        out.append(f"## Earlier figures, another host: {title}\n")
        out.append(f"Not from this run and not comparable with it: another CPU, the ring before "
                   f"issue 7's changes, and the targets of the time (256 B ≥ 1.5× rte-burst, 8 B ≥ 2× "
                   f"rte-single). The whole report and its CSVs: [{rel}]({rel}).\n")
        out.append(txt[a:b].replace("\n## ", "\n### ").replace("\n### In plain words", "\n#### In plain words")
                   .replace("## Headline: sluice against the targets", "### Headline then: sluice against the targets of the time", 1).rstrip("\n"))
    # Hand-written notes (what an investigation found, with its own measurements) follow the
    # generated ring figures; they name their machine and commands themselves.
    notes = os.path.join(args.results, "ring-investigation.md")
    if os.path.exists(notes):
        out.append("")
        out.append(open(notes).read().rstrip("\n"))
    # The engine benchmark (bench/engine_bench.sh) writes its own section; RESULTS.md carries it
    # after the ring's, so one file holds every figure.
    engine = os.path.join(args.results, "ENGINE.md")
    if os.path.exists(engine):
        out.append("")
        out.append(open(engine).read().rstrip("\n"))
    # A/B runs of the engine against an earlier build (bench/engine_ab.sh), hand-written like the
    # ring's investigation notes.
    ab = os.path.join(args.results, "engine-ab.md")
    if os.path.exists(ab):
        out.append("")
        out.append(open(ab).read().rstrip("\n"))
    with open(args.out, "w") as f:
        f.write("\n".join(out) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
