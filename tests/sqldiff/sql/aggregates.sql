-- aggregates.sql: GROUP BY, HAVING, every common aggregate with DISTINCT, FILTER and ORDER BY.
CREATE TABLE s (id int, grp text, v int, f float8, n numeric, b bool, t text);
INSERT INTO s VALUES
  (1, 'a', 10, 1.5, 1.10, true, 'x'), (2, 'a', 20, 2.5, 2.20, false, 'y'), (3, 'a', NULL, NULL, NULL, NULL, NULL),
  (4, 'b', 5, 0.25, 3.333, true, 'z'), (5, 'b', 5, 0.75, 4.001, true, 'x'), (6, 'c', -3, -1.0, -0.5, false, 'w'),
  (7, NULL, 100, 10.0, 10, NULL, 'v');
SELECT count(*), count(v), count(DISTINCT v), sum(v), min(v), max(v) FROM s;
SELECT avg(v), avg(f), avg(n), sum(f), sum(n) FROM s;
SELECT grp, count(*), sum(v), avg(v) FROM s GROUP BY grp ORDER BY grp NULLS FIRST;
SELECT grp, count(*) FROM s GROUP BY grp HAVING count(*) > 1 ORDER BY grp;
SELECT grp, sum(v) FROM s GROUP BY 1 HAVING sum(v) > 5 ORDER BY 2 DESC;
SELECT count(*) FROM s HAVING count(*) > 100;
SELECT sum(v) FROM s WHERE false;
SELECT count(*), count(v), max(t), bool_and(b) FROM s WHERE false;
SELECT sum(DISTINCT v), avg(DISTINCT v), count(DISTINCT grp) FROM s;
SELECT count(*) FILTER (WHERE v > 5), sum(v) FILTER (WHERE grp = 'a'), max(t) FILTER (WHERE b) FROM s;
SELECT grp, count(*) FILTER (WHERE b IS NOT TRUE) FROM s GROUP BY grp ORDER BY grp;
SELECT bool_and(b), bool_or(b), every(b) FROM s;
SELECT grp, bool_and(b), bool_or(b) FROM s GROUP BY grp ORDER BY grp;
SELECT string_agg(t, ',' ORDER BY t), string_agg(DISTINCT t, '-' ORDER BY t) FROM s;
SELECT grp, string_agg(t, ';' ORDER BY id DESC) FROM s GROUP BY grp ORDER BY grp;
SELECT array_agg(v ORDER BY id), array_agg(DISTINCT grp ORDER BY grp) FROM s;
SELECT array_agg(t ORDER BY t NULLS FIRST) FROM s;
SELECT stddev(v), stddev_samp(v), stddev_pop(v), variance(v), var_samp(v), var_pop(v) FROM s;
SELECT round(stddev(f)::numeric, 6), round(var_pop(n), 6) FROM s;
SELECT min(t), max(t), min(n), max(n), min(f), max(f) FROM s;
SELECT bit_and(v), bit_or(v) FROM s WHERE v > 0;
SELECT count(*) FROM (SELECT DISTINCT grp FROM s) x;
SELECT grp, max(v) - min(v) AS spread FROM s WHERE v IS NOT NULL GROUP BY grp ORDER BY spread DESC, grp;
SELECT v % 2 AS parity, count(*) FROM s WHERE v IS NOT NULL GROUP BY v % 2 ORDER BY parity;
SELECT length(t), count(*) FROM s GROUP BY length(t) ORDER BY 1 NULLS LAST;
SELECT grp, b, count(*) FROM s GROUP BY grp, b ORDER BY grp, b;
SELECT json_agg(v ORDER BY id) FROM s WHERE grp = 'a';
SELECT jsonb_agg(t ORDER BY id), json_object_agg(id, v ORDER BY id) FROM s WHERE grp = 'b';
SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY v), percentile_disc(0.5) WITHIN GROUP (ORDER BY v), mode() WITHIN GROUP (ORDER BY v) FROM s;
SELECT corr(v, f)::numeric(10,6), covar_pop(v, f), covar_samp(v, f), regr_slope(f, v)::numeric(10,6) FROM s;
SELECT grp, count(*) FROM s GROUP BY ROLLUP (grp) ORDER BY grp NULLS LAST;
SELECT grp, b, count(*) FROM s GROUP BY GROUPING SETS ((grp), (b), ()) ORDER BY grp, b;
SELECT grp, b, sum(v), grouping(grp, b) FROM s GROUP BY CUBE (grp, b) ORDER BY grp, b, 4;
-- sums: overflow, types
SELECT sum(x) FROM (VALUES (2147483647), (1)) v(x);
SELECT sum(x::int8) FROM (VALUES (9223372036854775807), (1)) v(x);
SELECT sum(x::int2), avg(x::int2) FROM (VALUES (1), (2)) v(x);
SELECT avg(x) FROM (VALUES (1), (2), (2)) v(x);
SELECT sum(x::float4), avg(x::float4) FROM (VALUES (0.1), (0.2)) v(x);
-- errors
SELECT grp, v FROM s GROUP BY grp;
SELECT sum(t) FROM s;
SELECT count(*) FROM s WHERE sum(v) > 1;
SELECT sum(sum(v)) FROM s;
SELECT avg(b) FROM s;
DROP TABLE s;
-- regression and ordered-set aggregates
CREATE TABLE s2 (v int, f float8, g text);
INSERT INTO s2 VALUES (1, 0.5, 'a'), (5, 1.5, 'a'), (10, 1.25, 'b'), (20, 3, 'b'), (30, 3.5, 'b'), (NULL, 1, 'c'), (3, NULL, 'c');
SELECT corr(v, f), covar_pop(v, f), covar_samp(v, f), regr_slope(f, v), regr_intercept(f, v), regr_r2(f, v), regr_count(f, v), regr_sxx(f, v), regr_syy(f, v), regr_sxy(f, v), regr_avgx(f, v), regr_avgy(f, v) FROM s2;
SELECT g, corr(v, f), covar_samp(v, f), regr_r2(v, v) FROM s2 GROUP BY g ORDER BY g;
SELECT g, percentile_cont(0.25) WITHIN GROUP (ORDER BY f DESC), percentile_disc(0) WITHIN GROUP (ORDER BY g), mode() WITHIN GROUP (ORDER BY f) FROM s2 GROUP BY g ORDER BY g;
SELECT percentile_cont(1.5) WITHIN GROUP (ORDER BY v) FROM s2;
SELECT percentile_cont(0.5) FROM s2;
SELECT sum(v) WITHIN GROUP (ORDER BY v) FROM s2;
SELECT avg(x) FROM (VALUES (1.5::numeric), (2.25), (NULL)) v(x);
DROP TABLE s2;
