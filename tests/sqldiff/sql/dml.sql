-- dml.sql: INSERT (multi-row, SELECT, DEFAULT, ON CONFLICT, RETURNING), UPDATE (... FROM), DELETE (... USING).
CREATE TABLE t (id int PRIMARY KEY, v text DEFAULT 'dflt', n int DEFAULT 0);
INSERT INTO t VALUES (1, 'a', 10);
INSERT INTO t VALUES (2, 'b', 20), (3, 'c', 30), (4, NULL, NULL);
INSERT INTO t (id) VALUES (5);
INSERT INTO t VALUES (6, DEFAULT, 60);
INSERT INTO t (id, v) VALUES (7, 'g') RETURNING *;
INSERT INTO t (id, v, n) VALUES (8, 'h', 80), (9, 'i', 90) RETURNING id, n * 2 AS dbl;
SELECT * FROM t ORDER BY id;
INSERT INTO t DEFAULT VALUES;
CREATE TABLE d (a int DEFAULT 1, b text DEFAULT 'x');
INSERT INTO d DEFAULT VALUES;
SELECT * FROM d;
INSERT INTO t VALUES (10, 'j', 100, 1);
INSERT INTO t (id, v) VALUES (11);
INSERT INTO t (id, nosuch) VALUES (11, 1);
INSERT INTO t VALUES ('x', 'y', 1);
INSERT INTO t VALUES (11, 12, '13');
SELECT * FROM t WHERE id = 11;
-- INSERT ... SELECT
CREATE TABLE t2 (id int, v text, n int);
INSERT INTO t2 SELECT id, v, n FROM t WHERE n > 20;
SELECT * FROM t2 ORDER BY id;
INSERT INTO t2 (id, v) SELECT id + 100, upper(v) FROM t WHERE id <= 3 RETURNING id, v;
SELECT count(*) FROM t2;
-- ON CONFLICT
INSERT INTO t VALUES (1, 'dup', 0);
INSERT INTO t VALUES (1, 'dup', 0) ON CONFLICT DO NOTHING;
INSERT INTO t VALUES (1, 'dup', 0) ON CONFLICT (id) DO NOTHING RETURNING id;
INSERT INTO t VALUES (1, 'new', 1) ON CONFLICT (id) DO UPDATE SET v = excluded.v, n = t.n + excluded.n RETURNING *;
INSERT INTO t VALUES (2, 'zz', 2), (12, 'l', 120) ON CONFLICT (id) DO UPDATE SET v = excluded.v WHERE t.n > 100 RETURNING id, v;
SELECT * FROM t WHERE id IN (1, 2, 12) ORDER BY id;
INSERT INTO t VALUES (13, 'm', 1), (13, 'm2', 2) ON CONFLICT (id) DO UPDATE SET v = excluded.v;
INSERT INTO t VALUES (14, 'n', 1) ON CONFLICT (v) DO NOTHING;
-- UPDATE
UPDATE t SET n = n + 1 WHERE id <= 3;
SELECT id, n FROM t WHERE id <= 3 ORDER BY id;
UPDATE t SET v = 'none' WHERE v IS NULL RETURNING id, v;
UPDATE t SET n = DEFAULT WHERE id = 5 RETURNING n;
UPDATE t SET (v, n) = ('pair', 1) WHERE id = 6;
UPDATE t SET (v, n) = (SELECT 'sub', 2) WHERE id = 7;
SELECT id, v, n FROM t WHERE id IN (6, 7) ORDER BY id;
UPDATE t SET id = 1 WHERE id = 2;
UPDATE t SET n = n / 0 WHERE id = 3;
UPDATE t SET nosuch = 1;
UPDATE t SET n = 99 WHERE false;
UPDATE t SET n = n * 10 WHERE id > 100;
-- UPDATE ... FROM
CREATE TABLE price (id int, delta int);
INSERT INTO price VALUES (1, 5), (2, 6), (3, 7), (42, 1);
UPDATE t SET n = t.n + p.delta FROM price p WHERE p.id = t.id RETURNING t.id, t.n, p.delta;
UPDATE t AS x SET v = x.v || '!' FROM price AS p WHERE p.id = x.id AND p.delta > 5;
SELECT id, v, n FROM t WHERE id <= 3 ORDER BY id;
-- DELETE
DELETE FROM t WHERE id = 9 RETURNING *;
DELETE FROM t WHERE id = 999;
DELETE FROM t USING price p WHERE p.id = t.id AND p.delta = 7 RETURNING t.id;
DELETE FROM t2 WHERE v IN (SELECT v FROM t WHERE id < 3);
SELECT id FROM t ORDER BY id;
DELETE FROM t2;
SELECT count(*) FROM t2;
-- writable CTEs
WITH moved AS (DELETE FROM t WHERE id >= 10 RETURNING id, v, n) INSERT INTO t2 SELECT * FROM moved;
SELECT * FROM t2 ORDER BY id;
WITH up AS (UPDATE t SET n = 0 WHERE id = 1 RETURNING id) SELECT count(*) FROM up;
-- mixed-type assignments and coercion on insert
CREATE TABLE coerce (i int, s smallint, b bigint, f float8, nm numeric(5,2), vc varchar(3), c char(3), bo bool);
INSERT INTO coerce VALUES ('42', 7, 9000000000, 1, 3.14159, 'abc', 'a', 'yes');
INSERT INTO coerce VALUES (1.5, 2.5, 3.5, '1e3', 2.005, 'ab', 'abc', 'f');
INSERT INTO coerce (vc) VALUES ('abcd');
INSERT INTO coerce (vc) VALUES ('abc   ');
INSERT INTO coerce (s) VALUES (40000);
INSERT INTO coerce (i) VALUES (2147483648);
INSERT INTO coerce (nm) VALUES (1000);
INSERT INTO coerce (bo) VALUES ('maybe');
SELECT * FROM coerce ORDER BY i NULLS LAST, vc;
SELECT c, length(c), c || '|' AS cat, octet_length(c) FROM coerce WHERE c IS NOT NULL ORDER BY c;
DROP TABLE t, t2, d, price, coerce;
