/* SPDX-License-Identifier: MIT */
/*
 * The geoip analysis step: src_geo and dest_geo on every record of a flow whose addresses the
 * snapshot's databases know. The tree is walked once per flow and address (the result, where
 * the record lies, is cached in the flow with the databases' generation, so a reload makes
 * the flow look again); the record's fields are decoded through a per-worker cache keyed by
 * that place, so the many flows of one network decode it once. Nothing happens per packet.
 *
 * The step reads the databases of the batch's snapshot only (sl_an_runtime), so every record
 * is enriched from one set of databases.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/analysis.h"
#include "conf/conf.h"
#include "flow/flow.h"
#include "geoip.h"
#include "record_meta.h"
#include "runtime.h"
#include "worker.h"

#define CACHE_SLOTS 1024 /* decoded places per worker, direct mapped */

struct geo_flow {
	uint32_t gen;              /* the databases the refs come from; 0: not looked up */
	uint32_t pad;
	struct sl_geoip_ref ref[2]; /* of the flow key's src and dst */
};

struct cache_slot {
	uint32_t gen;
	uint8_t found;
	struct sl_geoip_ref ref;
	struct sl_geoip_val val;
};

struct geo_state {
	struct sl_analysis *an;
	struct cache_slot *cache;
	struct sl_meta_geo out[2];  /* what on_record hands the core: valid until the record ends */
	struct sl_geoip_val val[2];
	uint64_t lookups, found, decodes;
};

static int geo_init(struct sl_analysis *an, const struct sl_config *cfg, void **state, char *errbuf, size_t errlen)
{
	struct geo_state *st = calloc(1, sizeof *st);

	(void)cfg, (void)errbuf, (void)errlen;
	if (!st || !(st->cache = calloc(CACHE_SLOTS, sizeof *st->cache))) {
		free(st);
		return -ENOMEM;
	}
	st->an = an;
	*state = st;
	return 0;
}

static void geo_fini(void *state)
{
	struct geo_state *st = state;

	if (!st)
		return;
	free(st->cache);
	free(st);
}

/* The decoded fields of a place, from the cache or decoded into it. */
static const struct cache_slot *decode(struct geo_state *st, const struct sl_geoip *g, const struct sl_geoip_ref *ref)
{
	uint32_t gen = sl_geoip_gen(g);
	uint32_t h = (ref->city * 2654435761u) ^ (ref->asn * 0x9e3779b1u);
	struct cache_slot *s = &st->cache[(h ^ (h >> 15)) & (CACHE_SLOTS - 1)];

	if (s->gen != gen || s->ref.city != ref->city || s->ref.asn != ref->asn) {
		s->gen = gen;
		s->ref = *ref;
		s->found = (uint8_t)sl_geoip_decode(g, ref, &s->val);
		st->decodes++;
	}
	return s;
}

static const struct sl_meta_geo *part(struct geo_state *st, const struct sl_geoip *g, const struct sl_geoip_ref *ref,
                                      int i)
{
	if (!ref->city && !ref->asn)
		return NULL;
	const struct cache_slot *s = decode(st, g, ref);
	if (!s->found)
		return NULL;
	struct sl_geoip_val *v = &st->val[i];
	struct sl_meta_geo *m = &st->out[i];
	*v = s->val; /* a copy: the other address may evict the slot before the block is written */
	m->country = (struct sl_meta_str){ v->country_len ? v->country : NULL, v->country_len };
	m->city = (struct sl_meta_str){ v->city_len ? v->city : NULL, v->city_len };
	m->as_org = (struct sl_meta_str){ v->as_org_len ? v->as_org : NULL, v->as_org_len };
	m->lat_e6 = v->lat_e6;
	m->lon_e6 = v->lon_e6;
	m->asn = v->asn;
	m->flags = v->flags;
	return m;
}

static void geo_record(void *state, struct sl_flow *f, void *area, uint16_t type, const void *rec, uint32_t len,
                       struct sl_meta_enrichment *en)
{
	struct geo_state *st = state;
	struct geo_flow *gf = area;
	const struct sl_runtime *rt = sl_an_runtime(st->an);
	const struct sl_geoip *g = rt ? rt->geoip : NULL;
	const struct sl_ev_common *c = rec;

	(void)type, (void)len;
	if (!g)
		return;
	if (gf->gen != sl_geoip_gen(g)) {
		gf->gen = sl_geoip_gen(g);
		st->lookups += 2;
		st->found += (uint64_t)sl_geoip_lookup(g, f->key.ip_version, f->key.src, &gf->ref[0]);
		st->found += (uint64_t)sl_geoip_lookup(g, f->key.ip_version, f->key.dst, &gf->ref[1]);
	}
	/* the record's src is the flow's src, or its dst for a record of the other direction */
	int swap = memcmp(c->src, f->key.src, 16) != 0;
	en->src = part(st, g, &gf->ref[swap], 0);
	en->dst = part(st, g, &gf->ref[!swap], 1);
}

static void geo_counters(const void *state, struct sl_analysis_counters *c)
{
	const struct geo_state *st = state;

	c->geoip_lookups += st->lookups;
	c->geoip_found += st->found;
	c->geoip_decodes += st->decodes;
}

static const struct sl_analysis_ops geo_ops = {
	.flow_bytes = sizeof(struct geo_flow),
	.record_bytes = 2 * (SL_GEOIP_COUNTRY_MAX + SL_GEOIP_CITY_MAX + SL_GEOIP_ORG_MAX),
	.init = geo_init,
	.on_record = geo_record,
	.counters = geo_counters,
	.fini = geo_fini,
};

const struct sl_module sl__analysis_geoip = {
	.name = "geoip",
	.kind = SL_MODULE_ANALYSIS,
	.conf = &sl__geoip_conf,
	.analysis = &geo_ops,
};

#define SL_CONF_STRUCT struct sl_geoip_conf
#include "conf/conf_rows.h"
static const struct sl_conf_key geoip_keys[] = {
	BOOL("app.geoip.enabled", enabled, "false",
	     "add src_geo and dest_geo (country, city, location, asn, as_org) to every record", LIVE),
	STRING("app.geoip.city-db", city_db, "", 0, 0, NULL,
	       "City database (MMDB: GeoLite2/GeoIP2-City or DB-IP city), re-read at every SIGHUP", LIVE),
	STRING("app.geoip.asn-db", asn_db, "", 0, 0, NULL,
	       "ASN database (MMDB: GeoLite2-ASN or DB-IP ASN), re-read at every SIGHUP", LIVE),
};
const struct sl_conf_block sl__geoip_conf = { "app.geoip", sizeof(struct sl_geoip_conf), geoip_keys,
	                                      sizeof(geoip_keys) / sizeof(geoip_keys[0]) };
