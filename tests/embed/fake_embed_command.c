/* fake_embed_command.c -- a `command` embedder for tests: reads {"input":[...]} lines on
 * stdin and answers {"embeddings":[...]} lines with embed_hash_text(text, DIMS) per text
 * (usage: fake_embed_command DIMS). Marker words in a text change its behaviour:
 * "poison" -> exits with status 3 without answering; "reject" -> {"error":"rejected"};
 * "busy" -> {"error":"busy","retryable":true}; "slow" -> sleeps 3 s first; "garbage" ->
 * answers a line that is not JSON; "stderr" -> writes noise to stderr first. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "facets/embed/embed_json.h"
#include "facets/embed/embedder.h"

int main(int argc, char **argv)
{
    int dims = argc > 1 ? atoi(argv[1]) : 16;
    if (dims < 1 || dims > 16000) return 2;
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    float *v = malloc(sizeof(float) * (size_t)dims);
    while ((len = getline(&line, &cap, stdin)) > 0) {
        ShaleBuf texts, out;
        shale_buf_init(&texts);
        shale_buf_init(&out);
        size_t starts[4096];
        int n = 0;
        EmbedJson j;
        embed_json_init(&j, line, (size_t)len);
        bool first = true;
        char key[16];
        while (embed_json_object_next(&j, &first, key, sizeof key)) {
            if (strcmp(key, "input") != 0) {
                embed_json_skip(&j);
                continue;
            }
            bool f = true;
            while (embed_json_array_next(&j, &f) && n < 4096) {
                starts[n++] = texts.len;
                if (!embed_json_string(&j, &texts)) break;
                shale_buf_append_byte(&texts, 0);
            }
        }
        if (j.failed) _exit(4);
        const char *mode = "";
        for (int i = 0; i < n; i++) {
            const char *t = texts.data + starts[i];
            if (strstr(t, "poison")) _exit(3);   /* a crash: no cleanup */
            if (strstr(t, "reject")) mode = "reject";
            if (strstr(t, "busy")) mode = "busy";
            if (strstr(t, "slow")) sleep(3);
            if (strstr(t, "garbage")) mode = "garbage";
            if (strstr(t, "stderr")) fprintf(stderr, "noise on stderr\n");
        }
        if (strcmp(mode, "reject") == 0) {
            embed_json_write_raw(&out, "{\"error\":\"rejected\"}\n");
        } else if (strcmp(mode, "busy") == 0) {
            embed_json_write_raw(&out, "{\"error\":\"busy\",\"retryable\":true}\n");
        } else if (strcmp(mode, "garbage") == 0) {
            embed_json_write_raw(&out, "this is not json\n");
        } else {
            embed_json_write_raw(&out, "{\"embeddings\":[");
            for (int i = 0; i < n; i++) {
                const char *t = texts.data + starts[i];
                embed_hash_text(t, strlen(t), dims, v);
                embed_json_write_raw(&out, i ? ",[" : "[");
                for (int k = 0; k < dims; k++) {
                    if (k) shale_buf_append_byte(&out, ',');
                    embed_json_write_float(&out, v[k]);
                }
                shale_buf_append_byte(&out, ']');
            }
            embed_json_write_raw(&out, "]}\n");
        }
        fwrite(out.data, 1, out.len, stdout);
        fflush(stdout);
        shale_buf_free(&texts);
        shale_buf_free(&out);
    }
    free(line);
    free(v);
    return 0;
}
