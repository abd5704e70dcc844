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
