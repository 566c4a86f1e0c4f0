#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Checks sluiced's enriched EVE output against the databases and the watchlist, independently:

  geo      every record's src_geo/dest_geo, field by field, equals what `mmdblookup` (libmaxminddb's
           own tool, a separate process) reads from the same files; private addresses have none
  alerts   the alert records are exactly those a re-implementation of the watchlist rules finds in
           the other records (domain exact/suffix, ip/cidr, ja3, ja4, country; once per flow and
           entry), with the matched record's addresses and the entry's tag, severity, signature
  ledger   --stats-json counts as many alert events as there are alert lines

  enrich_check.py OUT.json STATS.json CITY.mmdb ASN.mmdb WATCHLIST
"""
import ipaddress, json, re, subprocess, sys

out, stats_path, city_db, asn_db, wl_path = sys.argv[1:6]
fails = []

def fail(msg):
    if len(fails) < 20:
        print("FAIL", msg)
    fails.append(msg)

def mmdb(db, ip, *path):
    r = subprocess.run(["mmdblookup", "-f", db, "-i", ip] + list(path), capture_output=True, text=True)
    m = re.search(r'^\s*(.+?) <(\w+)>\s*$', r.stdout, re.M)
    if not m:
        return None
    v, t = m.group(1), m.group(2)
    if t == "utf8_string":
        return json.loads(v)  # mmdblookup prints it quoted, with JSON-style escapes
    if t in ("double", "float"):
        return float(v)
    return int(v)

def private(ip):
    a = ipaddress.ip_address(ip)
    if a.version == 4:
        return (a in ipaddress.ip_network("0.0.0.0/8") or a in ipaddress.ip_network("10.0.0.0/8") or
                a in ipaddress.ip_network("127.0.0.0/8") or a >= ipaddress.ip_address("224.0.0.0") or
                a in ipaddress.ip_network("100.64.0.0/10") or a in ipaddress.ip_network("169.254.0.0/16") or
                a in ipaddress.ip_network("172.16.0.0/12") or a in ipaddress.ip_network("192.168.0.0/16"))
    return a.is_private and not a in ipaddress.ip_network("2001:db8::/32") or a.is_multicast or a.is_link_local

geo_cache = {}
def expected_geo(ip):
    if ip in geo_cache:
        return geo_cache[ip]
    g = {}
    if not private(ip):
        for db in (city_db, asn_db):
            for key, path in (("country", ["country", "iso_code"]), ("city", ["city", "names", "en"]),
                              ("latitude", ["location", "latitude"]), ("longitude", ["location", "longitude"]),
                              ("asn", ["autonomous_system_number"]),
                              ("as_org", ["autonomous_system_organization"])):
                if key not in g:
                    v = mmdb(db, ip, *path)
                    if v is not None:
                        g[key] = v
        if ("latitude" in g) != ("longitude" in g):
            g.pop("latitude", None), g.pop("longitude", None)
    geo_cache[ip] = g or None
    return geo_cache[ip]

def same_geo(got, exp):
    if got is None or exp is None:
        return got is None and exp is None
    if set(got) != set(exp):
        return False
    for k, v in exp.items():
        if isinstance(v, float):
            if abs(got[k] - v) > 1e-6:
                return False
        elif got[k] != v:
            return False
    return True

# the watchlist, parsed the documented way
entries = []
for n, line in enumerate(open(wl_path, encoding="utf-8"), 1):
    f = line.split(None, 4)
    if not f or f[0].startswith("#"):
        continue
    kind, val, tag, sev = f[0].lower(), f[1], f[2], int(f[3])
    sig = f[4].strip() if len(f) > 4 else None
    if kind in ("ip", "cidr"):
        net = ipaddress.ip_network(val)
        norm = f"{net.network_address}/{net.prefixlen}"
        kind = "ip"
    elif kind == "domain":
        norm = val.lower().rstrip(".")
    elif kind == "country":
        norm = val.upper()
    else:
        norm = val.lower()
    entries.append(dict(kind=kind, entry=norm, tag=tag, severity=sev,
                        signature=sig or f"watchlist {tag}: {kind} {norm}"))

def match(kind, value):
    hits = []
    for i, e in enumerate(entries):
        if e["kind"] != kind:
            continue
        if kind == "ip":
            if ipaddress.ip_address(value) in ipaddress.ip_network(e["entry"]):
                hits.append(i)
        elif kind == "domain":
            v = value.lower().rstrip(".")
            if e["entry"].startswith("*."):
                base = e["entry"][2:]
                if v == base or v.endswith("." + base):
                    hits.append(i)
            elif v == e["entry"]:
                hits.append(i)
        elif kind == "country":
            if value.upper() == e["entry"]:
                hits.append(i)
        elif value.lower() == e["entry"]:
            hits.append(i)
    return hits

# the engine's own records (stats, http_summary) belong to no flow and carry no addresses
records = [r for r in (json.loads(l) for l in open(out, encoding="utf-8"))
           if r["event_type"] not in ("stats", "http_summary")]
expected, seen_flow, alerted = [], set(), set()
actual = []
geo_checked = 0
for r in records:
    for side, key in (("src_ip", "src_geo"), ("dest_ip", "dest_geo")):
        exp = expected_geo(r[side])
        if not same_geo(r.get(key), exp):
            fail(f"flow {r['flow_id']} {r['event_type']}: {key} {r.get(key)} != mmdblookup {exp}")
        geo_checked += 1
    if r["event_type"] == "alert":
        a, m = r["alert"], r["match"]
        actual.append((r["flow_id"], m["kind"], m["entry"], m["value"], m["field"], m["event_type"], a["watchlist"],
                       a["severity"], a["signature"], a["category"], r["src_ip"], r["dest_ip"]))
        continue
    fid = r["flow_id"]
    hits = []
    if fid not in seen_flow:
        seen_flow.add(fid)
        for side, field in (("src_ip", "src_ip"), ("dest_ip", "dest_ip")):
            hits += [(i, r[side], field) for i in match("ip", r[side])]
        for key in ("src_geo", "dest_geo"):
            c = (r.get(key) or {}).get("country")
            if c:
                hits += [(i, c, key + ".country") for i in match("country", c)]
    et = r["event_type"]
    if et == "http" and r["http"].get("hostname"):
        hits += [(i, r["http"]["hostname"], "http.hostname") for i in match("domain", r["http"]["hostname"])]
    if et == "tls":
        t = r["tls"]
        if t.get("sni"):
            hits += [(i, t["sni"], "tls.sni") for i in match("domain", t["sni"])]
        if t.get("ja3"):
            hits += [(i, t["ja3"]["hash"], "tls.ja3.hash") for i in match("ja3", t["ja3"]["hash"])]
        if t.get("ja4"):
            hits += [(i, t["ja4"], "tls.ja4") for i in match("ja4", t["ja4"])]
    if et == "dns":
        for q in r["dns"].get("queries", []):  # EVE v3: the questions of the message
            hits += [(i, q["rrname"], "dns.rrname") for i in match("domain", q["rrname"])]
    for i, value, field in hits:
        if (fid, i) in alerted:
            continue
        alerted.add((fid, i))
        e = entries[i]
        expected.append((fid, e["kind"].replace("ip", "ip"), e["entry"], value, field, et, e["tag"], e["severity"],
                         e["signature"], "watchlist", r["src_ip"], r["dest_ip"]))

if sorted(map(str, actual)) != sorted(map(str, expected)):
    a, e = set(map(str, actual)), set(map(str, expected))
    for x in sorted(a - e)[:5]:
        fail(f"alert not expected: {x}")
    for x in sorted(e - a)[:5]:
        fail(f"alert missing: {x}")
    fail(f"{len(actual)} alerts, {len(expected)} expected")

st = json.load(open(stats_path))
if st["events"].get("alert", 0) != len(actual):
    fail(f"ledger events.alert {st['events'].get('alert')} != {len(actual)} alert lines")
if st.get("enrich", {}).get("alerts") != len(actual):
    fail(f"ledger enrich.alerts {st.get('enrich', {}).get('alerts')} != {len(actual)}")
kinds = sorted({x[1] for x in actual})
print(f"enrich check: {len(records)} records, {geo_checked} addresses checked against mmdblookup "
      f"({sum(1 for g in geo_cache.values() if g)} distinct with geo), {len(actual)} alerts of kinds {kinds}, "
      f"{len(fails)} failures")
sys.exit(1 if fails else 0)
