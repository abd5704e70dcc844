/* bench_hist.c -- shale_bench's per-operation latency histogram: log-linear buckets (exact
 * below 64 ns, then 8 per power of two, so a reported percentile is within 12.5%). */
#include "tools/bench/bench.h"

static int bench_hist_index(uint64_t ns)
{
    if (ns < 64)
        return (int)ns;
    int msb = 63 - __builtin_clzll(ns);            /* >= 6 */
    int sub = (int)((ns >> (msb - 3)) & 7);
    return 64 + (msb - 6) * 8 + sub;
}

/* The largest value that falls into bucket i. */
static uint64_t bench_hist_upper(int i)
{
    if (i < 64)
        return (uint64_t)i;
    int msb = (i - 64) / 8 + 6;
    uint64_t sub = (uint64_t)((i - 64) % 8);
    uint64_t lo = (1ull << msb) | (sub << (msb - 3));
    return lo + (1ull << (msb - 3)) - 1;
}

void bench_hist_add(BenchHist *h, uint64_t ns)
{
    h->buckets[bench_hist_index(ns)]++;
    h->count++;
    if (ns > h->max_ns)
        h->max_ns = ns;
}

uint64_t bench_hist_percentile(const BenchHist *h, double q)
{
    if (h->count == 0)
        return 0;
    uint64_t want = (uint64_t)(q * (double)h->count);
    if (want >= h->count)
        want = h->count - 1;
    uint64_t seen = 0;
    for (int i = 0; i < BENCH_HIST_BUCKETS; i++) {
        seen += h->buckets[i];
        if (seen > want) {
            uint64_t up = bench_hist_upper(i);
            return up < h->max_ns ? up : h->max_ns;
        }
    }
    return h->max_ns;
}

uint64_t bench_hist_count_at_least(const BenchHist *h, uint64_t ns)
{
    uint64_t n = 0;
    for (int i = bench_hist_index(ns); i < BENCH_HIST_BUCKETS; i++)
        n += h->buckets[i];
    return n;
}
