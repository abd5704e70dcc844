/* metrics_http_test.c -- unit tests of the /metrics endpoint's pure parts
 * (src/server/metrics_http.c): request parsing, the Prometheus text format of samples and
 * the HTTP responses. */
#include <string.h>

#include "server/metrics_http.h"
#include "tests/harness/test.h"

static int parse(const char *s, int *head)
{
    return metrics_http_parse(s, strlen(s), head);
}

TEST(parse_good_requests)
{
    int head;
    CHECK_EQ_INT(parse("GET /metrics HTTP/1.1\r\nHost: localhost:9187\r\nAccept: */*\r\n\r\n", &head), 200);
    CHECK_EQ_INT(head, 0);
    CHECK_EQ_INT(parse("GET /metrics?name[]=x HTTP/1.0\r\n\r\n", &head), 200);
    CHECK_EQ_INT(parse("GET /metrics HTTP/1.1\n\n", &head), 200);
    CHECK_EQ_INT(parse("HEAD /metrics HTTP/1.1\r\n\r\n", &head), 200);
    CHECK_EQ_INT(head, 1);
}

TEST(parse_incomplete_and_errors)
{
    int head;
    CHECK_EQ_INT(parse("", &head), 0);
    CHECK_EQ_INT(parse("GET /metrics HTTP/1.1\r\n", &head), 0);
    CHECK_EQ_INT(parse("GET /metrics HTTP/1.1\r\nHost: x\r\n", &head), 0);
    CHECK_EQ_INT(parse("GET / HTTP/1.1\r\n\r\n", &head), 404);
    CHECK_EQ_INT(parse("GET /metricsx HTTP/1.1\r\n\r\n", &head), 404);
    CHECK_EQ_INT(parse("POST /metrics HTTP/1.1\r\nContent-Length: 0\r\n\r\n", &head), 405);
    CHECK_EQ_INT(parse("DELETE /metrics HTTP/1.1\r\n\r\n", &head), 405);
    CHECK_EQ_INT(parse("garbage\r\n\r\n", &head), 400);
    CHECK_EQ_INT(parse("GET metrics HTTP/1.1\r\n\r\n", &head), 400);
    CHECK_EQ_INT(parse("GET /metrics HTTP/2.0\r\n\r\n", &head), 400);
    CHECK_EQ_INT(parse("GET /metrics\r\n\r\n", &head), 400);
    CHECK_EQ_INT(parse("GET  /metrics HTTP/1.1\r\n\r\n", &head), 400);
    CHECK_EQ_INT(parse("GET /metrics HTTP/1.1\r\nno colon here\r\n\r\n", &head), 400);
    CHECK_EQ_INT(parse("GET /met\x01rics HTTP/1.1\r\n\r\n", &head), 400);
    CHECK_EQ_INT(metrics_http_parse("GET /metrics HTTP/1.1\r\n\0\r\n\r\n", 28, &head), 400);
    /* junk is refused before the end of the headers arrives */
    CHECK_EQ_INT(parse("\x01\x02", &head), 400);
    CHECK_EQ_INT(parse("FOO BAR\r\nHost: x\r\n", &head), 400);
    CHECK_EQ_INT(parse("GET /metrics HTTP/1.1\r\nHost: x\r\n", &head), 0);
    /* oversized: no end of headers within the limit */
    static char big[METRICS_HTTP_MAX_REQUEST + 100];
    memset(big, 'a', sizeof big);
    memcpy(big, "GET /metrics HTTP/1.1\r\nX: ", 26);
    CHECK_EQ_INT(metrics_http_parse(big, METRICS_HTTP_MAX_REQUEST - 1, &head), 0);
    CHECK_EQ_INT(metrics_http_parse(big, METRICS_HTTP_MAX_REQUEST, &head), 400);
    CHECK_EQ_INT(metrics_http_parse(big, sizeof big, &head), 400);
    memset(big, 'a', sizeof big); /* a request line as long as the limit */
    memcpy(big, "GET /", 5);
    big[METRICS_HTTP_MAX_REQUEST - 1] = '\n';
    CHECK_EQ_INT(metrics_http_parse(big, METRICS_HTTP_MAX_REQUEST, &head), 400);
    /* the end of headers beyond the limit does not count */
    memcpy(big + METRICS_HTTP_MAX_REQUEST + 10, "\r\n\r\n", 4);
    CHECK_EQ_INT(metrics_http_parse(big, sizeof big, &head), 400);
}

TEST(format_samples)
{
    ShaleBuf b;
    shale_buf_init(&b);
    ObsMetric m = {"lsm_level_files", "level", "0", OBS_GAUGE, false, 3, 0, "files", "SSTable files"};
    metrics_format_sample(&m, NULL, &b);
    ObsMetric m1 = m;
    m1.label_value = "1";
    m1.u = 18446744073709551615ull;
    metrics_format_sample(&m1, "lsm_level_files", &b);
    ObsMetric c = {"wal_syncs_total", NULL, NULL, OBS_COUNTER, false, 42, 0, "", "fdatasync calls"};
    metrics_format_sample(&c, "lsm_level_files", &b);
    ObsMetric r = {"block_cache_hit_ratio", "k", "a\"b\\c\nd", OBS_GAUGE, true, 0, 0.25, "ratio", "hits"};
    metrics_format_sample(&r, "wal_syncs_total", &b);
    shale_buf_append_byte(&b, 0);
    CHECK_STR(b.data, "# HELP shaledb_lsm_level_files SSTable files\n"
                      "# TYPE shaledb_lsm_level_files gauge\n"
                      "shaledb_lsm_level_files{level=\"0\"} 3\n"
                      "shaledb_lsm_level_files{level=\"1\"} 18446744073709551615\n"
                      "# HELP shaledb_wal_syncs_total fdatasync calls\n"
                      "# TYPE shaledb_wal_syncs_total counter\n"
                      "shaledb_wal_syncs_total 42\n"
                      "# HELP shaledb_block_cache_hit_ratio hits\n"
                      "# TYPE shaledb_block_cache_hit_ratio gauge\n"
                      "shaledb_block_cache_hit_ratio{k=\"a\\\"b\\\\c\\nd\"} 0.25\n");
    shale_buf_free(&b);
}

TEST(responses)
{
    ShaleBuf body, out;
    shale_buf_init(&body);
    shale_buf_init(&out);
    shale_buf_append(&body, "x 1\n", 4);
    metrics_http_response(200, 0, &body, &out);
    shale_buf_append_byte(&out, 0);
    CHECK_STR(out.data, "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\n"
                        "Content-Length: 4\r\nConnection: close\r\n\r\nx 1\n");
    shale_buf_reset(&out);
    metrics_http_response(200, 1, &body, &out);
    shale_buf_append_byte(&out, 0);
    CHECK(strstr(out.data, "Content-Length: 4\r\n") != NULL);
    CHECK(strstr(out.data, "x 1") == NULL);
    shale_buf_reset(&out);
    metrics_http_response(405, 0, NULL, &out);
    shale_buf_append_byte(&out, 0);
    CHECK(!strncmp(out.data, "HTTP/1.1 405 Method Not Allowed\r\n", 33));
    CHECK(strstr(out.data, "Allow: GET, HEAD\r\n") != NULL);
    shale_buf_reset(&out);
    metrics_http_response(400, 0, NULL, &out);
    shale_buf_append_byte(&out, 0);
    CHECK(!strncmp(out.data, "HTTP/1.1 400 Bad Request\r\n", 26));
    CHECK(strstr(out.data, "\r\n\r\n400 Bad Request\n") != NULL);
    shale_buf_free(&body);
    shale_buf_free(&out);
}

TEST_MAIN(
    RUN(parse_good_requests);
    RUN(parse_incomplete_and_errors);
    RUN(format_samples);
    RUN(responses);
)
