-- tests/clients/bi/queries.sql -- the SQL Grafana's and Metabase's PostgreSQL data sources send,
-- with their macros expanded as the tools expand them (Grafana's postgres macro engine for the
-- time range 2024-01-01T00:00:00Z .. 2024-01-01T02:00:00Z; Metabase's HoneySQL output written
-- out). One query per "-- name:" block; bi_queries_test.sh runs each and compares its rows with
-- expected.txt (PostgreSQL 15's output; regenerate with BI_REGEN=1 SHALE_TEST_SERVER=postgres).

-- name: grafana.version
SELECT current_setting('server_version_num')::int/100 as version
-- name: grafana.timescaledb_version
SELECT extversion FROM pg_extension WHERE extname = 'timescaledb'
-- name: grafana.schemas
SELECT schema_name AS "name"
    FROM information_schema.schemata
    WHERE schema_name NOT IN ('information_schema',
                              'pg_catalog',
                              'pg_toast',
                              '_timescaledb_cache',
                              '_timescaledb_catalog',
                              '_timescaledb_internal',
                              '_timescaledb_config',
                              'timescaledb_information',
                              'timescaledb_experimental')
    ORDER BY schema_name
-- name: grafana.tables_of_schema
SELECT quote_ident(table_name) AS "table"
      FROM information_schema.tables
      WHERE quote_ident(table_schema) = 'public'
      ORDER BY 1
-- name: grafana.tables_on_search_path
SELECT
    CASE WHEN
          quote_ident(table_schema) IN (
          SELECT
            CASE WHEN trim(s[i]) = '"$user"' THEN user ELSE trim(s[i]) END
          FROM
            generate_series(
              array_lower(string_to_array(current_setting('search_path'),','),1),
              array_upper(string_to_array(current_setting('search_path'),','),1)
            ) as i,
            string_to_array(current_setting('search_path'),',') s
          )
      THEN quote_ident(table_name)
      ELSE quote_ident(table_schema) || '.' || quote_ident(table_name)
    END AS "table"
    FROM information_schema.tables
    WHERE quote_ident(table_schema) NOT IN ('information_schema',
                             'pg_catalog',
                             '_timescaledb_cache',
                             '_timescaledb_catalog',
                             '_timescaledb_internal',
                             '_timescaledb_config',
                             'timescaledb_information',
                             'timescaledb_experimental')
    ORDER BY CASE WHEN
          quote_ident(table_schema) IN (
          SELECT
            CASE WHEN trim(s[i]) = '"$user"' THEN user ELSE trim(s[i]) END
          FROM
            generate_series(
              array_lower(string_to_array(current_setting('search_path'),','),1),
              array_upper(string_to_array(current_setting('search_path'),','),1)
            ) as i,
            string_to_array(current_setting('search_path'),',') s
          ) THEN 0 ELSE 1 END, 1
-- name: grafana.columns
SELECT quote_ident(column_name) AS "column", data_type AS "type"
    FROM information_schema.columns
    WHERE
      CASE WHEN array_length(parse_ident('metrics'),1) = 2
        THEN quote_ident(table_schema) = (parse_ident('metrics'))[1]
          AND quote_ident(table_name) = (parse_ident('metrics'))[2]
        ELSE quote_ident(table_name) = 'metrics'
          AND
          quote_ident(table_schema) IN (
          SELECT
            CASE WHEN trim(s[i]) = '"$user"' THEN user ELSE trim(s[i]) END
          FROM
            generate_series(
              array_lower(string_to_array(current_setting('search_path'),','),1),
              array_upper(string_to_array(current_setting('search_path'),','),1)
            ) as i,
            string_to_array(current_setting('search_path'),',') s
          )
      END
-- name: grafana.time_group_alias
SELECT
  floor(extract(epoch from "time")/1800)*1800 AS "time",
  avg(value) AS "value"
FROM metrics
WHERE "time" BETWEEN '2024-01-01T00:00:00Z' AND '2024-01-01T02:00:00Z'
GROUP BY 1
ORDER BY 1
-- name: grafana.time_group_metric
SELECT
  floor(extract(epoch from time)/3600)*3600 AS "time",
  host AS metric,
  max(value) AS value
FROM metrics
WHERE time BETWEEN '2024-01-01T00:00:00Z' AND '2024-01-01T02:00:00Z'
GROUP BY 1, 2
ORDER BY 1, 2
-- name: grafana.time_and_range
SELECT time AS "time", value
FROM metrics
WHERE time >= '2024-01-01T00:00:00Z' AND time < '2024-01-01T00:30:00Z'
ORDER BY 1
-- name: grafana.time_epoch
SELECT extract(epoch from time) as "time", host, value FROM metrics
WHERE time BETWEEN '2024-01-01T01:00:00Z' AND '2024-01-01T01:30:00Z' ORDER BY 1
-- name: grafana.unix_epoch_filter_group
SELECT floor((ts_epoch)/600)*600 AS "time", count(*) AS n, sum(value) AS total
FROM metrics
WHERE ts_epoch >= 1704067200 AND ts_epoch <= 1704074400
GROUP BY 1
ORDER BY 1
-- name: grafana.date_trunc_rate
SELECT date_trunc('hour', time) AS "time", host, sum(value) / extract(epoch from interval '1 hour') AS rate
FROM metrics
WHERE time BETWEEN '2024-01-01T00:00:00Z' AND '2024-01-01T02:00:00Z'
GROUP BY 1, 2
ORDER BY 1, 2
-- name: metabase.timezone
show timezone;
-- name: metabase.tables
SELECT n.nspname AS schema, c.relname AS name, CASE c.relkind WHEN 'r' THEN 'TABLE' WHEN 'p' THEN 'PARTITIONED TABLE' WHEN 'v' THEN 'VIEW' WHEN 'f' THEN 'FOREIGN TABLE' WHEN 'm' THEN 'MATERIALIZED VIEW' ELSE NULL END AS type, d.description AS description, stat.n_live_tup AS estimated_row_count FROM pg_catalog.pg_class AS c INNER JOIN pg_catalog.pg_namespace AS n ON c.relnamespace = n.oid LEFT JOIN pg_catalog.pg_description AS d ON (c.oid = d.objoid) AND (d.objsubid = 0) AND (d.classoid = 'pg_class'::regclass) LEFT JOIN pg_stat_user_tables AS stat ON (n.nspname = stat.schemaname) AND (c.relname = stat.relname) WHERE (c.relnamespace = n.oid) AND (n.nspname !~ '^pg_') AND (n.nspname <> 'information_schema') AND c.relkind in ('r', 'p', 'v', 'f', 'm') AND (n.nspname IN ('public')) ORDER BY type ASC, schema ASC, name ASC
-- name: metabase.table_privileges
with table_privileges as (
 select
   NULL as role,
   t.schemaname as schema,
   t.objectname as table,
   pg_catalog.has_table_privilege(current_user, '"' || t.schemaname || '"' || '.' || '"' || t.objectname || '"',  'UPDATE') as update,
   pg_catalog.has_table_privilege(current_user, '"' || t.schemaname || '"' || '.' || '"' || t.objectname || '"',  'SELECT') as select,
   pg_catalog.has_table_privilege(current_user, '"' || t.schemaname || '"' || '.' || '"' || t.objectname || '"',  'INSERT') as insert,
   pg_catalog.has_table_privilege(current_user, '"' || t.schemaname || '"' || '.' || '"' || t.objectname || '"',  'DELETE') as delete
 from (
   select schemaname, tablename as objectname from pg_catalog.pg_tables
   union
   select schemaname, viewname as objectname from pg_catalog.pg_views
   union
   select schemaname, matviewname as objectname from pg_catalog.pg_matviews
 ) t
 where t.schemaname !~ '^pg_'
   and t.schemaname <> 'information_schema'
   and pg_catalog.has_schema_privilege(current_user, t.schemaname, 'USAGE')
)
select t.*
from table_privileges t
order by t.schema, t.table
-- name: metabase.describe_fields
SELECT "c"."column_name" AS "name", CASE WHEN "c"."udt_schema" IN ('public', 'pg_catalog') THEN FORMAT('%s', "c"."udt_name") ELSE FORMAT('"%s"."%s"', "c"."udt_schema", "c"."udt_name") END AS "database-type", "c"."ordinal_position" - 1 AS "database-position", "c"."table_schema" AS "table-schema", "c"."table_name" AS "table-name", "pk"."column_name" IS NOT NULL AS "pk?", COL_DESCRIPTION(CAST(CAST(FORMAT('%I.%I', CAST("c"."table_schema" AS TEXT), CAST("c"."table_name" AS TEXT)) AS REGCLASS) AS OID), "c"."ordinal_position") AS "field-comment", (("column_default" IS NULL) OR (LOWER("column_default") = 'null')) AND ("is_nullable" = 'NO') AND NOT ((("column_default" IS NOT NULL) AND ("column_default" LIKE '%nextval(%')) OR ("is_identity" <> 'NO')) AS "database-required", (("column_default" IS NOT NULL) AND ("column_default" LIKE '%nextval(%')) OR ("is_identity" <> 'NO') AS "database-is-auto-increment" FROM "information_schema"."columns" AS "c" LEFT JOIN (SELECT "tc"."table_schema", "tc"."table_name", "kc"."column_name" FROM "information_schema"."table_constraints" AS "tc" INNER JOIN "information_schema"."key_column_usage" AS "kc" ON ("tc"."constraint_name" = "kc"."constraint_name") AND ("tc"."table_schema" = "kc"."table_schema") AND ("tc"."table_name" = "kc"."table_name") WHERE "tc"."constraint_type" = 'PRIMARY KEY') AS "pk" ON ("c"."table_schema" = "pk"."table_schema") AND ("c"."table_name" = "pk"."table_name") AND ("c"."column_name" = "pk"."column_name") WHERE c.table_schema !~ '^information_schema|catalog_history|pg_' AND ("c"."table_schema" IN ('public')) ORDER BY "table-schema" ASC, "table-name" ASC, "database-position" ASC
-- name: metabase.describe_fks
SELECT "fk_ns"."nspname" AS "fk-table-schema", "fk_table"."relname" AS "fk-table-name", "fk_column"."attname" AS "fk-column-name", "pk_ns"."nspname" AS "pk-table-schema", "pk_table"."relname" AS "pk-table-name", "pk_column"."attname" AS "pk-column-name" FROM "pg_constraint" AS "c" INNER JOIN "pg_class" AS "fk_table" ON "c"."conrelid" = "fk_table"."oid" INNER JOIN "pg_namespace" AS "fk_ns" ON "c"."connamespace" = "fk_ns"."oid" INNER JOIN "pg_attribute" AS "fk_column" ON "c"."conrelid" = "fk_column"."attrelid" INNER JOIN "pg_class" AS "pk_table" ON "c"."confrelid" = "pk_table"."oid" INNER JOIN "pg_namespace" AS "pk_ns" ON "pk_table"."relnamespace" = "pk_ns"."oid" INNER JOIN "pg_attribute" AS "pk_column" ON "c"."confrelid" = "pk_column"."attrelid" WHERE fk_ns.nspname !~ '^information_schema|catalog_history|pg_' AND ("c"."contype" = 'f'::char) AND ("fk_column"."attnum" = ANY(c.conkey)) AND ("pk_column"."attnum" = ANY(c.confkey)) AND ("fk_ns"."nspname" IN ('public')) ORDER BY "fk-table-schema" ASC, "fk-table-name" ASC
-- name: metabase.describe_indexes
SELECT "tmp"."table-schema", "tmp"."table-name", TRIM(BOTH '"' FROM PG_CATALOG.PG_GET_INDEXDEF("tmp"."ci_oid", "tmp"."pos", FALSE)) AS "field-name" FROM (SELECT "n"."nspname" AS "table-schema", "ct"."relname" AS "table-name", "ci"."oid" AS "ci_oid", (INFORMATION_SCHEMA._PG_EXPANDARRAY("i"."indkey"))."n" AS "pos" FROM "pg_catalog"."pg_class" AS "ct" INNER JOIN "pg_catalog"."pg_namespace" AS "n" ON "ct"."relnamespace" = "n"."oid" INNER JOIN "pg_catalog"."pg_index" AS "i" ON "ct"."oid" = "i"."indrelid" INNER JOIN "pg_catalog"."pg_class" AS "ci" ON "ci"."oid" = "i"."indexrelid" WHERE (PG_CATALOG.PG_GET_EXPR("i"."indpred", "i"."indrelid") IS NULL) AND n.nspname !~ '^information_schema|catalog_history|pg_' AND ("n"."nspname" IN ('public'))) AS "tmp" WHERE "tmp"."pos" = 1 ORDER BY 1, 2, 3
-- name: metabase.enum_types
SELECT nspname, typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE t.oid IN (SELECT DISTINCT enumtypid FROM pg_enum e)
-- name: metabase.bucket_month_count
SELECT DATE_TRUNC('month', "public"."orders"."created_at") AS "created_at", COUNT(*) AS "count" FROM "public"."orders" GROUP BY DATE_TRUNC('month', "public"."orders"."created_at") ORDER BY DATE_TRUNC('month', "public"."orders"."created_at") ASC
-- name: metabase.bucket_week_sunday
SELECT (DATE_TRUNC('week', ("public"."orders"."created_at" + INTERVAL '1 day')) + INTERVAL '-1 day') AS "created_at", SUM("public"."orders"."total") AS "sum" FROM "public"."orders" GROUP BY (DATE_TRUNC('week', ("public"."orders"."created_at" + INTERVAL '1 day')) + INTERVAL '-1 day') ORDER BY (DATE_TRUNC('week', ("public"."orders"."created_at" + INTERVAL '1 day')) + INTERVAL '-1 day') ASC
-- name: metabase.bucket_day_and_quarter
SELECT CAST("public"."orders"."created_at" AS date) AS "created_at", DATE_TRUNC('quarter', "public"."orders"."created_at") AS "q", CAST(extract(quarter from "public"."orders"."created_at") AS integer) AS "quarter-of-year" FROM "public"."orders" ORDER BY 1 ASC
-- name: metabase.extract_parts
SELECT CAST(extract(dow from "public"."orders"."created_at") AS integer) + 1 AS "dow", CAST(extract(hour from "public"."orders"."created_at") AS integer) AS "hour", CAST(extract(doy from "public"."orders"."created_at") AS integer) AS "doy", CAST(extract(week from "public"."orders"."created_at") AS integer) AS "week", CAST(extract(year from "public"."orders"."created_at") AS integer) AS "year" FROM "public"."orders" ORDER BY "public"."orders"."id" ASC
-- name: metabase.relative_filter
SELECT COUNT(*) AS "count" FROM "public"."orders" WHERE ("public"."orders"."created_at" >= DATE_TRUNC('month', (CAST('2024-04-15 10:00:00' AS timestamp) + INTERVAL '-3 month'))) AND ("public"."orders"."created_at" < DATE_TRUNC('month', CAST('2024-04-15 10:00:00' AS timestamp)))
-- name: metabase.join_aggregate
SELECT "Customers"."name" AS "Customers__name", SUM("public"."orders"."total") AS "sum", AVG("public"."orders"."total") AS "avg" FROM "public"."orders" LEFT JOIN "public"."customers" AS "Customers" ON "public"."orders"."customer_id" = "Customers"."id" GROUP BY "Customers"."name" ORDER BY "sum" DESC, "Customers"."name" ASC LIMIT 1048575
-- name: metabase.datetime_diff
SELECT CAST(TRUNC(extract(epoch from CAST('2024-01-02 00:00:00' AS timestamp)) - extract(epoch from "public"."orders"."created_at")) AS integer) AS "seconds", CAST(CAST('2024-07-01' AS date) - CAST("public"."orders"."created_at" AS date) AS integer) AS "days" FROM "public"."orders" ORDER BY "public"."orders"."id" ASC
