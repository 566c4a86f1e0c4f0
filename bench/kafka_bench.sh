#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The Kafka sink beside `kcat -P`, same data, same broker, same run: records per second into
# Kafka and records per CPU-second. sluiced reads a synthetic pcap end to end (decode, flows,
# HTTP/DNS/TLS, EVE JSON, the Kafka sink); kcat -P is given the very JSON lines sluiced's file
# sink writes from that pcap, so it does only the producing. Both use acks=all, the idempotent
# producer, no compression, and each waits for every acknowledgement before it exits. The
# broker is librdkafka's mock cluster (sluice-kafka-mock, 127.0.0.1), started fresh for each
# measurement. Rounds interleave the two; the report gives each side's median and min-max, and
# the median and min-max of the per-round ratio sluiced / kcat.
#   bench/kafka_bench.sh BUILD_DIR [ROUNDS] [PACKETS]     (defaults 5, 300000)
set -uo pipefail  # (not -e: the service helpers expect kill to fail on a process already gone)
build=$(cd "$1" && pwd)
rounds=${2:-5}
packets=${3:-300000}
sluiced=$build/engine/sluiced synth=$build/engine/capture/sluice-synth mock=$build/tests/sluice-kafka-mock
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../tests/services/kafka_mock.sh"
tmp=$(mktemp -d /tmp/sluice-kafka-bench-XXXXXX)
trap 'km_stop; rm -rf "$tmp"' EXIT
parts=16
topics="--topic sl.flow:$parts --topic sl.http:$parts --topic sl.tls:$parts --topic sl.dns:$parts --topic kcat.all:$parts"

"$synth" -o "$tmp/s.pcap" -n "$packets" -f 20000 -s 7 -m dns=3,http=1,tls=1 >/dev/null
"$sluiced" -q -r "$tmp/s.pcap" -o "$tmp/eve.json" --set 'outputs.file.types=[flow, http, tls, dns]' 2>/dev/null
records=$(wc -l <"$tmp/eve.json")

# wall and CPU seconds (user + system) of one command
measure() { /usr/bin/time -f '%e %U %S' -o "$tmp/time" "$@" >/dev/null 2>"$tmp/err" || { cat "$tmp/err" >&2; return 1; }; cat "$tmp/time"; }

out=$tmp/rows
: >"$out"
for r in $(seq 1 "$rounds"); do
  for side in sluiced kcat; do
    km_start "$mock" "$tmp" $topics
    if [ $side = sluiced ]; then
      rm -rf "$tmp/spool"
      t=$(measure "$sluiced" -q -r "$tmp/s.pcap" -o /dev/null --set outputs.file.enabled=false \
        --set outputs.kafka.enabled=true --set outputs.kafka.brokers="$KM_BOOTSTRAP" \
        --set outputs.kafka.topic-prefix=sl. --set outputs.kafka.spool-dir="$tmp/spool" \
        --set 'outputs.kafka.types=[flow, http, tls, dns]' --stats-json "$tmp/l.json")
      n=$(python3 -c "import json;d=json.load(open('$tmp/l.json'));print([s['delivered'] for s in d['sinks'] if s['name']=='kafka'][0])")
    else
      t=$(measure kcat -P -b "$KM_BOOTSTRAP" -t kcat.all -X acks=all -X enable.idempotence=true -l "$tmp/eve.json")
      n=$records
    fi
    km_stop
    echo "$r $side $n $t" >>"$out"
    echo "round $r $side: $n records, wall/user/sys $t" >&2
  done
done

python3 - "$out" "$records" "$packets" "$rounds" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
records, packets, rounds = int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
cpu = next((l.split(':', 1)[1].strip() for l in open('/proc/cpuinfo') if l.startswith('model name')), '?')
by = {}
for r, side, n, wall, user, sys_ in rows:
    by.setdefault(side, {})[int(r)] = (int(n), float(wall), float(user) + float(sys_))
def rate(v): return v[0] / v[1]
def per_cpu(v): return v[0] / v[2] if v[2] > 0 else float('nan')
def mmm(xs): return "%.0f (%.0f-%.0f)" % (statistics.median(xs), min(xs), max(xs))
def rat(xs): return "%.2f (%.2f-%.2f)" % (statistics.median(xs), min(xs), max(xs))
print("CPU: %s; %d records (%s synthetic packets) per measurement, %d rounds" % (cpu, records, packets, rounds))
print()
print("| side | records/s median (min-max) | records per CPU-second median (min-max) |")
print("|---|---|---|")
for side in ("sluiced", "kcat"):
    v = list(by[side].values())
    print("| %s | %s | %s |" % ("sluiced -r pcap, Kafka sink" if side == "sluiced" else "kcat -P (the same JSON lines)",
                              mmm([rate(x) for x in v]), mmm([per_cpu(x) for x in v])))
rs = [rate(by['sluiced'][r]) / rate(by['kcat'][r]) for r in by['sluiced']]
cs = [per_cpu(by['sluiced'][r]) / per_cpu(by['kcat'][r]) for r in by['sluiced']]
print()
print("ratio sluiced / kcat, per round: records/s %s, records per CPU-second %s" % (rat(rs), rat(cs)))
missing = [r for r in by['sluiced'] if by['sluiced'][r][0] != records]
print("every sluiced round delivered all %d records: %s" % (records, "yes" if not missing else "no, rounds %s" % missing))
PY
