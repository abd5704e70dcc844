/* version_edit.c -- encoding and decoding of version edits (format in version_edit.h). */
#include "storage/version_edit.h"

#include <stdlib.h>

#include "storage/dbformat.h"
#include "util/coding.h"

enum {
    TAG_LOG_NUMBER = 1,
    TAG_NEXT_FILE = 2,
    TAG_LAST_SEQUENCE = 3,
    TAG_COMPACT_POINTER = 4,
    TAG_DELETED_FILE = 5,
    TAG_NEW_FILE = 6,
    TAG_FORMAT = 7,
    TAG_DROP_RANGE = 8,
    TAG_FORGET_RANGE = 9
};

FileMeta *file_meta_new(uint64_t number, uint64_t size, ShaleSlice smallest, ShaleSlice largest)
{
    FileMeta *f = malloc(sizeof *f);
    if (!f)
        return NULL;
    f->refs = 0;
    f->number = number;
    f->size = size;
    /* One seek costs about as much as compacting 16 KiB (LevelDB's estimate): after
     * size/16K wasted seeks, compacting the file down is cheaper than keeping it. */
    f->allowed_seeks = (int)(size / 16384) < 100 ? 100 : (int)(size / 16384);
    shale_buf_init(&f->smallest);
    shale_buf_init(&f->largest);
    shale_buf_append(&f->smallest, smallest.data, smallest.size);
    shale_buf_append(&f->largest, largest.data, largest.size);
    if (f->smallest.oom || f->largest.oom) {
        file_meta_free(f);
        return NULL;
    }
    return f;
}

void file_meta_free(FileMeta *f)
{
    if (!f)
        return;
    shale_buf_free(&f->smallest);
    shale_buf_free(&f->largest);
    free(f);
}

void version_edit_init(VersionEdit *e)
{
    memset(e, 0, sizeof *e);
    for (int i = 0; i < SHALE_NUM_LEVELS; i++)
        shale_buf_init(&e->compact_pointer[i]);
}

void version_edit_destroy(VersionEdit *e)
{
    for (int i = 0; i < SHALE_NUM_LEVELS; i++)
        shale_buf_free(&e->compact_pointer[i]);
    for (size_t i = 0; i < e->n_added; i++)
        if (--e->added[i].meta->refs == 0)
            file_meta_free(e->added[i].meta);
    free(e->added);
    free(e->deleted);
    for (size_t i = 0; i < e->n_drops; i++) {
        shale_buf_free(&e->drops[i].begin);
        shale_buf_free(&e->drops[i].end);
    }
    for (size_t i = 0; i < e->n_forgets; i++) {
        shale_buf_free(&e->forgets[i].begin);
        shale_buf_free(&e->forgets[i].end);
    }
    free(e->drops);
    free(e->forgets);
    version_edit_init(e);
}

void version_edit_set_log_number(VersionEdit *e, uint64_t n)
{
    e->has_log_number = true;
    e->log_number = n;
}

void version_edit_set_next_file(VersionEdit *e, uint64_t n)
{
    e->has_next_file = true;
    e->next_file = n;
}

void version_edit_set_last_sequence(VersionEdit *e, uint64_t s)
{
    e->has_last_sequence = true;
    e->last_sequence = s;
}

void version_edit_set_compact_pointer(VersionEdit *e, int level, ShaleSlice ikey)
{
    e->has_compact_pointer[level] = true;
    shale_buf_reset(&e->compact_pointer[level]);
    shale_buf_append(&e->compact_pointer[level], ikey.data, ikey.size);
    if (e->compact_pointer[level].oom)
        e->oom = true;
}

void version_edit_delete_file(VersionEdit *e, int level, uint64_t number)
{
    if (e->n_deleted == e->cap_deleted) {
        size_t cap = e->cap_deleted ? e->cap_deleted * 2 : 8;
        EditDeleted *d = realloc(e->deleted, cap * sizeof *d);
        if (!d) {
            e->oom = true;
            return;
        }
        e->deleted = d;
        e->cap_deleted = cap;
    }
    e->deleted[e->n_deleted].level = level;
    e->deleted[e->n_deleted].number = number;
    e->n_deleted++;
}

void version_edit_add_file(VersionEdit *e, int level, FileMeta *f)
{
    if (e->n_added == e->cap_added) {
        size_t cap = e->cap_added ? e->cap_added * 2 : 8;
        EditFile *a = realloc(e->added, cap * sizeof *a);
        if (!a) {
            e->oom = true;
            file_meta_free(f);
            return;
        }
        e->added = a;
        e->cap_added = cap;
    }
    e->added[e->n_added].level = level;
    e->added[e->n_added].meta = f;
    f->refs++;
    e->n_added++;
}

static void range_push(VersionEdit *e, EditRange **arr, size_t *n, ShaleSlice begin, ShaleSlice end)
{
    EditRange *a = realloc(*arr, (*n + 1) * sizeof *a);
    if (!a) {
        e->oom = true;
        return;
    }
    *arr = a;
    EditRange *r = &a[(*n)++];
    shale_buf_init(&r->begin);
    shale_buf_init(&r->end);
    shale_buf_append(&r->begin, begin.data, begin.size);
    shale_buf_append(&r->end, end.data, end.size);
    if (r->begin.oom || r->end.oom)
        e->oom = true;
}

void version_edit_drop_range(VersionEdit *e, ShaleSlice begin, ShaleSlice end)
{
    range_push(e, &e->drops, &e->n_drops, begin, end);
}

void version_edit_forget_range(VersionEdit *e, ShaleSlice begin, ShaleSlice end)
{
    range_push(e, &e->forgets, &e->n_forgets, begin, end);
}

static void encode_ranges(ShaleBuf *out, uint32_t tag, const EditRange *r, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        shale_buf_append_varint32(out, tag);
        shale_buf_append_lenprefixed(out, r[i].begin.data, r[i].begin.len);
        shale_buf_append_lenprefixed(out, r[i].end.data, r[i].end.len);
    }
}

void version_edit_encode(const VersionEdit *e, ShaleBuf *out)
{
    if (e->has_format) {
        shale_buf_append_varint32(out, TAG_FORMAT);
        shale_buf_append_varint32(out, e->format);
    }
    if (e->has_log_number) {
        shale_buf_append_varint32(out, TAG_LOG_NUMBER);
        shale_buf_append_varint64(out, e->log_number);
    }
    if (e->has_next_file) {
        shale_buf_append_varint32(out, TAG_NEXT_FILE);
        shale_buf_append_varint64(out, e->next_file);
    }
    if (e->has_last_sequence) {
        shale_buf_append_varint32(out, TAG_LAST_SEQUENCE);
        shale_buf_append_varint64(out, e->last_sequence);
    }
    for (int l = 0; l < SHALE_NUM_LEVELS; l++) {
        if (!e->has_compact_pointer[l])
            continue;
        shale_buf_append_varint32(out, TAG_COMPACT_POINTER);
        shale_buf_append_varint32(out, (uint32_t)l);
        shale_buf_append_lenprefixed(out, e->compact_pointer[l].data, e->compact_pointer[l].len);
    }
    for (size_t i = 0; i < e->n_deleted; i++) {
        shale_buf_append_varint32(out, TAG_DELETED_FILE);
        shale_buf_append_varint32(out, (uint32_t)e->deleted[i].level);
        shale_buf_append_varint64(out, e->deleted[i].number);
    }
    for (size_t i = 0; i < e->n_added; i++) {
        const FileMeta *f = e->added[i].meta;
        shale_buf_append_varint32(out, TAG_NEW_FILE);
        shale_buf_append_varint32(out, (uint32_t)e->added[i].level);
        shale_buf_append_varint64(out, f->number);
        shale_buf_append_varint64(out, f->size);
        shale_buf_append_lenprefixed(out, f->smallest.data, f->smallest.len);
        shale_buf_append_lenprefixed(out, f->largest.data, f->largest.len);
    }
    encode_ranges(out, TAG_FORGET_RANGE, e->forgets, e->n_forgets);
    encode_ranges(out, TAG_DROP_RANGE, e->drops, e->n_drops);
}

static const char *get_lenprefixed(const char *p, const char *end, ShaleSlice *s)
{
    uint64_t n;
    p = shale_decode_varint64(p, end, &n);
    if (!p || n > (uint64_t)(end - p))
        return NULL;
    *s = shale_slice(p, (size_t)n);
    return p + n;
}

static const char *get_level(const char *p, const char *end, int *level)
{
    uint32_t l;
    p = shale_decode_varint32(p, end, &l);
    if (!p || l >= SHALE_NUM_LEVELS)
        return NULL;
    *level = (int)l;
    return p;
}

ShaleCode version_edit_decode(VersionEdit *e, ShaleSlice rec, ShaleError *err)
{
    const char *p = rec.data, *end = rec.data + rec.size;
    while (p < end) {
        uint32_t tag;
        const char *field = p;
        p = shale_decode_varint32(p, end, &tag);
        if (!p)
            return SHALE_ERR_CORRUPT(err, "manifest record: bad tag at byte %td", field - rec.data);
        int level = 0;
        uint64_t a, b;
        ShaleSlice s1, s2;
        switch (tag) {
        case TAG_LOG_NUMBER:
            p = shale_decode_varint64(p, end, &a);
            if (p)
                version_edit_set_log_number(e, a);
            break;
        case TAG_NEXT_FILE:
            p = shale_decode_varint64(p, end, &a);
            if (p)
                version_edit_set_next_file(e, a);
            break;
        case TAG_LAST_SEQUENCE:
            p = shale_decode_varint64(p, end, &a);
            if (p && a > SHALE_MAX_SEQUENCE)
                p = NULL;
            if (p)
                version_edit_set_last_sequence(e, a);
            break;
        case TAG_COMPACT_POINTER:
            p = get_level(p, end, &level);
            if (p)
                p = get_lenprefixed(p, end, &s1);
            if (p && !shale_ikey_well_formed(s1))
                p = NULL;
            if (p)
                version_edit_set_compact_pointer(e, level, s1);
            break;
        case TAG_DELETED_FILE:
            p = get_level(p, end, &level);
            if (p)
                p = shale_decode_varint64(p, end, &a);
            if (p)
                version_edit_delete_file(e, level, a);
            break;
        case TAG_NEW_FILE:
            p = get_level(p, end, &level);
            if (p)
                p = shale_decode_varint64(p, end, &a);
            if (p)
                p = shale_decode_varint64(p, end, &b);
            if (p)
                p = get_lenprefixed(p, end, &s1);
            if (p)
                p = get_lenprefixed(p, end, &s2);
            if (p && (!shale_ikey_well_formed(s1) || !shale_ikey_well_formed(s2) ||
                      shale_ikey_compare(s1, s2) > 0))
                p = NULL;
            if (p) {
                FileMeta *f = file_meta_new(a, b, s1, s2);
                if (!f)
                    return SHALE_ERR_NOMEM(err, "out of memory decoding manifest");
                version_edit_add_file(e, level, f);
            }
            break;
        case TAG_FORMAT: {
            uint32_t v;
            p = shale_decode_varint32(p, end, &v);
            if (p && v != MANIFEST_FORMAT_VERSION)
                return SHALE_ERR_CORRUPT(err, "manifest format version %u is not supported (this build reads %d)",
                                         v, MANIFEST_FORMAT_VERSION);
            if (p) {
                e->has_format = true;
                e->format = v;
            }
            break;
        }
        case TAG_DROP_RANGE:
        case TAG_FORGET_RANGE:
            p = get_lenprefixed(p, end, &s1);
            if (p)
                p = get_lenprefixed(p, end, &s2);
            if (p && shale_slice_compare(s1, s2) >= 0)
                p = NULL;
            if (p && tag == TAG_DROP_RANGE)
                version_edit_drop_range(e, s1, s2);
            else if (p)
                version_edit_forget_range(e, s1, s2);
            break;
        default:
            return SHALE_ERR_CORRUPT(err, "manifest record: unknown tag %u at byte %td", tag, field - rec.data);
        }
        if (!p)
            return SHALE_ERR_CORRUPT(err, "manifest record: malformed field (tag %u) at byte %td", tag, field - rec.data);
    }
    if (e->oom)
        return SHALE_ERR_NOMEM(err, "out of memory decoding manifest");
    return SHALE_OK;
}
