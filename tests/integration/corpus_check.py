#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Runs sluiced over every capture of the shared corpus and checks the facts its manifest
lists (HTTP hosts, URIs and user agents, TLS SNIs and versions, DNS names and answers, flow
counters, VLANs, decode errors), plus what must hold for every file: exit status 0 and a
ledger that balances. Prints every fact that did not match and the fraction that did; fails
when the fraction is below the floor (--min), which is set to what sluice reaches so that a
regression fails the suite.

    corpus_check.py --sluiced build/engine/sluiced --corpus ../shared/corpus [--min 0.95]
"""
import argparse
import ipaddress
import json
import os
import subprocess
import sys
import tempfile

# manifest key -> (EVE object, EVE key)
HTTP_KEYS = {
    "method": "http_method", "host": "hostname", "uri": "url", "user_agent": "http_user_agent",
    "protocol": "protocol", "status": "status", "content_type": "http_content_type",
    "response_length": "length",
}
# facts sluice does not produce (bodies, files): reported as skipped, not as matched
HTTP_SKIP = {"response_body", "filename", "transfer_encoding"}

# Files the peer ran with settings of its own: run sluice the same way.
PEER_SETTINGS = {
    "sv-bug-4376.pcap": ["--set", "flow.use-vlan=false"],  # vlan.use-for-tracking=false
}

# Facts the manifest states in a way sluice cannot be held to, each with the reason. They are
# reported, not counted.
NOT_COMPARABLE = {
    ("sv-lua-memleak.pcap", "response_length"):
        "the peer read it at its alert (packet 7, 1201 body bytes seen); sluice logs the completed "
        "transaction (Content-Length 1387, all of it captured)",
}

# Peer tests whose raw checks on dns and tls events are compared field by field (the others
# ran Suricata with logging filters of their own: answer-only, one rrtype, ...). Keys sluice
# has no equivalent of are left out of the match.
PEER_FIELD_TESTS = {
    "tests/tls/tls-pre-1970/test.yaml", "tests/tls/tls13-draft28/test.yaml",
    "tests/tls/tls-client-hello-frag-01/test.yaml", "tests/tls/tls-subjectaltname/test.yaml",
    "tests/dns/dns-udp-eve-dig/test.yaml", "tests/dns/dns-udp-eve-txt/test.yaml",
    "tests/dns/dns-udp-eve-log-srv/test.yaml", "tests/dns-eve-v2-udp-nxdomain-soa/test.yaml",
    "tests/dns/dns-forward-pointer/test.yaml", "tests/dns/dns-tcp-www-google-com/test.yaml",
}
PEER_SKIP_KEYS = {"pcap_cnt", "pkt_src"}


def path_get(e, path):
    """The value at a suricata-verify path such as dns.answers[0].srv.port (None if absent);
    a trailing .__len is the length of the list."""
    cur = e
    for part in path.split("."):
        if part == "__len":
            return len(cur) if isinstance(cur, list) else None
        idx = None
        if part.endswith("]") and "[" in part:
            part, idx = part[:-1].split("[")
        if not isinstance(cur, dict) or part not in cur:
            return None
        cur = cur[part]
        if idx is not None:
            if not isinstance(cur, list) or int(idx) >= len(cur):
                return None
            cur = cur[int(idx)]
    return cur


def check_peer_fields(name, entry, events, c):
    for t in entry.get("peer_checks") or []:
        if t.get("test_yaml") not in PEER_FIELD_TESTS:
            continue
        for chk in t.get("checks", []):
            m = chk.get("match", {})
            if m.get("event_type") not in ("dns", "tls"):
                continue
            want = {k: v for k, v in m.items() if k not in PEER_SKIP_KEYS}
            n = sum(1 for e in events if all(path_get(e, k) == v for k, v in want.items()))
            c.fact(f"{name}: peer check {json.dumps(want)[:160]} x{chk.get('count')}", n == chk.get("count"),
                   f"{n} events match")


def canon(ip):
    """One spelling per address: EVE writes IPv6 in full, the manifest compressed."""
    try:
        return str(ipaddress.ip_address(ip))
    except ValueError:
        return ip


def endpoint(ip, port):
    ip = canon(ip)
    return f"[{ip}]:{port}" if ":" in ip else f"{ip}:{port}"


def ev_src(e):
    return endpoint(e.get("src_ip", ""), e.get("src_port", 0))


def ev_dst(e):
    return endpoint(e.get("dest_ip", ""), e.get("dest_port", 0))


class Checker:
    def __init__(self):
        self.matched = 0
        self.total = 0
        self.skipped = 0
        self.failures = []

    def fact(self, name, ok, detail=""):
        self.total += 1
        if ok:
            self.matched += 1
        else:
            self.failures.append(f"{name}: {detail}" if detail else name)

    def skip(self, n=1):
        self.skipped += n


def match_http(e, want):
    h = e.get("http", {})
    for k, v in want.items():
        if k in HTTP_SKIP or k == "note":
            continue
        if k == "src":
            if ev_src(e) != v:
                return False
        elif k == "dst":
            if ev_dst(e) != v:
                return False
        elif k in HTTP_KEYS:
            if h.get(HTTP_KEYS[k]) != v:
                return False
    return True


def match_tls(e, want):
    t = e.get("tls", {})
    for k, v in want.items():
        if k == "note":
            continue
        if k == "src" and ev_src(e) != v:
            return False
        if k == "dst" and ev_dst(e) != v:
            return False
        if k == "sni" and v is not None and t.get("sni") != v:
            return False
        if k == "version" and t.get("version") != v:
            return False
    return True


def dns_answers_match(have, want):
    for w in want:
        if not any(all(a.get(k) == v for k, v in w.items()) for a in have):
            return False
    return True


def authority_match(have, want):
    """An authority entry of the wanted type whose rdata object holds every wanted value."""
    rrtype = want.get("rrtype")
    for a in have:
        if a.get("rrtype") != rrtype:
            continue
        obj = a.get(rrtype.lower(), {}) if rrtype in ("SOA", "SRV", "SSHFP") else a
        if all(obj.get(k) == v for k, v in want.items() if k != "rrtype"):
            return True
    return False


def match_dns(e, want):
    """EVE v3 (Suricata 8): one event per message, questions in dns.queries[]."""
    d = e.get("dns", {})
    if d.get("type") != want.get("type"):
        return False
    q0 = (d.get("queries") or [{}])[0]
    for k, v in want.items():
        if k in ("type", "note", "counts", "edns"):
            continue
        if k == "query" and q0.get("rrname") != v:
            return False
        if k == "qtype" and q0.get("rrtype") != v:
            return False
        if k == "rcode" and d.get("rcode") != v:
            return False
        if k == "id" and d.get("id") != v:
            return False
        if k == "aa" and bool(d.get("aa")) != v:
            return False
        if k == "src" and ev_src(e) != v:
            return False
        if k == "dst" and ev_dst(e) != v:
            return False
        if k == "src_ip" and canon(e.get("src_ip", "")) != canon(v):
            return False
        if k == "dst_ip" and canon(e.get("dest_ip", "")) != canon(v):
            return False
        if k == "src_port" and e.get("src_port") != v:
            return False
        if k == "answers" and not dns_answers_match(d.get("answers", []), v):
            return False
        if k == "answer_rrtype" and not any(a.get("rrtype") == v for a in d.get("answers", [])):
            return False
        if k == "authority" and not authority_match(d.get("authorities", []), v):
            return False
    return True


def match_flow(e, want):
    f = e.get("flow", {})
    for k, v in want.items():
        if k in ("source", "count", "note"):
            continue
        if k in ("pkts_toserver", "pkts_toclient", "bytes_toserver", "bytes_toclient"):
            if f.get(k) != v:
                return False
        elif k == "vlan":
            if e.get("vlan") != v:
                return False
        elif k in ("src_ip", "dest_ip"):
            if canon(e.get(k, "")) != canon(v):
                return False
        elif e.get(k) != v:
            return False
    return True


def check_file(entry, events, ledger, c):
    name = os.path.basename(entry["file"])
    exp = entry.get("expected", {})
    by_type = {}
    for e in events:
        by_type.setdefault(e.get("event_type"), []).append(e)
    https, tlss, dnss, flows = (by_type.get(t, []) for t in ("http", "tls", "dns", "flow"))

    def comparable(key):
        why = NOT_COMPARABLE.get((name, key))
        if why:
            c.skip()
            print(f"not compared: {name} {key}: {why}")
        return why is None

    for w in exp.get("http", []) if isinstance(exp.get("http"), list) else []:
        keys = {k for k in w if k not in HTTP_SKIP and k != "note" and comparable(k)}
        w = {k: w[k] for k in keys}
        c.skip(len(set(w) & HTTP_SKIP))
        if keys:
            c.fact(f"{name}: http {w.get('method', '')} {w.get('host', '')}{w.get('uri', '')}",
                   any(match_http(e, w) for e in https), f"no http event with {json.dumps({k: w[k] for k in keys})}")
    for w in exp.get("tls", []) if isinstance(exp.get("tls"), list) else []:
        c.fact(f"{name}: tls sni={w.get('sni')} version={w.get('version')}", any(match_tls(e, w) for e in tlss),
               f"tls events: {[(e.get('tls', {}).get('sni'), e.get('tls', {}).get('version')) for e in tlss][:5]}")
    for w in exp.get("dns", []) if isinstance(exp.get("dns"), list) else []:
        if "queries" in w:
            # every question in one event's dns.queries[], at its place
            for i, q in enumerate(w["queries"]):
                def has_query(e, i=i, q=q):
                    qs = e.get("dns", {}).get("queries", [])
                    return e.get("dns", {}).get("type") == w["type"] and len(qs) > i and \
                        (qs[i].get("rrname"), qs[i].get("rrtype")) == (q["rrname"], q["rrtype"])
                c.fact(f"{name}: dns {w['type']} queries[{i}] {q['rrname']}", any(has_query(e) for e in dnss))
            continue
        c.fact(f"{name}: dns {w.get('type')} {w.get('query', '')} {w.get('qtype', '')}",
               any(match_dns(e, w) for e in dnss), f"{len(dnss)} dns events")
    for w in exp.get("flows", []):
        if "upto_frame" in w:
            c.skip()
            continue
        n = sum(1 for e in flows if match_flow(e, w))
        want = w.get("count", 1)
        c.fact(f"{name}: flow {json.dumps({k: v for k, v in w.items() if k != 'source'})}",
               n == want if "count" in w else n >= 1, f"{n} matching flow events of {len(flows)}")
    vl = exp.get("vlan")
    if vl:
        wanted = vl if isinstance(vl[0], list) else [vl]
        seen = {tuple(e["vlan"]) for e in events if "vlan" in e}
        for v in wanted:
            if seen or flows:
                c.fact(f"{name}: vlan {v}", tuple(v) in seen, f"seen {sorted(seen)}")
            else:
                # no IP, so no record carries the tags (QinQ ARP): unit.decode checks the ids
                c.skip()
                print(f"not compared: {name} vlan {v}: no record carries it (non-IP frames); unit.decode checks the ids")
    for key, evs, pred in (("http_tx_count", https, None), ("tls_event_count", tlss, None),
                           ("dns_event_count", dnss, None), ("flow_event_count", flows, None)):
        w = exp.get(key)
        if w is None or not comparable(key):
            continue
        if isinstance(w, int):
            c.fact(f"{name}: {key} {w}", len(evs) == w, f"got {len(evs)}")
        else:
            for k, want in w.items():
                if k.startswith("src_"):
                    n = sum(1 for e in evs if canon(e.get("src_ip", "")) == canon(k[4:]))
                elif k.startswith("request_from_"):
                    n = sum(1 for e in evs if canon(e.get("src_ip", "")) == canon(k[13:]) and e["dns"]["type"] == "request")
                elif k.startswith("response_to_"):
                    n = sum(1 for e in evs if canon(e.get("dest_ip", "")) == canon(k[12:]) and e["dns"]["type"] == "response")
                else:
                    c.skip()
                    continue
                c.fact(f"{name}: {key} {k} {want}", n == want, f"got {n}")
    if "subjectaltname" in exp.get("notes", ""):
        c.fact(f"{name}: every tls event carries a subjectaltname", bool(tlss) and all(
            e.get("tls", {}).get("subjectaltname") for e in tlss), f"{len(tlss)} tls events")
    check_peer_fields(name, entry, events, c)
    common = exp.get("http_common")
    if common:
        c.fact(f"{name}: every http event has {common}",
               bool(https) and all(match_http(e, common) for e in https))
    mal = exp.get("malformed")
    if isinstance(mal, list):
        # a packet cut by the capture's snap length decodes (flagged), a broken one does not
        issues = sum(1 for m in mal if "issue" in m)
        errs = sum(ledger["decode"]["errors"].values()) + ledger["decode"].get("truncated", 0)
        c.fact(f"{name}: {issues} malformed or cut packets counted", errs >= issues,
               f"decode errors {ledger['decode']['errors']}, truncated {ledger['decode'].get('truncated')}")
    ra = exp.get("reassembly")
    if ra:
        ports = (ra.get("src") or "").rsplit(":", 1)
        sport = int(ports[1]) if len(ports) == 2 else ra.get("src_port")
        ok = any(e.get("src_port") == sport or e.get("dest_port") == sport for e in flows)
        c.fact(f"{name}: reassembled datagram reaches a flow (port {sport})", ok,
               f"flows: {[(e.get('src_port'), e.get('dest_port')) for e in flows]}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sluiced", required=True)
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--min", type=float, default=1.0, help="fail below this fraction of facts matched")
    ap.add_argument("--workers", default="2")
    ap.add_argument("--only", help="check only files whose name contains this")
    args = ap.parse_args()

    manifest = json.load(open(os.path.join(args.corpus, "manifest.json")))
    c = Checker()
    with tempfile.TemporaryDirectory(prefix="sluice-corpus-") as tmp:
        for entry in manifest["files"]:
            if args.only and args.only not in entry["file"]:
                continue
            pcap = os.path.join(args.corpus, entry["file"])
            base = os.path.basename(pcap)
            out = os.path.join(tmp, base + ".json")
            led = os.path.join(tmp, base + ".ledger.json")
            p = subprocess.run([args.sluiced, "-q", "-r", pcap, "-w", args.workers, "-o", out, "--stats-json", led]
                               + PEER_SETTINGS.get(base, []), capture_output=True, text=True, timeout=120)
            c.fact(f"{base}: sluiced exits 0", p.returncode == 0, f"exit {p.returncode}: {p.stderr[-800:]}")
            if p.returncode not in (0, 3) or not os.path.exists(led):
                continue
            ledger = json.load(open(led))
            c.fact(f"{base}: ledger balances", ledger.get("balanced") is True, p.stderr[-600:])
            c.fact(f"{base}: packets read = manifest ({entry['packets']})",
                   ledger["capture"]["packets"] == entry["packets"], f"read {ledger['capture']['packets']}")
            events = []
            bad_json = 0
            for line in open(out, encoding="utf-8") if os.path.exists(out) else []:
                try:
                    events.append(json.loads(line))
                except json.JSONDecodeError:
                    bad_json += 1
            c.fact(f"{base}: every line is JSON", bad_json == 0, f"{bad_json} bad lines")
            c.fact(f"{base}: events in the ledger = lines written",
                   sum(ledger["events"].values()) == len(events) + bad_json,
                   f"ledger {ledger['events']} vs {len(events)} lines")
            check_file(entry, events, ledger, c)

    for f in c.failures:
        print("MISMATCH", f)
    frac = c.matched / c.total if c.total else 0.0
    print(f"corpus: {c.matched} of {c.total} facts matched ({100 * frac:.1f}%), {c.skipped} not checked "
          f"(each with its reason above, or a fact sluice does not produce)")
    print(f"{c.matched} passed, {c.total - c.matched} failed")
    if frac + 1e-9 < args.min:
        print(f"corpus: below the floor of {100 * args.min:.1f}%")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
