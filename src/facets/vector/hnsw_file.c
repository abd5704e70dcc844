/* hnsw_file.c -- HNSW snapshot files (placeholder until the format lands). */
#include "facets/vector/hnsw_int.h"

int hnsw_save_file(HnswIndex *idx, const char *path, ShaleError *err)
{
    (void)idx;
    return shale_error_set(err, SHALE_NOT_SUPPORTED, "hnsw: snapshot files not implemented yet (%s)", path), -1;
}

int hnsw_load_file(const char *path, HnswIndex **out, ShaleError *err)
{
    *out = NULL;
    return shale_error_set(err, SHALE_NOT_SUPPORTED, "hnsw: snapshot files not implemented yet (%s)", path), -1;
}
