/* SPDX-License-Identifier: MIT */
/*
 * Bounded IP reassembly (contract in defrag.h).
 *
 * Memory, all from sl_defrag_init():
 *   trk[max_trackers]   one per datagram in progress; free ones chained through hnext
 *   bucket[nbuckets]    hash heads of live trackers (chains through hnext)
 *   pool / cover        nblocks blocks of SL_DEFRAG_BLOCK bytes and their coverage words
 *   blk_next            the free list of blocks
 *   out                 the one output buffer
 *
 * A tracker's map[i] is the block holding payload bytes [i * BLOCK, (i + 1) * BLOCK), or NIL.
 * Fragment offsets are multiples of 8 (both IP versions count them in 8-byte units), so an
 * 8-byte unit is either wholly held or not at all; only the datagram's last unit may be
 * short, and only the last fragment (which fixes the end) can write it.
 *
 * Invariants:
 *   1. First wins: a fragment only writes the units whose coverage bit is clear.
 *   2. t->have is the number of payload bytes whose unit is covered; no unit at or past
 *      t->max_end is covered; so once the last fragment fixed t->total, have == total means
 *      the payload is whole.
 *   3. Blocks: free_blocks + blocks mapped by live trackers == nblocks.
 *   4. The age list holds exactly the live trackers, in order of creation.
 */
#include "defrag.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"

#define NIL UINT32_MAX
#define OUT_SIZE (SL_DEFRAG_HDR_MAX + 65535u)

#define UNITS (SL_DEFRAG_BLOCK / 8)
#define MAP_SLOTS ((65536 + SL_DEFRAG_BLOCK - 1) / SL_DEFRAG_BLOCK)
_Static_assert(UNITS == 64, "one 64-bit coverage word per block");

struct sl__defrag_tracker {
	uint8_t src[16], dst[16];
	uint32_t id;
	uint16_t vlan[2];
	uint8_t version, proto;
	uint8_t has_first, has_last;
	uint8_t refused;  /* too many fragments: later ones are dropped until it times out */
	uint16_t frags;   /* fragments offered to it */
	uint32_t hnext, age_prev, age_next;
	uint64_t first_ts;
	uint32_t total;   /* payload length, known once has_last */
	uint32_t have;    /* payload bytes held */
	uint32_t max_end; /* end of the furthest fragment held */
	uint32_t blocks;  /* pool blocks held */
	uint32_t lo_map, hi_map; /* map[] slots [lo, hi) may be set: freeing walks only those */
	uint16_t hdr_len; /* bytes in hdr (the unfragmentable part) */
	uint16_t nh_off;  /* IPv6: where in hdr the next-header byte to patch is */
	uint8_t next;     /* protocol of the reassembled payload */
	uint32_t map[MAP_SLOTS];
	uint8_t hdr[SL_DEFRAG_HDR_MAX];
};

static const char *const defrag_names[] = {
#define SL_DEFRAG_NAME(name, text) text,
	SL_DEFRAG_REASONS(SL_DEFRAG_NAME)
#undef SL_DEFRAG_NAME
};

const char *sl_defrag_reason_name(int result)
{
	if (result < 0 || result >= SL_DEFRAG_REASON_COUNT)
		return "unknown";
	return defrag_names[result];
}

void sl_defrag_fini(struct sl_defrag *df)
{
	if (df == NULL)
		return;
	free(df->trk);
	free(df->bucket);
	free(df->pool);
	free(df->cover);
	free(df->blk_next);
	free(df->out);
	memset(df, 0, sizeof(*df));
}

int sl_defrag_init(struct sl_defrag *df, unsigned max_trackers, size_t pool_bytes,
                   uint64_t timeout_ns)
{
	size_t nb = pool_bytes / SL_DEFRAG_BLOCK;
	uint32_t i, nbuck = 1;

	memset(df, 0, sizeof(*df));
	if (max_trackers == 0 || max_trackers > (1u << 24) || nb == 0 || nb >= NIL / 2)
		return -EINVAL;
	while (nbuck < max_trackers * 2u)
		nbuck <<= 1;
	df->trk = calloc(max_trackers, sizeof(*df->trk));
	if (df->trk == NULL)
		goto fail;
	df->bucket = malloc(nbuck * sizeof(*df->bucket));
	if (df->bucket == NULL)
		goto fail;
	df->pool = malloc(nb * SL_DEFRAG_BLOCK);
	if (df->pool == NULL)
		goto fail;
	df->blk_next = malloc(nb * sizeof(*df->blk_next));
	if (df->blk_next == NULL)
		goto fail;
	df->cover = calloc(nb, sizeof(*df->cover));
	if (df->cover == NULL)
		goto fail;
	df->out = malloc(OUT_SIZE);
	if (df->out == NULL)
		goto fail;

	df->nbuckets = nbuck;
	df->max_trackers = max_trackers;
	df->nblocks = (uint32_t)nb;
	df->timeout_ns = timeout_ns;
	for (i = 0; i < nbuck; i++)
		df->bucket[i] = NIL;
	for (i = 0; i < max_trackers; i++)
		df->trk[i].hnext = i + 1 < max_trackers ? i + 1 : NIL;
	df->free_trk = 0;
	for (i = 0; i < df->nblocks; i++)
		df->blk_next[i] = i + 1 < df->nblocks ? i + 1 : NIL;
	df->free_blk = 0;
	df->free_blocks = df->nblocks;
	df->oldest = df->newest = NIL;
	return 0;
fail:
	sl_defrag_fini(df);
	return -ENOMEM;
}

static uint32_t key_hash(const struct sl_defrag *df, const struct sl_decoded *d)
{
	uint32_t h = 2166136261u;
	unsigned i;

	/* FNV-1a over the key; enough spread for a table sized twice the trackers */
	for (i = 0; i < 16; i++)
		h = (h ^ (uint32_t)(d->src[i] ^ d->dst[i])) * 16777619u;
	if (d->ip_version == 4) /* IPv6 keys have no protocol (RFC 8200) */
		h = (h ^ d->proto) * 16777619u;
	for (i = 0; i < 4; i++)
		h = (h ^ ((d->frag.id >> (8 * i)) & 0xff)) * 16777619u;
	h = (h ^ (uint32_t)(d->vlan[0] ^ (d->vlan[1] << 4))) * 16777619u;
	return h & (df->nbuckets - 1);
}

static int key_match(const struct sl__defrag_tracker *t, const struct sl_decoded *d)
{
	return t->version == d->ip_version && t->id == d->frag.id &&
	       (d->ip_version == 6 || t->proto == d->proto) && t->vlan[0] == d->vlan[0] &&
	       t->vlan[1] == d->vlan[1] && memcmp(t->src, d->src, 16) == 0 &&
	       memcmp(t->dst, d->dst, 16) == 0;
}

static void free_blocks(struct sl_defrag *df, struct sl__defrag_tracker *t)
{
	for (uint32_t i = t->lo_map; i < t->hi_map && t->blocks; i++) {
		uint32_t b = t->map[i];

		if (b == NIL)
			continue;
		df->blk_next[b] = df->free_blk;
		df->free_blk = b;
		df->free_blocks++;
		t->map[i] = NIL;
		t->blocks--;
	}
	t->blocks = 0;
	t->lo_map = t->hi_map = 0;
}

static void tracker_reset_map(struct sl__defrag_tracker *t)
{
	for (uint32_t i = 0; i < MAP_SLOTS; i++)
		t->map[i] = NIL;
	t->lo_map = t->hi_map = 0;
}

/* Unlink tracker `ti` (whose key hashes to `b`) and return it to the free list. */
static void tracker_free(struct sl_defrag *df, uint32_t ti, uint32_t b)
{
	struct sl__defrag_tracker *t = &df->trk[ti];
	uint32_t *pp = &df->bucket[b];

	free_blocks(df, t);
	while (*pp != NIL && *pp != ti)
		pp = &df->trk[*pp].hnext;
	if (*pp == ti)
		*pp = t->hnext;
	if (t->age_prev != NIL)
		df->trk[t->age_prev].age_next = t->age_next;
	else
		df->oldest = t->age_next;
	if (t->age_next != NIL)
		df->trk[t->age_next].age_prev = t->age_prev;
	else
		df->newest = t->age_prev;
	t->hnext = df->free_trk;
	df->free_trk = ti;
	df->live--;
}

/* The bucket a live tracker sits in: recomputed from its key, so trackers need not store it. */
static uint32_t tracker_bucket(const struct sl_defrag *df, const struct sl__defrag_tracker *t)
{
	struct sl_decoded k;

	memset(&k, 0, sizeof(k));
	memcpy(k.src, t->src, 16);
	memcpy(k.dst, t->dst, 16);
	k.proto = t->proto;
	k.ip_version = t->version;
	k.frag.id = t->id;
	k.vlan[0] = t->vlan[0];
	k.vlan[1] = t->vlan[1];
	return key_hash(df, &k);
}

static void evict_oldest(struct sl_defrag *df)
{
	uint32_t ti = df->oldest;

	if (ti == NIL)
		return;
	tracker_free(df, ti, tracker_bucket(df, &df->trk[ti]));
	df->ctr.evicted++;
}

unsigned sl_defrag_expire(struct sl_defrag *df, uint64_t now_ns)
{
	unsigned n = 0;

	while (df->oldest != NIL) {
		struct sl__defrag_tracker *t = &df->trk[df->oldest];

		if (now_ns < t->first_ts || now_ns - t->first_ts < df->timeout_ns)
			break;
		tracker_free(df, df->oldest, tracker_bucket(df, t));
		df->ctr.timeouts++;
		n++;
	}
	return n;
}

/* Keep the unfragmentable part of the first fragment; for IPv6 also find the next-header
 * byte that names the fragment header, to point it at the payload after reassembly. */
static int keep_header(struct sl__defrag_tracker *t, const struct sl_decoded *d)
{
	uint32_t hl = (uint32_t)(d->l4 - d->l3);
	uint32_t off, nh_off;
	uint8_t nh;

	if (d->ip_version == 6)
		hl = d->frag.hdr_off;
	if (hl > SL_DEFRAG_HDR_MAX)
		return SL_DEFRAG_HEADER_TOO_LONG;
	if (hl < (d->ip_version == 6 ? 40u : 20u))
		return SL_DEFRAG_BAD_FRAGMENT;
	memcpy(t->hdr, d->l3, hl);
	t->hdr_len = (uint16_t)hl;
	t->next = d->frag.next;
	if (d->ip_version == 4)
		return SL_DEFRAG_NEED_MORE;
	nh_off = 6;
	nh = t->hdr[6];
	off = 40;
	while (off < hl) {
		uint32_t len;

		if (hl - off < 2)
			return SL_DEFRAG_BAD_FRAGMENT;
		len = nh == 51 ? ((uint32_t)t->hdr[off + 1] + 2) * 4 : ((uint32_t)t->hdr[off + 1] + 1) * 8;
		nh_off = off;
		nh = t->hdr[off];
		off += len;
	}
	if (off != hl || nh != 44)
		return SL_DEFRAG_BAD_FRAGMENT;
	t->nh_off = (uint16_t)nh_off;
	return SL_DEFRAG_NEED_MORE;
}

/* The units of block slot i that [s, e) covers, as a mask of its coverage word. */
static uint64_t range_mask(uint32_t i, uint32_t s, uint32_t e)
{
	uint32_t u0 = s / 8, u1 = (e - 1) / 8, base = i * UNITS;
	uint32_t lo = u0 > base ? u0 - base : 0, hi = u1 < base + UNITS - 1 ? u1 - base : UNITS - 1;
	uint64_t m = hi == UNITS - 1 ? ~UINT64_C(0) : (UINT64_C(1) << (hi + 1)) - 1;

	return m & ~((UINT64_C(1) << lo) - 1);
}

/* Payload bytes of the units in mask (of slot i), the datagram's short last unit counted
 * short: only a fragment ending at e, not a multiple of 8, has one. */
static uint32_t mask_bytes(uint32_t i, uint64_t mask, uint32_t e)
{
	uint32_t n = (uint32_t)__builtin_popcountll(mask) * 8;
	uint32_t last = (e - 1) / 8;

	if ((e & 7) && last / UNITS == i && (mask >> (last % UNITS) & 1))
		n -= 8 - (e & 7);
	return n;
}

/* Blocks [s, e) needs that the tracker does not have yet; *overlap: some of its units are
 * held already. */
static uint32_t blocks_needed(struct sl_defrag *df, const struct sl__defrag_tracker *t, uint32_t s, uint32_t e,
                              int *overlap)
{
	uint32_t need = 0;

	*overlap = 0;
	for (uint32_t i = s / SL_DEFRAG_BLOCK; i <= (e - 1) / SL_DEFRAG_BLOCK; i++) {
		df->ctr.steps++;
		if (t->map[i] == NIL)
			need++;
		else if (df->cover[t->map[i]] & range_mask(i, s, e))
			*overlap = 1;
	}
	return need;
}

/* Write the units of [s, e) not held yet (the caller made sure the blocks are free). */
static void place(struct sl_defrag *df, struct sl__defrag_tracker *t, uint32_t s, uint32_t e, const uint8_t *data)
{
	for (uint32_t i = s / SL_DEFRAG_BLOCK; i <= (e - 1) / SL_DEFRAG_BLOCK; i++) {
		uint64_t want = range_mask(i, s, e), add;
		uint32_t b = t->map[i];
		uint8_t *blk;

		if (b == NIL) {
			b = df->free_blk;
			df->free_blk = df->blk_next[b];
			df->free_blocks--;
			df->cover[b] = 0;
			t->map[i] = b;
			t->blocks++;
			if (t->lo_map == t->hi_map) {
				t->lo_map = i;
				t->hi_map = i + 1;
			} else if (i < t->lo_map) {
				t->lo_map = i;
			} else if (i >= t->hi_map) {
				t->hi_map = i + 1;
			}
		}
		add = want & ~df->cover[b];
		if (add == 0)
			continue;
		blk = df->pool + (size_t)b * SL_DEFRAG_BLOCK;
		/* copy each run of new units at once: one memcpy when nothing overlapped */
		uint64_t rest = add;
		while (rest) {
			uint32_t u = (uint32_t)__builtin_ctzll(rest);
			uint64_t run = rest >> u;
			uint32_t len = run == ~UINT64_C(0) >> u ? UNITS - u : (uint32_t)__builtin_ctzll(~run);
			uint32_t off = i * SL_DEFRAG_BLOCK + u * 8, end = off + len * 8;

			if (end > e)
				end = e;
			memcpy(blk + u * 8, data + (off - s), end - off);
			rest &= len == UNITS ? 0 : ~(((UINT64_C(1) << len) - 1) << u);
		}
		df->cover[b] |= add;
		t->have += mask_bytes(i, add, e);
	}
	if (e > t->max_end)
		t->max_end = e;
}

static uint16_t ipv4_checksum(const uint8_t *h, uint32_t hl)
{
	uint32_t s = 0, i;

	for (i = 0; i + 1 < hl; i += 2)
		s += (uint32_t)(h[i] << 8 | h[i + 1]);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static int build(struct sl_defrag *df, struct sl__defrag_tracker *t, uint32_t *out_len)
{
	uint32_t len = t->hdr_len + t->total;

	if (t->version == 4 ? len > 0xffff : len - 40 > 0xffff)
		return SL_DEFRAG_TOO_BIG;
	memcpy(df->out, t->hdr, t->hdr_len);
	for (uint32_t i = 0; i * SL_DEFRAG_BLOCK < t->total; i++) {
		uint32_t off = i * SL_DEFRAG_BLOCK, n = t->total - off < SL_DEFRAG_BLOCK ? t->total - off : SL_DEFRAG_BLOCK;

		if (t->map[i] == NIL)
			return SL_DEFRAG_INCONSISTENT; /* cannot be: have == total */
		memcpy(df->out + t->hdr_len + off, df->pool + (size_t)t->map[i] * SL_DEFRAG_BLOCK, n);
	}
	if (t->version == 4) {
		uint8_t *h = df->out;

		h[2] = (uint8_t)(len >> 8);
		h[3] = (uint8_t)len;
		h[6] &= 0x40; /* keep DF, clear MF and the offset */
		h[7] = 0;
		h[10] = h[11] = 0;
		uint16_t ck = ipv4_checksum(h, t->hdr_len);
		h[10] = (uint8_t)(ck >> 8);
		h[11] = (uint8_t)ck;
	} else {
		uint32_t pl = len - 40;

		df->out[4] = (uint8_t)(pl >> 8);
		df->out[5] = (uint8_t)pl;
		df->out[t->nh_off] = t->next;
	}
	*out_len = len;
	return SL_DEFRAG_COMPLETE;
}

static int fail(struct sl_defrag *df, int reason)
{
	df->ctr.errors[reason]++;
	return reason;
}

int sl_defrag_add(struct sl_defrag *df, const struct sl_decoded *d, uint64_t ts_ns,
                  const uint8_t **out, uint32_t *out_len)
{
	struct sl__defrag_tracker *t;
	uint32_t b, ti, s, e, need;
	int rc, overlap;

	*out = NULL;
	*out_len = 0;
	df->ctr.fragments++;
	sl_defrag_expire(df, ts_ns);
	if (!(d->flags & SL_DECODE_F_FRAGMENT) || d->l3 == NULL || d->l4 == NULL ||
	    (d->ip_version != 4 && d->ip_version != 6))
		return fail(df, SL_DEFRAG_NOT_FRAGMENT);
	if (d->flags & SL_DECODE_F_TRUNCATED)
		return fail(df, SL_DEFRAG_TRUNCATED);
	s = d->frag.offset;
	e = s + d->l4_len;
	if (d->l4_len == 0 || (d->frag.more && (d->l4_len & 7)))
		return fail(df, SL_DEFRAG_BAD_FRAGMENT);
	/* the datagram must fit its length field: 65535 with an IPv4 header of at least 20
	 * bytes; an IPv6 payload length of 65535 past the fixed header */
	if (e > (d->ip_version == 4 ? 0xffffu - 20 : 0xffffu))
		return fail(df, SL_DEFRAG_TOO_BIG);

	b = key_hash(df, d);
	for (ti = df->bucket[b]; ti != NIL; ti = df->trk[ti].hnext)
		if (key_match(&df->trk[ti], d))
			break;
	if (ti == NIL) {
		if (df->free_trk == NIL)
			evict_oldest(df);
		ti = df->free_trk;
		t = &df->trk[ti];
		df->free_trk = t->hnext;
		memset(t, 0, sizeof(*t));
		memcpy(t->src, d->src, 16);
		memcpy(t->dst, d->dst, 16);
		t->id = d->frag.id;
		t->vlan[0] = d->vlan[0];
		t->vlan[1] = d->vlan[1];
		t->version = d->ip_version;
		t->proto = d->proto;
		t->first_ts = ts_ns;
		tracker_reset_map(t);
		t->hnext = df->bucket[b];
		df->bucket[b] = ti;
		t->age_next = NIL;
		t->age_prev = df->newest;
		if (df->newest != NIL)
			df->trk[df->newest].age_next = ti;
		else
			df->oldest = ti;
		df->newest = ti;
		df->live++;
	}
	t = &df->trk[ti];
	if (t->refused)
		return fail(df, SL_DEFRAG_TOO_MANY_FRAGMENTS);
	if (++t->frags > SL_DEFRAG_MAX_FRAGMENTS) {
		/* refused: its memory goes now, the tracker stays to drop the rest cheaply */
		free_blocks(df, t);
		t->have = 0;
		t->refused = 1;
		return fail(df, SL_DEFRAG_TOO_MANY_FRAGMENTS);
	}

	/* the end of the datagram must be one place, and nothing may lie past it */
	if (!d->frag.more) {
		if ((t->has_last && t->total != e) || t->max_end > e) {
			tracker_free(df, ti, b);
			return fail(df, SL_DEFRAG_INCONSISTENT);
		}
		t->has_last = 1;
		t->total = e;
	} else if (t->has_last && e > t->total) {
		tracker_free(df, ti, b);
		return fail(df, SL_DEFRAG_INCONSISTENT);
	}
	if (s == 0 && !t->has_first) {
		rc = keep_header(t, d);
		if (rc != SL_DEFRAG_NEED_MORE) {
			tracker_free(df, ti, b);
			return fail(df, rc);
		}
		t->has_first = 1;
	}

	need = blocks_needed(df, t, s, e, &overlap);
	if (overlap)
		df->ctr.overlaps++;
	if (need > df->nblocks - t->blocks) {
		tracker_free(df, ti, b);
		return fail(df, SL_DEFRAG_POOL_FULL);
	}
	while (df->free_blocks < need && df->oldest != ti)
		evict_oldest(df);
	/* the tracker itself is now the oldest; evict past it (it moves to the back) */
	while (df->free_blocks < need) {
		uint32_t victim = df->trk[ti].age_next;

		if (victim == NIL)
			break;
		tracker_free(df, victim, tracker_bucket(df, &df->trk[victim]));
		df->ctr.evicted++;
	}
	if (df->free_blocks < need) {
		tracker_free(df, ti, b);
		return fail(df, SL_DEFRAG_POOL_FULL);
	}
	place(df, t, s, e, d->l4);

	if (!t->has_first || !t->has_last || t->have != t->total)
		return SL_DEFRAG_NEED_MORE;
	rc = build(df, t, out_len);
	tracker_free(df, ti, b);
	if (rc != SL_DEFRAG_COMPLETE)
		return fail(df, rc);
	df->ctr.reassembled++;
	*out = df->out;
	return SL_DEFRAG_COMPLETE;
}

size_t sl_defrag_memory_in_use(const struct sl_defrag *df)
{
	return (size_t)(df->nblocks - df->free_blocks) * SL_DEFRAG_BLOCK;
}

int sl_defrag_validate(const struct sl_defrag *df)
{
	uint32_t blocks = 0, live = 0, ti;

	for (ti = df->oldest; ti != NIL; ti = df->trk[ti].age_next) {
		const struct sl__defrag_tracker *t = &df->trk[ti];
		uint32_t have = 0, nb = 0;

		if (++live > df->max_trackers)
			return -EFAULT;
		for (uint32_t i = 0; i < MAP_SLOTS; i++) {
			uint32_t b = t->map[i];

			if (b == NIL)
				continue;
			if (b >= df->nblocks || i < t->lo_map || i >= t->hi_map)
				return -EFAULT;
			nb++;
			uint64_t c = df->cover[b];
			for (uint32_t u = 0; u < UNITS; u++) {
				uint32_t off = i * SL_DEFRAG_BLOCK + u * 8;
				if (!(c >> u & 1))
					continue;
				if (off >= t->max_end)
					return -EFAULT;
				have += t->max_end - off < 8 ? t->max_end - off : 8;
			}
		}
		if (have != t->have || nb != t->blocks || (t->has_last && t->max_end > t->total))
			return -EFAULT;
		blocks += nb;
	}
	if (live != df->live || blocks + df->free_blocks != df->nblocks)
		return -EFAULT;
	return 0;
}
