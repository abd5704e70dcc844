/* types_vector.h -- internal to sql/types: the pgvector-compatible `vector(n)` type
 * (types_vector.c). The generic dispatch points (types_io.c, types_binary.c,
 * types_compare.c, types_cast.c, types_castexec.c, types_registry.c) call these for
 * VECTOROID; nothing outside sql/types includes this header.
 *
 * Value bytes of a vector (u.s, see catalog/value.h): dim:uint16 LE | unused:uint16 (0) |
 * dim x float32 LE. 1 <= dim <= 16000, no NaN or infinite element. typmod = dims, -1 = any. */
#ifndef SHALE_SQL_TYPES_TYPES_VECTOR_H
#define SHALE_SQL_TYPES_TYPES_VECTOR_H

#include "sql/types/types.h"

#define TYPES_VECTOR_MAX_DIM 16000

/* pgvector's vector_in: '[1,2,3]' (whitespace allowed), errors worded as pgvector. */
int types_vector_in(const char *s, size_t n, int32_t typmod, ShaleArena *a, Value *out,
                    SqlError *err) TYPES_WARN_UNUSED;
/* '[1,2,3]' with the shortest float4 representation of each element. */
void types_vector_out(const Value *v, ShaleBuf *out);
/* Binary: dim:int16 BE | unused:int16 BE (must be 0) | dim x float4 BE. */
int types_vector_recv(const char *p, size_t n, int32_t typmod, ShaleArena *a, Value *out,
                      SqlError *err) TYPES_WARN_UNUSED;
void types_vector_send(const Value *v, ShaleBuf *out);
/* pgvector's ordering: element-wise over the common prefix, then shorter first. */
int types_vector_compare(const Value *a, const Value *b);
uint64_t types_vector_hash(const Value *v);
/* vector(n): 1 <= n <= 16000 (22023 messages as pgvector). */
int types_vector_typmod(int n_mods, const int32_t *mods, int32_t *typmod_out, SqlError *err) TYPES_WARN_UNUSED;
/* Whether types_vector_cast executes from -> to (vector->vector typmod coercion, vector ->
 * real[], integer[]/real[]/double precision[]/numeric[] -> vector). */
bool types_vector_cast_handles(Oid from, Oid to);
int types_vector_cast(const TypeContext *tc, const Value *in, Oid target, int32_t typmod, ShaleArena *a,
                      Value *out, SqlError *err) TYPES_WARN_UNUSED;
/* Registers the operators, functions and aggregates (called from reg_build). */
void types_vector_register(void);

#endif
