# sql/pgcat/pgcat.mk -- PostgreSQL's system catalogs and information_schema as virtual
# tables over the catalog, and the catalog-aware functions (pgcat.h).
libshale_a_SOURCES += \
	sql/pgcat/pgcat.h sql/pgcat/pgcat_int.h sql/pgcat/pgcat_func_int.h \
	sql/pgcat/pgcat_tables.def sql/pgcat/pgcat_operators.inc \
	sql/pgcat/pgcat.c sql/pgcat/pgcat_class.c sql/pgcat/pgcat_misc.c sql/pgcat/pgcat_views.c \
	sql/pgcat/pgcat_infoschema.c sql/pgcat/pgcat_deparse.c sql/pgcat/pgcat_func.c sql/pgcat/pgcat_reg.c
EXTRA_DIST += sql/pgcat/gen_pgcat_def.sh sql/pgcat/pgcat_tables.txt
