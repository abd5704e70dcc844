/* settings_test.c -- SET/SHOW/RESET semantics of session settings, as PostgreSQL 15 has them. */
#include "tests/harness/test.h"

#include "sql/settings.h"

TEST(defaults_and_set)
{
    SessionSettings s;
    settings_init(&s);
    char buf[SETTING_VALUE_MAX];
    SqlError err;
    CHECK_OK(settings_show(&s, "datestyle", buf, sizeof buf, &err), &err);
    CHECK_STR(buf, "ISO, MDY");
    CHECK_OK(settings_set(&s, "DateStyle", "ISO", false, &err), &err);
    CHECK_OK(settings_show(&s, "DateStyle", buf, sizeof buf, &err), &err);
    CHECK_STR(buf, "ISO, MDY");
    CHECK_OK(settings_set(&s, "extra_float_digits", "3", false, &err), &err);
    CHECK_STR(settings_get(&s, SETTING_EXTRA_FLOAT_DIGITS), "3");
    CHECK_EQ_INT(settings_set(&s, "extra_float_digits", "x", false, &err), -1);
    CHECK_STR(sql_errcode_state(err.code), "22023");
    CHECK_EQ_INT(settings_set(&s, "no_such_thing", "1", false, &err), -1);
    CHECK_STR(sql_errcode_state(err.code), "42704");
    CHECK_STR(err.message, "unrecognized configuration parameter \"no_such_thing\"");
    CHECK_OK(settings_set(&s, "hnsw.whatever", "1", false, &err), &err);
    CHECK_OK(settings_set(&s, "client_encoding", "utf-8", false, &err), &err);
    CHECK_STR(settings_get(&s, SETTING_CLIENT_ENCODING), "UTF8");
    CHECK_EQ_INT(settings_set(&s, "client_encoding", "LATIN1", false, &err), -1);
    CHECK_EQ_INT(settings_set(&s, "server_version", "1", false, &err), -1);
    CHECK_STR(sql_errcode_state(err.code), "55P02");
    CHECK_OK(settings_set(&s, "statement_timeout", "2s", false, &err), &err);
    CHECK_STR(settings_get(&s, SETTING_STATEMENT_TIMEOUT), "2000");
    CHECK_OK(settings_set(&s, "synchronous_commit", "false", false, &err), &err);
    CHECK_STR(settings_get(&s, SETTING_SYNCHRONOUS_COMMIT), "off");
}

TEST(set_local_and_reset)
{
    SessionSettings s;
    settings_init(&s);
    SqlError err;
    CHECK_OK(settings_set(&s, "application_name", "one", false, &err), &err);
    CHECK(s.changed[SETTING_APPLICATION_NAME]);
    s.changed[SETTING_APPLICATION_NAME] = false;
    CHECK_OK(settings_set(&s, "application_name", "two", true, &err), &err);
    CHECK_STR(settings_get(&s, SETTING_APPLICATION_NAME), "two");
    settings_end_transaction(&s);
    CHECK_STR(settings_get(&s, SETTING_APPLICATION_NAME), "one");
    CHECK(s.changed[SETTING_APPLICATION_NAME]); /* reported again: it changed back */
    CHECK_OK(settings_set(&s, "application_name", NULL, false, &err), &err); /* RESET */
    CHECK_STR(settings_get(&s, SETTING_APPLICATION_NAME), "");
    CHECK_OK(settings_set(&s, "transaction_isolation", "SERIALIZABLE", false, &err), &err);
    CHECK_STR(settings_get(&s, SETTING_TRANSACTION_ISOLATION), "serializable");
}

TEST_MAIN(
    RUN(defaults_and_set);
    RUN(set_local_and_reset);
)
