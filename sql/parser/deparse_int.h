/* deparse_int.h -- helpers shared by the two halves of the printer (deparse.c prints
 * names, constants, types and expressions; deparse_stmt.c prints statements). All append
 * to a ShaleBuf (sticky OOM). */
#ifndef SHALE_SQL_PARSER_DEPARSE_INT_H
#define SHALE_SQL_PARSER_DEPARSE_INT_H

#include <stdbool.h>

#include "sql/parser/parser.h"

void dp_str(ShaleBuf *b, const char *s);
void dp_names(ShaleBuf *b, const AstNameList *l, const char *sep);
void dp_string_lit(ShaleBuf *b, const char *s, int len);
void dp_list(ShaleBuf *b, const AstList *l, const char *sep);
void dp_typename(ShaleBuf *b, const AstTypeName *t);
void dp_sort_list(ShaleBuf *b, const AstList *l);
void dp_window_spec(ShaleBuf *b, const AstWindowDef *w);
bool dp_expr(const AstNode *n, ShaleBuf *b);   /* false when n is not an expression */
void dp_stmt(const AstNode *n, ShaleBuf *b);    /* statements and statement pieces */
bool dp_utility(const AstNode *n, ShaleBuf *b); /* utility statements; false if not one */
void dp_value(ShaleBuf *b, const AstNode *n);   /* option value: numbers bare */
void dp_label(ShaleBuf *b, const char *name);   /* option name (ColLabel) */
void dp_defs(ShaleBuf *b, const AstList *l, const char *eq);
void dp_rel_list(ShaleBuf *b, const AstList *l);
void dp_rangevar_name(ShaleBuf *b, const AstRangeVar *r);
void dp_if_not_exists(ShaleBuf *b, bool ine);
const char *dp_obj_name(AstObjectType t);      /* "TABLE", "INDEX", ... */
const char *dp_behavior(AstDropBehavior d);    /* "", " CASCADE", " RESTRICT" */

#endif
