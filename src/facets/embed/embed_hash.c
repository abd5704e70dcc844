/* embed_hash.c -- the `hash` embedder: signed feature hashing of words, word bigrams and
 * character trigrams, L2-normalised. No state, no allocation, no network.
 *
 * Exact definition (docs/embeddings.md repeats it; changing any of it changes every stored
 * vector of every `hash` embedder, so never change it):
 *  1. Text is UTF-8. Each code point is case-folded: ASCII A-Z, Latin-1 U+00C0..U+00DE
 *     (except U+00D7), Greek U+0391..U+03A9 and Cyrillic U+0400..U+042F map to their lower
 *     case (+0x20, or +0x50 for U+0400..U+040F). Folding never changes the byte length.
 *  2. Word characters: ASCII letters and digits, and every other non-ASCII code point except
 *     the separators U+0080..U+00BF, U+00D7, U+00F7, U+2000..U+206F, U+3000..U+303F and
 *     U+FF00..U+FF0F. Bytes that are not valid UTF-8 are separators. A word is a maximal run
 *     of word characters.
 *  3. Features, each hashed as the byte string <tag byte> <folded UTF-8 bytes>:
 *       'w' word                               weight 1.0
 *       'b' previous word, 0x20, word          weight 0.5   (consecutive words)
 *       't' 3 consecutive code points of '<' word '>'   weight 0.25 (one per code point
 *           of the word; a 1-letter word "a" gives the single trigram "<a>")
 *  4. h = splitmix64_finaliser(FNV-1a-64(feature bytes)) (FNV offset 0xcbf29ce484222325,
 *     prime 0x100000001b3; finaliser = util/hash.h shale_hash_u64). Bucket = h % dims; the
 *     weight is subtracted when bit 63 of h is set, added otherwise (accumulated in float,
 *     in text order).
 *  5. The vector is divided by its L2 norm (computed in double); no features -> all zeros. */
#include <math.h>
#include <string.h>

#include "facets/embed/embedder.h"
#include "util/hash.h"

#define FNV_OFFSET 0xcbf29ce484222325ull
#define FNV_PRIME 0x100000001b3ull

#define WEIGHT_WORD 1.0f
#define WEIGHT_BIGRAM 0.5f
#define WEIGHT_TRIGRAM 0.25f

static inline uint64_t fnv_byte(uint64_t h, uint8_t b)
{
    return (h ^ b) * FNV_PRIME;
}

/* Decodes one code point at p (< end). Returns its byte length (>= 1) and sets *cp, or
 * *cp = -1 for an invalid sequence (length 1). Rejects overlongs, surrogates, > U+10FFFF. */
static int hash_decode_cp(const uint8_t *p, const uint8_t *end, int32_t *cp)
{
    uint8_t c = p[0];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    int n;
    int32_t v, min;
    if (c >= 0xC2 && c <= 0xDF) { n = 2; v = c & 0x1F; min = 0x80; }
    else if (c >= 0xE0 && c <= 0xEF) { n = 3; v = c & 0x0F; min = 0x800; }
    else if (c >= 0xF0 && c <= 0xF4) { n = 4; v = c & 0x07; min = 0x10000; }
    else { *cp = -1; return 1; }
    if (end - p < n) { *cp = -1; return 1; }
    for (int i = 1; i < n; i++) {
        if ((p[i] & 0xC0) != 0x80) { *cp = -1; return 1; }
        v = (v << 6) | (p[i] & 0x3F);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) { *cp = -1; return 1; }
    *cp = v;
    return n;
}

static int32_t hash_fold_cp(int32_t cp)
{
    if (cp >= 'A' && cp <= 'Z') return cp + 0x20;
    if (cp >= 0xC0 && cp <= 0xDE && cp != 0xD7) return cp + 0x20;
    if (cp >= 0x391 && cp <= 0x3A9 && cp != 0x3A2) return cp + 0x20;
    if (cp >= 0x410 && cp <= 0x42F) return cp + 0x20;
    if (cp >= 0x400 && cp <= 0x40F) return cp + 0x50;
    return cp;
}

static bool hash_is_word_cp(int32_t cp)
{
    if (cp < 0) return false;
    if (cp < 0x80)
        return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || (cp >= '0' && cp <= '9');
    if (cp <= 0xBF || cp == 0xD7 || cp == 0xF7) return false;
    if (cp >= 0x2000 && cp <= 0x206F) return false;
    if (cp >= 0x3000 && cp <= 0x303F) return false;
    if (cp >= 0xFF00 && cp <= 0xFF0F) return false;
    return true;
}

/* UTF-8 encodes a valid code point into out (4 bytes room); returns the length. */
static int hash_encode_cp(int32_t cp, uint8_t *out)
{
    if (cp < 0x80) { out[0] = (uint8_t)cp; return 1; }
    if (cp < 0x800) {
        out[0] = (uint8_t)(0xC0 | (cp >> 6));
        out[1] = (uint8_t)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (uint8_t)(0xE0 | (cp >> 12));
        out[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (uint8_t)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (uint8_t)(0xF0 | (cp >> 18));
    out[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (uint8_t)(0x80 | (cp & 0x3F));
    return 4;
}

static uint64_t hash_cp(uint64_t h, int32_t cp)
{
    uint8_t enc[4];
    int n = hash_encode_cp(cp, enc);
    for (int i = 0; i < n; i++) h = fnv_byte(h, enc[i]);
    return h;
}

/* Hashes the folded bytes of the word [s, e) (every code point in it is valid). */
static uint64_t hash_word(uint64_t h, const uint8_t *s, const uint8_t *e)
{
    while (s < e) {
        int32_t cp;
        s += hash_decode_cp(s, e, &cp);
        h = hash_cp(h, hash_fold_cp(cp));
    }
    return h;
}

static void hash_add(float *out, int dims, uint64_t fnv, float weight)
{
    uint64_t h = shale_hash_u64(fnv);
    size_t bucket = (size_t)(h % (uint64_t)dims);
    out[bucket] += (h >> 63) ? -weight : weight;
}

static void hash_add_word_features(float *out, int dims, const uint8_t *s, const uint8_t *e,
                                   const uint8_t *prev_s, const uint8_t *prev_e)
{
    hash_add(out, dims, hash_word(fnv_byte(FNV_OFFSET, 'w'), s, e), WEIGHT_WORD);
    if (prev_s) {
        uint64_t h = hash_word(fnv_byte(FNV_OFFSET, 'b'), prev_s, prev_e);
        h = fnv_byte(h, ' ');
        hash_add(out, dims, hash_word(h, s, e), WEIGHT_BIGRAM);
    }
    /* trigrams over '<' word '>': a sliding window of three folded code points */
    int32_t win[3] = { '<', 0, 0 };
    int have = 1;
    const uint8_t *p = s;
    for (;;) {
        int32_t cp;
        if (p < e) {
            p += hash_decode_cp(p, e, &cp);
            cp = hash_fold_cp(cp);
        } else {
            cp = '>';
        }
        if (have < 3) {
            win[have++] = cp;
        } else {
            win[0] = win[1];
            win[1] = win[2];
            win[2] = cp;
        }
        if (have == 3) {
            uint64_t h = fnv_byte(FNV_OFFSET, 't');
            h = hash_cp(hash_cp(hash_cp(h, win[0]), win[1]), win[2]);
            hash_add(out, dims, h, WEIGHT_TRIGRAM);
        }
        if (cp == '>' && p >= e) break;
    }
}

/* text: borrowed, len bytes (need not be NUL-terminated); out: caller's dims floats. */
void embed_hash_text(const char *text, size_t len, int dims, float *out)
{
    if (dims <= 0) return;
    memset(out, 0, (size_t)dims * sizeof(float));
    const uint8_t *p = (const uint8_t *)text, *end = p + len;
    const uint8_t *prev_s = NULL, *prev_e = NULL;
    bool any = false;
    while (p < end) {
        int32_t cp;
        int n = hash_decode_cp(p, end, &cp);
        if (!hash_is_word_cp(cp)) {
            p += n;
            continue;
        }
        const uint8_t *s = p;
        p += n;
        while (p < end) {
            n = hash_decode_cp(p, end, &cp);
            if (!hash_is_word_cp(cp)) break;
            p += n;
        }
        hash_add_word_features(out, dims, s, p, prev_s, prev_e);
        prev_s = s;
        prev_e = p;
        any = true;
    }
    if (!any) return;
    double sum = 0.0;
    for (int i = 0; i < dims; i++) sum += (double)out[i] * (double)out[i];
    if (sum <= 0.0) return;   /* every feature cancelled out: keep the zero vector */
    double inv = 1.0 / sqrt(sum);
    for (int i = 0; i < dims; i++) out[i] = (float)((double)out[i] * inv);
}
