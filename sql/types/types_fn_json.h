/* types_fn_json.h -- internal: helpers shared by types_fn_json.c (operators, accessors,
 * set-returning functions) and types_fn_jsonb.c (to_json, constructors, aggregates). */
#ifndef SHALE_SQL_TYPES_TYPES_FN_JSON_H
#define SHALE_SQL_TYPES_TYPES_FN_JSON_H

#include "sql/types/types_fn.h"
#include "sql/types/types_json.h"

/* Parses a json or jsonb Value into a tree allocated in ctx->arena. */
int jfn_parse(FuncCallCtx *ctx, const Value *v, JNode **out, SqlError *err);
/* A parsed subvalue as a Value of type t (json/jsonb): its source bytes copied to ctx->arena. */
int jfn_node_value(FuncCallCtx *ctx, const JNode *n, Oid t, Value *out, SqlError *err);
/* Normalises a (modified) tree and writes it as jsonb canonical text into ctx->arena. */
int jfn_tree_value(FuncCallCtx *ctx, JNode *n, Value *out, SqlError *err);
/* Appends v (any type, non-null) as JSON text the way to_json does (jsonb: false) or the
 * way to_jsonb does before normalisation (jsonb: true). */
void jfn_to_json_text(FuncCallCtx *ctx, const Value *v, bool jsonb, ShaleBuf *out);

void types_fn_jsonb_register(void);    /* types_fn_jsonb.c */

#endif
