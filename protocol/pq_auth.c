/* pq_auth.c -- password checks against a role's stored verifier (mbedTLS primitives).
 *
 * Verifier formats (as PostgreSQL stores them in pg_authid.rolpassword):
 *   md5:   "md5" || hex(md5(password || username))                       (35 chars)
 *   SCRAM: "SCRAM-SHA-256$" iterations ":" base64(salt) "$" base64(StoredKey) ":" base64(ServerKey)
 *          StoredKey = SHA256(HMAC(SaltedPassword, "Client Key")),
 *          SaltedPassword = PBKDF2-HMAC-SHA256(password, salt, iterations)
 * md5 challenge response: "md5" || hex(md5(hex(md5(password || username)) || salt[4])). */
#include "protocol/pq_conn_int.h"

#include <stdlib.h>
#include <string.h>

#include <mbedtls/base64.h>
#include <mbedtls/md.h>
#include <mbedtls/md5.h>
#include <mbedtls/pkcs5.h>
#include <mbedtls/sha256.h>

/* Compares without an early exit, so timing says nothing about where strings differ. */
static bool pq_auth_equal(const char *a, const char *b, size_t n)
{
    unsigned char d = 0;
    for (size_t i = 0; i < n; i++)
        d |= (unsigned char)(a[i] ^ b[i]);
    return d == 0;
}

void pq_auth_md5_hex(const void *a, size_t alen, const void *b, size_t blen, char hex[33])
{
    static const char digits[] = "0123456789abcdef";
    unsigned char sum[16];
    mbedtls_md5_context ctx;
    mbedtls_md5_init(&ctx);
    mbedtls_md5_starts_ret(&ctx);
    mbedtls_md5_update_ret(&ctx, a, alen);
    mbedtls_md5_update_ret(&ctx, b, blen);
    mbedtls_md5_finish_ret(&ctx, sum);
    mbedtls_md5_free(&ctx);
    for (int i = 0; i < 16; i++) {
        hex[2 * i] = digits[sum[i] >> 4];
        hex[2 * i + 1] = digits[sum[i] & 15];
    }
    hex[32] = '\0';
}

static bool pq_auth_check_scram(const char *password, const char *verifier)
{
    /* SCRAM-SHA-256$<iter>:<salt>$<storedkey>:<serverkey> */
    const char *p = verifier + strlen("SCRAM-SHA-256$");
    char *endp;
    long iter = strtol(p, &endp, 10);
    if (endp == p || *endp != ':' || iter < 1 || iter > 10000000)
        return false;
    const char *salt64 = endp + 1;
    const char *dollar = strchr(salt64, '$');
    if (!dollar)
        return false;
    const char *stored64 = dollar + 1;
    const char *colon = strchr(stored64, ':');
    if (!colon)
        return false;
    unsigned char salt[128], stored[64];
    size_t salt_len, stored_len;
    if (mbedtls_base64_decode(salt, sizeof salt, &salt_len, (const unsigned char *)salt64,
                              (size_t)(dollar - salt64)) != 0)
        return false;
    if (mbedtls_base64_decode(stored, sizeof stored, &stored_len, (const unsigned char *)stored64,
                              (size_t)(colon - stored64)) != 0 || stored_len != 32)
        return false;
    const mbedtls_md_info_t *md = mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);
    mbedtls_md_context_t ctx;
    mbedtls_md_init(&ctx);
    unsigned char salted[32], client_key[32], stored_calc[32];
    bool ok = false;
    if (mbedtls_md_setup(&ctx, md, 1) == 0 &&
        mbedtls_pkcs5_pbkdf2_hmac(&ctx, (const unsigned char *)password, strlen(password), salt,
                                  salt_len, (unsigned)iter, 32, salted) == 0 &&
        mbedtls_md_hmac(md, salted, 32, (const unsigned char *)"Client Key", 10, client_key) == 0 &&
        mbedtls_sha256_ret(client_key, 32, stored_calc, 0) == 0)
        ok = pq_auth_equal((const char *)stored_calc, (const char *)stored, 32);
    mbedtls_md_free(&ctx);
    return ok;
}

bool pq_auth_check_cleartext(const char *user, const char *password, const char *verifier)
{
    if (strncmp(verifier, "md5", 3) == 0 && strlen(verifier) == 35) {
        char hex[33];
        pq_auth_md5_hex(password, strlen(password), user, strlen(user), hex);
        return pq_auth_equal(hex, verifier + 3, 32);
    }
    if (strncmp(verifier, "SCRAM-SHA-256$", 14) == 0)
        return pq_auth_check_scram(password, verifier);
    return false; /* no verifier (or an unknown kind): password login is impossible */
}

bool pq_auth_check_md5(const char *verifier, const uint8_t salt[4], const char *response)
{
    if (strncmp(verifier, "md5", 3) != 0 || strlen(verifier) != 35 || strlen(response) != 35 ||
        strncmp(response, "md5", 3) != 0)
        return false;
    char hex[33];
    pq_auth_md5_hex(verifier + 3, 32, salt, 4, hex);
    return pq_auth_equal(hex, response + 3, 32);
}

/* ---- SCRAM-SHA-256 (RFC 5802 / 7677, as PostgreSQL speaks it) ---------------------------
 * Messages (SASL payloads, no NUL terminators):
 *   client-first:  gs2-header "n,," (or "y,,": client could bind, server did not offer)
 *                  then client-first-bare "n=<ignored>,r=<client nonce>"
 *   server-first:  "r=<client nonce><server nonce>,s=<base64 salt>,i=<iterations>"
 *   client-final:  "c=biws,r=<nonce>,p=<base64 ClientProof>"   (biws = base64("n,,"))
 *   server-final:  "v=<base64 ServerSignature>"
 * AuthMessage = client-first-bare "," server-first "," client-final-without-proof;
 * ClientKey = ClientProof XOR HMAC(StoredKey, AuthMessage), accepted when SHA256(ClientKey)
 * equals StoredKey; ServerSignature = HMAC(ServerKey, AuthMessage). */

bool pq_auth_scram_parse(const char *verifier, PqScramVerifier *out)
{
    memset(out, 0, sizeof *out);
    if (!verifier || strncmp(verifier, "SCRAM-SHA-256$", 14) != 0)
        return false;
    const char *p = verifier + 14;
    char *endp;
    long iter = strtol(p, &endp, 10);
    if (endp == p || *endp != ':' || iter < 1 || iter > 10000000)
        return false;
    const char *salt64 = endp + 1;
    const char *dollar = strchr(salt64, '$');
    if (!dollar)
        return false;
    const char *stored64 = dollar + 1;
    const char *colon = strchr(stored64, ':');
    if (!colon)
        return false;
    size_t n;
    if ((size_t)(dollar - salt64) >= sizeof out->salt64)
        return false;
    memcpy(out->salt64, salt64, (size_t)(dollar - salt64));
    if (mbedtls_base64_decode(out->stored_key, 32, &n, (const unsigned char *)stored64,
                              (size_t)(colon - stored64)) != 0 || n != 32)
        return false;
    if (mbedtls_base64_decode(out->server_key, 32, &n, (const unsigned char *)colon + 1, strlen(colon + 1)) != 0 ||
        n != 32)
        return false;
    out->iterations = (int)iter;
    return true;
}

void pq_auth_scram_mock(const char *user, PqScramVerifier *out)
{
    /* An unknown role (or one without a SCRAM verifier) still gets a plausible, stable salt
     * so the exchange does not reveal which roles exist; no proof can match the keys. */
    memset(out, 0, sizeof *out);
    unsigned char sum[32], salt[16];
    mbedtls_sha256_ret((const unsigned char *)user, strlen(user), sum, 0);
    memcpy(salt, sum, 16);
    size_t n;
    mbedtls_base64_encode((unsigned char *)out->salt64, sizeof out->salt64, &n, salt, 16);
    out->iterations = 4096;
    memset(out->stored_key, 0xA5, 32);
    memset(out->server_key, 0x5A, 32);
    out->mock = true;
}

/* Finds "k=" attribute at the start of s (or after a ','); returns its value and length. */
static const char *scram_attr(const char *s, size_t n, char key, size_t *vlen)
{
    size_t i = 0;
    while (i + 1 < n) {
        if (s[i] == key && s[i + 1] == '=') {
            size_t j = i + 2;
            while (j < n && s[j] != ',')
                j++;
            *vlen = j - i - 2;
            return s + i + 2;
        }
        while (i < n && s[i] != ',')
            i++;
        i++;
    }
    return NULL;
}

int pq_auth_scram_first(PqScramState *st, const char *msg, size_t n, const char *server_nonce)
{
    /* gs2 header: cbind flag, authzid, then the bare message */
    if (n < 3)
        return -1;
    if (msg[0] == 'p')
        return -2;   /* channel binding requested: not offered without TLS */
    if ((msg[0] != 'n' && msg[0] != 'y') || msg[1] != ',')
        return -1;
    const char *p = memchr(msg + 2, ',', n - 2);
    if (!p)
        return -1;
    const char *bare = p + 1;
    size_t bare_len = n - (size_t)(bare - msg);
    size_t nlen;
    const char *cnonce = scram_attr(bare, bare_len, 'r', &nlen);
    if (!cnonce || nlen == 0 || bare_len >= sizeof st->client_first_bare || nlen + strlen(server_nonce) >= sizeof st->nonce)
        return -1;
    memcpy(st->client_first_bare, bare, bare_len);
    st->client_first_bare[bare_len] = '\0';
    snprintf(st->nonce, sizeof st->nonce, "%.*s%s", (int)nlen, cnonce, server_nonce);
    snprintf(st->server_first, sizeof st->server_first, "r=%s,s=%s,i=%d", st->nonce, st->v.salt64, st->v.iterations);
    return 0;
}

int pq_auth_scram_final(PqScramState *st, const char *msg, size_t n, char *server_final, size_t cap)
{
    size_t clen, rlen, plen;
    const char *cb = scram_attr(msg, n, 'c', &clen);
    const char *r = scram_attr(msg, n, 'r', &rlen);
    const char *proof64 = scram_attr(msg, n, 'p', &plen);
    if (!cb || !r || !proof64 || proof64 < msg + 3 || proof64[-3] != ',')
        return -1;
    if (!((clen == 4 && memcmp(cb, "biws", 4) == 0) || (clen == 4 && memcmp(cb, "eSws", 4) == 0)))
        return -1;   /* must echo "n,," / "y,," */
    if (rlen != strlen(st->nonce) || memcmp(r, st->nonce, rlen) != 0)
        return -1;
    unsigned char proof[64];
    size_t proof_len;
    if (mbedtls_base64_decode(proof, sizeof proof, &proof_len, (const unsigned char *)proof64, plen) != 0 || proof_len != 32)
        return -1;
    size_t without_proof = (size_t)(proof64 - 3 - msg);
    char auth[1024];
    int alen = snprintf(auth, sizeof auth, "%s,%s,%.*s", st->client_first_bare, st->server_first, (int)without_proof, msg);
    if (alen < 0 || (size_t)alen >= sizeof auth)
        return -1;
    const mbedtls_md_info_t *md = mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);
    unsigned char sig[32], client_key[32], check[32], server_sig[32];
    if (mbedtls_md_hmac(md, st->v.stored_key, 32, (const unsigned char *)auth, (size_t)alen, sig) != 0)
        return -1;
    for (int i = 0; i < 32; i++)
        client_key[i] = proof[i] ^ sig[i];
    mbedtls_sha256_ret(client_key, 32, check, 0);
    if (st->v.mock || !pq_auth_equal((const char *)check, (const char *)st->v.stored_key, 32))
        return 1;
    if (mbedtls_md_hmac(md, st->v.server_key, 32, (const unsigned char *)auth, (size_t)alen, server_sig) != 0)
        return -1;
    size_t sl;
    if (cap < 3)
        return -1;
    memcpy(server_final, "v=", 2);
    if (mbedtls_base64_encode((unsigned char *)server_final + 2, cap - 2, &sl, server_sig, 32) != 0)
        return -1;
    return 0;
}
