# sql/types/types.mk -- the SQL type system: type I/O, comparison, casts, the builtin
# function/operator/aggregate registry (sql/types/types.h).
# libm for the float math functions (the lead may move this to configure.ac)
SHALE_LIBS += -lm
libshale_a_SOURCES += \
	sql/types/types.h sql/types/types_int.h sql/types/types_json.h \
	sql/types/types_io.c sql/types/types_binary.c sql/types/types_float.c \
	sql/types/types_numeric.c sql/types/types_utf8.c sql/types/types_tz.c \
	sql/types/types_datetime.c sql/types/types_interval.c sql/types/types_json.c \
	sql/types/types_array.c sql/types/types_compare.c sql/types/types_cast.c \
	sql/types/types_castexec.c sql/types/types_fn.h sql/types/types_fn_ops.c \
	sql/types/types_fn_text.c sql/types/types_fn_math.c sql/types/types_fn_agg.c \
	sql/types/types_registry.c sql/types/types_fn_date.c sql/types/types_fn_num.c sql/types/types_numeric_math.c sql/types/types_fn_regex.c sql/types/types_fn_str.c sql/types/types_fn_stat.c \
	sql/types/types_fn_json.h sql/types/types_fn_json.c sql/types/types_fn_jsonb.c \
	sql/types/types_fn_tochar.h sql/types/types_fn_tochar.c sql/types/types_fn_toparse.c sql/types/types_fn_tonum.c \
	sql/types/types_fn_extra.c sql/types/types_datestyle.c sql/types/types_fn_regr.c sql/types/types_record.c
check_PROGRAMS += tests/sql/types_test
tests_sql_types_test_SOURCES = tests/sql/types_test.c tests/harness/test.h
TESTS += tests/sql/types_test
check_PROGRAMS += tests/sql/types_func_test
tests_sql_types_func_test_SOURCES = tests/sql/types_func_test.c tests/harness/test.h
TESTS += tests/sql/types_func_test
