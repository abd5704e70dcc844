/* hnsw_file.c -- HNSW snapshot files: the whole graph written atomically so a restart loads
 * it instead of rebuilding; every byte read back is untrusted (bounded decoding + CRC32C).
 *
 * Format (version 1, all integers little-endian, CRCs masked CRC32C as everywhere else):
 *
 *   header, 64 bytes:
 *     0  magic "SHALEHNS"        8 bytes
 *     8  version                 u32 = 1
 *    12  dims                    u32 1..16000
 *    16  metric                  u32 0 l2, 1 cosine, 2 ip, 3 l1
 *    20  m                       u32 2..100
 *    24  ef_construction         u32 4..1000, >= 2*m
 *    28  n_nodes                 u32 < 2^31-1
 *    32  seed                    u64
 *    40  n_deleted               u64 <= n_nodes (must equal the deleted flags below)
 *    48  entry                   u32 node id, 0xffffffff when n_nodes == 0
 *    52  max_level               u32 level of entry (= the highest node level)
 *    56  reserved                u32 = 0
 *    60  header crc              u32 masked crc32c of bytes 0..59
 *   records, each: type u32 | payload_len u32 (<= 8 MiB) | payload | masked crc32c of
 *   type, payload_len and payload (u32)
 *     type 1 NODES: first_id u32 (= nodes so far) | count u32 | count nodes, each:
 *        level u8 (<= 24) | flags u8 (bit 0 deleted; others 0) | label_len u16 (1..1024) |
 *        label bytes | vector dims x f32 (finite; as stored: cosine vectors normalised) |
 *        for each layer 0..level: n_links u16 (<= 2m on layer 0, m above) | n_links x
 *        (link u32: bit 31 = kept by the selection heuristic, bits 0..30 = node id < n_nodes
 *        whose level >= the layer | distance f32, finite: the internal distance to the node)
 *     type 2 END: n_nodes u32 -- last record; nothing may follow it.
 *
 * The writer starts a new NODES record once a payload passes 1 MiB; a node never spans two
 * records (the largest, 16000 dims and 24 layers of 100 links, is ~85 KiB). */
#include "facets/vector/hnsw_int.h"

#include <math.h>
#include <stdlib.h>

#include "util/buf.h"
#include "util/coding.h"
#include "util/crc32c.h"
#include "util/env.h"

#define HNSW_FILE_MAGIC "SHALEHNS"
#define HNSW_FILE_VERSION 1u
#define HNSW_FILE_HEADER 64
#define HNSW_REC_NODES 1u
#define HNSW_REC_END 2u
#define HNSW_REC_FLUSH (1u << 20)
#define HNSW_REC_MAX (8u << 20)

/* ---- writing ---- */

static int hnsw_file_put_record(ShaleWritableFile *f, uint32_t type, ShaleBuf *payload, ShaleError *err)
{
    char head[8], tail[4];
    shale_put_fixed32(head, type);
    shale_put_fixed32(head + 4, (uint32_t)payload->len);
    uint32_t crc = shale_crc32c_extend(shale_crc32c(head, 8), payload->data, payload->len);
    shale_put_fixed32(tail, shale_crc32c_mask(crc));
    if (shale_wfile_append(f, head, 8, err) != SHALE_OK ||
        shale_wfile_append(f, payload->data, payload->len, err) != SHALE_OK ||
        shale_wfile_append(f, tail, 4, err) != SHALE_OK)
        return -1;
    return 0;
}

static void hnsw_file_put_node(const HnswIndex *idx, uint32_t id, ShaleBuf *b)
{
    const HnswNode *nd = hnsw_node(idx, id);
    shale_buf_append_byte(b, nd->level);
    shale_buf_append_byte(b, hnsw_is_deleted(idx, id) ? 1 : 0);
    char l2[2] = {(char)(nd->label_len & 0xff), (char)(nd->label_len >> 8)};
    shale_buf_append(b, l2, 2);
    shale_buf_append(b, nd->label, nd->label_len);
    const float *v = hnsw_vec(idx, id);
    for (int i = 0; i < idx->opts.dims; i++) {
        uint32_t u;
        memcpy(&u, &v[i], 4);
        shale_buf_append_fixed32(b, u);
    }
    for (int l = 0; l <= nd->level; l++) {
        uint32_t *links = hnsw_links(idx, id, l);
        int cap = hnsw_level_cap(idx, l);
        const float *dists = hnsw_links_dists(links, cap);
        uint32_t n = hnsw_links_count(links, cap);
        char c2[2] = {(char)(n & 0xff), (char)(n >> 8)};
        shale_buf_append(b, c2, 2);
        for (uint32_t i = 0; i < n; i++) {
            uint32_t u;
            memcpy(&u, &dists[i], 4);
            shale_buf_append_fixed32(b, __atomic_load_n(&links[1 + i], __ATOMIC_ACQUIRE));
            shale_buf_append_fixed32(b, u);
        }
    }
}

static int hnsw_file_write(HnswIndex *idx, ShaleWritableFile *f, ShaleError *err)
{
    uint32_t n = atomic_load(&idx->n_nodes);
    uint64_t e = atomic_load(&idx->entry);
    uint64_t n_del = 0;
    for (uint32_t i = 0; i < n; i++)
        n_del += hnsw_node_deleted(idx, i);
    char h[HNSW_FILE_HEADER];
    memset(h, 0, sizeof h);
    memcpy(h, HNSW_FILE_MAGIC, 8);
    shale_put_fixed32(h + 8, HNSW_FILE_VERSION);
    shale_put_fixed32(h + 12, (uint32_t)idx->opts.dims);
    shale_put_fixed32(h + 16, (uint32_t)idx->opts.metric);
    shale_put_fixed32(h + 20, (uint32_t)idx->opts.m);
    shale_put_fixed32(h + 24, (uint32_t)idx->opts.ef_construction);
    shale_put_fixed32(h + 28, n);
    shale_put_fixed64(h + 32, idx->opts.seed);
    shale_put_fixed64(h + 40, n_del);
    shale_put_fixed32(h + 48, e == HNSW_ENTRY_EMPTY ? UINT32_MAX : (uint32_t)e);
    shale_put_fixed32(h + 52, e == HNSW_ENTRY_EMPTY ? 0 : (uint32_t)(e >> 32));
    shale_put_fixed32(h + 60, shale_crc32c_mask(shale_crc32c(h, 60)));
    if (shale_wfile_append(f, h, sizeof h, err) != SHALE_OK)
        return -1;
    ShaleBuf b;
    shale_buf_init(&b);
    int rc = 0;
    uint32_t i = 0;
    while (rc == 0 && i < n) {
        shale_buf_reset(&b);
        shale_buf_append_fixed32(&b, i);
        shale_buf_append_fixed32(&b, 0);            /* count, patched below */
        uint32_t first = i;
        while (i < n && b.len < HNSW_REC_FLUSH)
            hnsw_file_put_node(idx, i++, &b);
        if (b.oom) {
            rc = SHALE_ERR_NOMEM(err, "hnsw: out of memory writing snapshot");
            break;
        }
        shale_put_fixed32(b.data + 4, i - first);
        rc = hnsw_file_put_record(f, HNSW_REC_NODES, &b, err);
    }
    if (rc == 0) {
        shale_buf_reset(&b);
        shale_buf_append_fixed32(&b, n);
        if (b.oom)
            rc = SHALE_ERR_NOMEM(err, "hnsw: out of memory");
        else
            rc = hnsw_file_put_record(f, HNSW_REC_END, &b, err);
    }
    shale_buf_free(&b);
    return rc == 0 ? 0 : -1;
}

int hnsw_save_file(HnswIndex *idx, const char *path, ShaleError *err)
{
    ShaleEnv *env = shale_env_default();
    size_t plen = strlen(path);
    char *tmp = malloc(plen + 5);
    char *dir = malloc(plen + 2);
    if (!tmp || !dir) {
        free(tmp);
        free(dir);
        return SHALE_ERR_NOMEM(err, "hnsw: out of memory"), -1;
    }
    memcpy(tmp, path, plen);
    memcpy(tmp + plen, ".tmp", 5);
    const char *slash = strrchr(path, '/');
    if (!slash)
        strcpy(dir, ".");
    else if (slash == path)
        strcpy(dir, "/");
    else {
        memcpy(dir, path, (size_t)(slash - path));
        dir[slash - path] = '\0';
    }
    ShaleWritableFile *f = NULL;
    int rc = -1;
    /* a snapshot is only written complete: every live node reachable on layer 0 */
    if (hnsw_repair(idx, NULL, err) == 0 && shale_wfile_open(env, tmp, &f, err) == SHALE_OK) {
        int wrc = hnsw_file_write(idx, f, err);
        if (wrc == 0 && shale_wfile_sync(f, err) == SHALE_OK) {
            ShaleError cerr;
            if (shale_wfile_close(f, &cerr) != SHALE_OK) {
                if (err)
                    *err = cerr;
            } else if (shale_env_rename(env, tmp, path, err) == SHALE_OK &&
                       shale_env_sync_dir(env, dir, err) == SHALE_OK) {
                rc = 0;
            }
            f = NULL;
        }
        if (f)
            shale_wfile_close(f, NULL);
        if (rc != 0)
            shale_env_remove(env, tmp, NULL);
    }
    free(tmp);
    free(dir);
    return rc;
}

/* ---- reading ---- */

typedef struct HnswReader {
    ShaleSeqFile *f;
    const char *path;
    char *buf;                  /* current record payload (malloc'd, grows to HNSW_REC_MAX) */
    size_t cap;
} HnswReader;

/* Reads exactly n bytes; a short read is corruption (truncated file). */
static int hnsw_read_exact(HnswReader *r, char *dst, size_t n, ShaleError *err)
{
    while (n > 0) {
        size_t got = 0;
        if (shale_sfile_read(r->f, n, dst, &got, err) != SHALE_OK)
            return -1;
        if (got == 0)
            return SHALE_ERR_CORRUPT(err, "hnsw: %s is truncated", r->path), -1;
        dst += got;
        n -= got;
    }
    return 0;
}

/* Reads one record; *payload points into r->buf. */
static int hnsw_read_record(HnswReader *r, uint32_t *type, const char **payload, uint32_t *len, ShaleError *err)
{
    char head[8], tail[4];
    if (hnsw_read_exact(r, head, 8, err) != 0)
        return -1;
    *type = shale_get_fixed32(head);
    *len = shale_get_fixed32(head + 4);
    if ((*type != HNSW_REC_NODES && *type != HNSW_REC_END) || *len > HNSW_REC_MAX)
        return SHALE_ERR_CORRUPT(err, "hnsw: %s: bad record header", r->path), -1;
    if (*len > r->cap) {
        size_t cap = r->cap ? r->cap : 64 * 1024;
        while (cap < *len)
            cap *= 2;
        char *nb = realloc(r->buf, cap);
        if (!nb)
            return SHALE_ERR_NOMEM(err, "hnsw: out of memory"), -1;
        r->buf = nb;
        r->cap = cap;
    }
    if (hnsw_read_exact(r, r->buf, *len, err) != 0 || hnsw_read_exact(r, tail, 4, err) != 0)
        return -1;
    uint32_t crc = shale_crc32c_extend(shale_crc32c(head, 8), r->buf, *len);
    if (shale_crc32c_unmask(shale_get_fixed32(tail)) != crc)
        return SHALE_ERR_CORRUPT(err, "hnsw: %s: record checksum mismatch", r->path), -1;
    *payload = r->buf;
    return 0;
}

static uint16_t hnsw_get_u16(const char *p)
{
    return (uint16_t)((uint8_t)p[0] | (uint16_t)((uint8_t)p[1] << 8));
}

/* Decodes one node at *pp (bounded by end) into idx as node number expect. */
static int hnsw_file_get_node(HnswIndex *idx, const char **pp, const char *end, uint32_t n_total, uint32_t expect,
                              float *vec, ShaleError *err)
{
    const char *p = *pp;
    if (end - p < 4)
        return SHALE_ERR_CORRUPT(err, "hnsw: node %u truncated", expect), -1;
    int level = (uint8_t)p[0];
    uint8_t flags = (uint8_t)p[1];
    size_t label_len = hnsw_get_u16(p + 2);
    p += 4;
    if (level > HNSW_MAX_LEVEL || (flags & ~1u) || label_len < 1 || label_len > HNSW_MAX_LABEL)
        return SHALE_ERR_CORRUPT(err, "hnsw: node %u has a bad header", expect), -1;
    size_t dims = (size_t)idx->opts.dims;
    if ((size_t)(end - p) < label_len + dims * 4)
        return SHALE_ERR_CORRUPT(err, "hnsw: node %u truncated", expect), -1;
    const char *label = p;
    p += label_len;
    for (size_t i = 0; i < dims; i++, p += 4) {
        uint32_t u = shale_get_fixed32(p);
        memcpy(&vec[i], &u, 4);
        if (!isfinite(vec[i]))
            return SHALE_ERR_CORRUPT(err, "hnsw: node %u has a non-finite component", expect), -1;
    }
    ShaleError nerr;
    uint32_t id = hnsw_node_new(idx, vec, label, label_len, level, flags & 1, &nerr);
    if (id == HNSW_NO_NODE) {
        if (err)
            *err = nerr;
        return -1;
    }
    if (id != expect)
        return SHALE_ERR_CORRUPT(err, "hnsw: node numbering out of step"), -1;
    for (int l = 0; l <= level; l++) {
        if (end - p < 2)
            return SHALE_ERR_CORRUPT(err, "hnsw: node %u links truncated", id), -1;
        uint32_t n = hnsw_get_u16(p);
        p += 2;
        int cap = hnsw_level_cap(idx, l);
        if (n > (uint32_t)cap || (size_t)(end - p) < (size_t)n * 8)
            return SHALE_ERR_CORRUPT(err, "hnsw: node %u layer %d has bad links", id, l), -1;
        uint32_t *links = hnsw_links(idx, id, l);
        float *dists = hnsw_links_dists(links, cap);
        for (uint32_t i = 0; i < n; i++, p += 8) {
            links[1 + i] = shale_get_fixed32(p);
            uint32_t u = shale_get_fixed32(p + 4);
            memcpy(&dists[i], &u, 4);
            if ((links[1 + i] & HNSW_ID_MASK) >= n_total || !isfinite(dists[i]))
                return SHALE_ERR_CORRUPT(err, "hnsw: node %u has a bad link", id), -1;
        }
        links[0] = n;
    }
    *pp = p;
    return 0;
}

/* Checks what can only be checked once every node is in: link targets live on the layer. */
static int hnsw_file_check_graph(HnswIndex *idx, uint32_t entry, uint32_t max_level, uint64_t n_deleted,
                                 ShaleError *err)
{
    uint32_t n = atomic_load(&idx->n_nodes);
    int top = -1;
    for (uint32_t id = 0; id < n; id++) {
        HnswNode *nd = hnsw_node(idx, id);
        if ((int)nd->level > top)
            top = nd->level;
        const uint32_t *l0 = hnsw_links(idx, id, 0);
        for (uint32_t i = 0; i < l0[0]; i++)
            atomic_fetch_add_explicit(hnsw_in0(idx, l0[1 + i] & HNSW_ID_MASK), 1, memory_order_relaxed);
        for (int l = 1; l <= nd->level; l++) {
            const uint32_t *links = hnsw_links(idx, id, l);
            for (uint32_t i = 0; i < links[0]; i++)
                if (hnsw_node(idx, links[1 + i] & HNSW_ID_MASK)->level < l)
                    return SHALE_ERR_CORRUPT(err, "hnsw: node %u links on layer %d to a lower node", id, l), -1;
        }
    }
    if (atomic_load(&idx->n_deleted) != n_deleted)
        return SHALE_ERR_CORRUPT(err, "hnsw: deleted count mismatch"), -1;
    if (n == 0) {
        if (entry != UINT32_MAX || max_level != 0)
            return SHALE_ERR_CORRUPT(err, "hnsw: empty graph with an entry point"), -1;
        return 0;
    }
    if (entry >= n || hnsw_node(idx, entry)->level != max_level || (int)max_level != top)
        return SHALE_ERR_CORRUPT(err, "hnsw: bad entry point"), -1;
    atomic_store(&idx->entry, (uint64_t)max_level << 32 | entry);
    return 0;
}

static int hnsw_file_read(HnswReader *r, HnswIndex **out, ShaleError *err)
{
    char h[HNSW_FILE_HEADER];
    if (hnsw_read_exact(r, h, sizeof h, err) != 0)
        return -1;
    if (memcmp(h, HNSW_FILE_MAGIC, 8) != 0)
        return SHALE_ERR_CORRUPT(err, "hnsw: %s is not an HNSW snapshot", r->path), -1;
    if (shale_crc32c_unmask(shale_get_fixed32(h + 60)) != shale_crc32c(h, 60))
        return SHALE_ERR_CORRUPT(err, "hnsw: %s: header checksum mismatch", r->path), -1;
    if (shale_get_fixed32(h + 8) != HNSW_FILE_VERSION || shale_get_fixed32(h + 56) != 0)
        return SHALE_ERR_CORRUPT(err, "hnsw: %s: unsupported version %u", r->path, shale_get_fixed32(h + 8)), -1;
    HnswOptions o;
    uint32_t dims = shale_get_fixed32(h + 12), metric = shale_get_fixed32(h + 16);
    uint32_t m = shale_get_fixed32(h + 20), efc = shale_get_fixed32(h + 24);
    uint32_t n_total = shale_get_fixed32(h + 28);
    if (dims > HNSW_MAX_DIMS || metric > HNSW_METRIC_L1 || m > HNSW_MAX_M || efc > 1000 || n_total >= HNSW_MAX_NODES)
        return SHALE_ERR_CORRUPT(err, "hnsw: %s: bad options", r->path), -1;
    hnsw_options_init(&o, (int)dims, (HnswMetric)metric);
    o.m = (int)m;
    o.ef_construction = (int)efc;
    o.seed = shale_get_fixed64(h + 32);
    uint64_t n_deleted = shale_get_fixed64(h + 40);
    uint32_t entry = shale_get_fixed32(h + 48), max_level = shale_get_fixed32(h + 52);
    HnswIndex *idx;
    ShaleError cerr;
    if (hnsw_create(&o, &idx, &cerr) != 0)
        return SHALE_ERR_CORRUPT(err, "hnsw: %s: bad options (%s)", r->path, cerr.msg), -1;
    float *vec = calloc(idx->stride, sizeof(float));
    int rc = vec ? 0 : SHALE_ERR_NOMEM(err, "hnsw: out of memory");
    uint32_t loaded = 0;
    bool ended = false;
    while (rc == 0 && !ended) {
        uint32_t type, len;
        const char *p;
        if (hnsw_read_record(r, &type, &p, &len, err) != 0) {
            rc = -1;
            break;
        }
        const char *end = p + len;
        if (type == HNSW_REC_END) {
            if (len != 4 || shale_get_fixed32(p) != n_total || loaded != n_total)
                rc = SHALE_ERR_CORRUPT(err, "hnsw: %s: node count mismatch", r->path);
            ended = true;
            break;
        }
        if (len < 8 || shale_get_fixed32(p) != loaded) {
            rc = SHALE_ERR_CORRUPT(err, "hnsw: %s: bad NODES record", r->path);
            break;
        }
        uint32_t count = shale_get_fixed32(p + 4);
        p += 8;
        if (count > n_total - loaded) {
            rc = SHALE_ERR_CORRUPT(err, "hnsw: %s: too many nodes", r->path);
            break;
        }
        for (uint32_t i = 0; i < count && rc == 0; i++, loaded++)
            rc = hnsw_file_get_node(idx, &p, end, n_total, loaded, vec, err);
        if (rc == 0 && p != end)
            rc = SHALE_ERR_CORRUPT(err, "hnsw: %s: trailing bytes in a NODES record", r->path);
    }
    if (rc == 0) {
        char extra;
        size_t got = 0;
        if (shale_sfile_read(r->f, 1, &extra, &got, err) != SHALE_OK)
            rc = -1;
        else if (got != 0)
            rc = SHALE_ERR_CORRUPT(err, "hnsw: %s: bytes after the END record", r->path);
    }
    if (rc == 0)
        rc = hnsw_file_check_graph(idx, entry, max_level, n_deleted, err);
    free(vec);
    if (rc != 0) {
        hnsw_free(idx);
        return -1;
    }
    /* later inserts must not replay the saved levels */
    shale_random_seed(&idx->rng, o.seed ^ shale_hash_u64((uint64_t)n_total + 1));
    *out = idx;
    return 0;
}

int hnsw_load_file(const char *path, HnswIndex **out, ShaleError *err)
{
    *out = NULL;
    HnswReader r = {NULL, path, NULL, 0};
    if (shale_sfile_open(shale_env_default(), path, &r.f, err) != SHALE_OK)
        return -1;
    int rc = hnsw_file_read(&r, out, err);
    shale_sfile_close(r.f);
    free(r.buf);
    /* files from before the repair pass may hold unreachable groups (docs/vector.md) */
    if (rc == 0 && hnsw_repair(*out, NULL, err) != 0) {
        hnsw_free(*out);
        *out = NULL;
        rc = -1;
    }
    return rc;
}
