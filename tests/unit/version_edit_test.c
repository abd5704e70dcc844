/* version_edit_test.c -- manifest record encoding: round trip (dropped/forgotten key ranges
 * included), every truncation or malformation decoded as corruption (never a crash, never a
 * half-filled edit used), and the merge rules of the dropped-range set. */
#include "tests/harness/test.h"

#include "storage/dbformat.h"
#include "storage/drop_range.h"
#include "storage/version_edit.h"
#include "util/buf.h"

static FileMeta *make_file(uint64_t number, const char *lo, const char *hi)
{
    ShaleBuf a, b;
    shale_buf_init(&a);
    shale_buf_init(&b);
    shale_ikey_append(&a, shale_slice_cstr(lo), 100, SHALE_KIND_VALUE);
    shale_ikey_append(&b, shale_slice_cstr(hi), 5, SHALE_KIND_DELETE);
    FileMeta *f = file_meta_new(number, number * 1000, shale_buf_slice(&a), shale_buf_slice(&b));
    shale_buf_free(&a);
    shale_buf_free(&b);
    return f;
}

static void build_edit(VersionEdit *e)
{
    version_edit_init(e);
    e->has_format = true;
    e->format = MANIFEST_FORMAT_VERSION;
    version_edit_set_log_number(e, 17);
    version_edit_set_next_file(e, 99);
    version_edit_set_last_sequence(e, 123456789);
    ShaleBuf cp;
    shale_buf_init(&cp);
    shale_ikey_append(&cp, shale_slice_cstr("mid"), 7, SHALE_KIND_VALUE);
    version_edit_set_compact_pointer(e, 2, shale_buf_slice(&cp));
    shale_buf_free(&cp);
    version_edit_delete_file(e, 0, 5);
    version_edit_delete_file(e, 3, 6);
    version_edit_add_file(e, 0, make_file(10, "a", "m"));
    version_edit_add_file(e, 6, make_file(11, "n", "z"));
    version_edit_drop_range(e, shale_slice("a\0b", 3), shale_slice_cstr("q"));
    version_edit_forget_range(e, shale_slice("", 0), shale_slice("\x01", 1));
}

TEST(round_trip)
{
    VersionEdit e, d;
    build_edit(&e);
    ShaleBuf rec;
    shale_buf_init(&rec);
    version_edit_encode(&e, &rec);
    version_edit_init(&d);
    ShaleError err;
    REQUIRE_OK(version_edit_decode(&d, shale_buf_slice(&rec), &err), &err);
    CHECK(d.has_format && d.format == MANIFEST_FORMAT_VERSION);
    CHECK_EQ_U64(d.log_number, 17);
    CHECK_EQ_U64(d.next_file, 99);
    CHECK_EQ_U64(d.last_sequence, 123456789);
    CHECK(d.has_compact_pointer[2] && !d.has_compact_pointer[1]);
    CHECK_EQ_INT(d.n_deleted, 2);
    CHECK_EQ_INT(d.deleted[1].level, 3);
    CHECK_EQ_U64(d.deleted[1].number, 6);
    REQUIRE(d.n_added == 2);
    CHECK_EQ_INT(d.added[1].level, 6);
    CHECK_EQ_U64(d.added[1].meta->number, 11);
    CHECK_EQ_U64(d.added[1].meta->size, 11000);
    CHECK_MEM(d.added[0].meta->smallest.data, d.added[0].meta->smallest.len,
              e.added[0].meta->smallest.data, e.added[0].meta->smallest.len);
    REQUIRE(d.n_drops == 1 && d.n_forgets == 1);
    CHECK_MEM(d.drops[0].begin.data, d.drops[0].begin.len, "a\0b", 3);
    CHECK_MEM(d.drops[0].end.data, d.drops[0].end.len, "q", 1);
    CHECK_EQ_U64(d.forgets[0].begin.len, 0);
    CHECK_MEM(d.forgets[0].end.data, d.forgets[0].end.len, "\x01", 1);
    ShaleBuf again;
    shale_buf_init(&again);
    version_edit_encode(&d, &again);
    CHECK_MEM(again.data, again.len, rec.data, rec.len);
    shale_buf_free(&again);
    shale_buf_free(&rec);
    version_edit_destroy(&d);
    version_edit_destroy(&e);
}

TEST(truncations_and_flips_never_crash)
{
    VersionEdit e;
    build_edit(&e);
    ShaleBuf rec;
    shale_buf_init(&rec);
    version_edit_encode(&e, &rec);
    int corrupt = 0;
    for (size_t cut = 1; cut < rec.len; cut++) {
        VersionEdit d;
        version_edit_init(&d);
        ShaleError err;
        ShaleCode rc = version_edit_decode(&d, shale_slice(rec.data, cut), &err);
        /* A cut at a field boundary is a valid shorter edit; anywhere else, corruption. */
        if (rc) {
            CHECK_EQ_INT(rc, SHALE_CORRUPTION);
            corrupt++;
        }
        version_edit_destroy(&d);
    }
    CHECK(corrupt > (int)rec.len / 2);
    char *copy = malloc(rec.len);
    for (size_t i = 0; i < rec.len; i++) {
        memcpy(copy, rec.data, rec.len);
        copy[i] ^= 0x80;
        VersionEdit d;
        version_edit_init(&d);
        ShaleError err;
        ShaleCode rc = version_edit_decode(&d, shale_slice(copy, rec.len), &err);
        CHECK(rc == SHALE_OK || rc == SHALE_CORRUPTION);
        version_edit_destroy(&d);
    }
    free(copy);
    VersionEdit d;
    version_edit_init(&d);
    char bad_tag[] = { 42, 1 };
    CHECK_EQ_INT(version_edit_decode(&d, shale_slice(bad_tag, 2), NULL), SHALE_CORRUPTION);
    version_edit_destroy(&d);
    version_edit_init(&d);
    char bad_format[] = { 7, 2 };
    ShaleError err;
    CHECK_EQ_INT(version_edit_decode(&d, shale_slice(bad_format, 2), &err), SHALE_CORRUPTION);
    CHECK(strstr(err.msg, "format version 2") != NULL);
    version_edit_destroy(&d);
    /* a range must be non-empty: begin < end */
    version_edit_init(&d);
    char bad_range[] = { 8, 1, 'b', 1, 'a' };
    CHECK_EQ_INT(version_edit_decode(&d, shale_slice(bad_range, sizeof bad_range), NULL), SHALE_CORRUPTION);
    version_edit_destroy(&d);
    version_edit_init(&d);
    char empty_range[] = { 9, 1, 'a', 1, 'a' };
    CHECK_EQ_INT(version_edit_decode(&d, shale_slice(empty_range, sizeof empty_range), NULL), SHALE_CORRUPTION);
    version_edit_destroy(&d);
    shale_buf_free(&rec);
    version_edit_destroy(&e);
}

static EditRange er(const char *b, const char *e)
{
    EditRange r;
    shale_buf_init(&r.begin);
    shale_buf_init(&r.end);
    shale_buf_append(&r.begin, b, strlen(b));
    shale_buf_append(&r.end, e, strlen(e));
    return r;
}

static void er_free(EditRange *r, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        shale_buf_free(&r[i].begin);
        shale_buf_free(&r[i].end);
    }
}

static bool has_range(const DropSet *s, const char *b, const char *e)
{
    return drop_set_index_of(s, shale_slice_cstr(b), shale_slice_cstr(e)) >= 0;
}

TEST(drop_set_merges_and_forgets)
{
    EditRange add[5] = { er("d", "f"), er("a", "b"), er("f", "g"), er("e", "ea"), er("x", "y") };
    DropSet *s = NULL, *t = NULL, *u = NULL;
    REQUIRE(drop_set_apply(NULL, NULL, 0, add, 5, &s));
    REQUIRE(s);
    /* [a,b) [d,g) (touching and contained ranges merged) [x,y) */
    CHECK_EQ_U64(s->n, 3);
    CHECK(has_range(s, "a", "b") && has_range(s, "d", "g") && has_range(s, "x", "y"));
    CHECK(drop_set_find(s, shale_slice_cstr("a")) != NULL);
    CHECK(drop_set_find(s, shale_slice_cstr("a\xff")) != NULL);
    CHECK(drop_set_find(s, shale_slice_cstr("b")) == NULL);
    CHECK(drop_set_find(s, shale_slice_cstr("f")) != NULL);
    CHECK(drop_set_find(s, shale_slice_cstr("g")) == NULL);
    CHECK(drop_set_find(s, shale_slice_cstr("")) == NULL);
    CHECK(drop_set_find(s, shale_slice_cstr("z")) == NULL);
    CHECK(drop_set_overlaps(s, shale_slice_cstr("b"), shale_slice_cstr("d")));
    CHECK(!drop_set_overlaps(s, shale_slice_cstr("b"), shale_slice_cstr("c")));
    CHECK(drop_set_overlaps(s, shale_slice_cstr("0"), shale_slice_cstr("z")));
    CHECK(drop_set_covers(s, shale_slice_cstr("d"), shale_slice_cstr("fz")));
    CHECK(!drop_set_covers(s, shale_slice_cstr("d"), shale_slice_cstr("g")));
    CHECK(!drop_set_covers(s, shale_slice_cstr("c"), shale_slice_cstr("e")));
    const DropRange *n = drop_set_next(s, shale_slice_cstr("c"));
    CHECK(n && shale_slice_equal(n->begin, shale_slice_cstr("d")));
    /* forgetting needs the exact merged range; a partial one changes nothing */
    EditRange fg[2] = { er("d", "f"), er("a", "b") };
    REQUIRE(drop_set_apply(s, fg, 2, NULL, 0, &t));
    REQUIRE(t);
    CHECK_EQ_U64(t->n, 2);
    CHECK(has_range(t, "d", "g") && has_range(t, "x", "y") && !has_range(t, "a", "b"));
    EditRange fg2[2] = { er("d", "g"), er("x", "y") };
    REQUIRE(drop_set_apply(t, fg2, 2, NULL, 0, &u));
    CHECK(u == NULL);
    er_free(add, 5);
    er_free(fg, 2);
    er_free(fg2, 2);
    drop_set_unref(s);
    drop_set_unref(t);
}

TEST_MAIN(
    RUN(round_trip);
    RUN(drop_set_merges_and_forgets);
    RUN(truncations_and_flips_never_crash);
)
