-- expressions.sql: CASE, COALESCE, NULLIF, GREATEST/LEAST, casts, LIKE/ILIKE/SIMILAR, regex, BETWEEN, IN, IS [NOT] DISTINCT FROM, three-valued logic.
CREATE TABLE e (id int, a int, b int, s text);
INSERT INTO e VALUES (1, 1, 2, 'Hello'), (2, NULL, 5, 'world'), (3, 7, NULL, NULL), (4, 3, 3, 'a_b%c'), (5, -2, 0, '');
SELECT id, CASE WHEN a > 2 THEN 'big' WHEN a > 0 THEN 'small' ELSE 'other' END FROM e ORDER BY id;
SELECT id, CASE a WHEN 1 THEN 'one' WHEN 3 THEN 'three' END FROM e ORDER BY id;
SELECT CASE WHEN NULL THEN 1 ELSE 2 END, CASE NULL WHEN NULL THEN 'eq' ELSE 'ne' END;
SELECT id, COALESCE(a, b, -1), COALESCE(s, '(none)') FROM e ORDER BY id;
SELECT id, NULLIF(a, b), NULLIF(s, '') FROM e ORDER BY id;
SELECT GREATEST(1, 5, 3), LEAST(1, 5, 3), GREATEST(1, NULL, 3), LEAST(NULL::int, NULL), GREATEST('a', 'b', 'ab');
SELECT id, GREATEST(a, b), LEAST(a, b) FROM e ORDER BY id;
SELECT id, a = b, a <> b, a < b, a IS DISTINCT FROM b, a IS NOT DISTINCT FROM b FROM e ORDER BY id;
SELECT NULL = NULL, NULL IS NULL, NULL IS DISTINCT FROM NULL, 1 IS DISTINCT FROM NULL;
SELECT true AND NULL, false AND NULL, true OR NULL, false OR NULL, NOT NULL::bool;
SELECT x IS TRUE, x IS NOT TRUE, x IS FALSE, x IS NOT FALSE, x IS UNKNOWN FROM (VALUES (true), (false), (NULL)) v(x);
SELECT id FROM e WHERE a BETWEEN 1 AND 3 ORDER BY id;
SELECT id FROM e WHERE a NOT BETWEEN 1 AND 3 ORDER BY id;
SELECT 5 BETWEEN 10 AND 1, 5 BETWEEN SYMMETRIC 10 AND 1;
SELECT id FROM e WHERE a IN (1, 3, NULL) ORDER BY id;
SELECT id FROM e WHERE a NOT IN (1, 3) ORDER BY id;
SELECT 1 IN (2, NULL), 1 NOT IN (2, NULL), 1 IN (1, NULL);
-- LIKE, ILIKE, SIMILAR TO, regular expressions
SELECT s, s LIKE 'H%', s LIKE '_orld', s ILIKE 'hello', s NOT LIKE '%o%' FROM e ORDER BY id;
SELECT 'a_b%c' LIKE 'a\_b\%c', 'axb%c' LIKE 'a\_b%', 'a_b' LIKE 'a#_b' ESCAPE '#', 'ABC' ILIKE 'a%';
SELECT 'abc' LIKE 'abc', 'abc' LIKE 'ab', 'abc' LIKE '%', '' LIKE '%', NULL LIKE 'a';
SELECT 'abc' SIMILAR TO 'a(b|c)+', 'abd' SIMILAR TO 'a(b|c)+', 'xyz' SIMILAR TO '%y%';
SELECT 'foobar' ~ 'o+b', 'foobar' ~* 'FOO', 'foobar' !~ 'z', 'foobar' !~* 'BAR';
SELECT regexp_replace('a1b22c333', '[0-9]+', '#', 'g'), regexp_replace('a1b22', '[0-9]', '#');
SELECT regexp_match('key=value; k2=v2', '(\w+)=(\w+)'), regexp_matches('a1 b2 c3', '([a-z])([0-9])', 'g');
SELECT regexp_split_to_array('a, b ,c', '\s*,\s*'), substring('abc123def' from '[0-9]+');
SELECT * FROM regexp_split_to_table('one two  three', '\s+') AS w ORDER BY 1;
-- arithmetic and operators
SELECT 10 / 3, 10 % 3, -10 / 3, -10 % 3, 10.0 / 3, 10 / 3.0, 2 ^ 0.5, |/ 16.0, @ -5, 5 & 3, 5 | 3, 5 # 3, ~5, 1 << 4, 256 >> 2;
SELECT 1 / 0;
SELECT 1.0 / 0;
SELECT 5 % 0;
SELECT 2147483647 + 1;
SELECT 9223372036854775807 + 1;
SELECT -32768::int2, (-32768)::int2;
SELECT 'abc' || 'def', 'abc' || 1, 1 || 'abc', 'a' || NULL;
-- casts
SELECT '42'::int, 42::text, '3.14'::numeric, 3.99::int, -3.5::int, 2.5::int, (-2.5)::int, '  12  '::int;
SELECT CAST('1.5' AS float8), CAST(1.5 AS numeric(5,3)), CAST('true' AS bool), CAST(1 AS bool), CAST(0 AS bool);
SELECT 'yes'::bool, 'off'::bool, 't'::bool, 'F'::bool, true::text, false::int;
SELECT '2024-02-29'::date, '12:34:56'::time, 'abc'::varchar(2), 'abc'::char(5) || '|', 123.456::numeric(5,1);
SELECT 12345::numeric(3,0);
SELECT 'abc'::int;
SELECT ''::int;
SELECT '1e2'::float8::int, '1e400'::float8;
SELECT 1::int2 + 1::int8, pg_typeof(1::int2 + 1::int8), pg_typeof(1 + 1.5), pg_typeof(1.5::float4 * 2), pg_typeof('a'::text || 'b');
SELECT pg_typeof(NULL), pg_typeof(1), pg_typeof(10000000000), pg_typeof(1.0), pg_typeof('x'), pg_typeof(true);
SELECT '5'::text::int + 1, (1 < 2)::text, 65::char, 'x'::"char";
-- operator precedence
SELECT 2 + 3 * 4 ^ 2, -2 ^ 2, (-2) ^ 2, NOT true = false, 1 < 2 = true, 'a' || 'b' = 'ab';
DROP TABLE e;
SELECT 2 + 3 * 4 ^ 2, -2 ^ 2, (-2) ^ 2, NOT true = false, (1 < 2) = true, 'a' || 'b' = 'ab';
-- bitwise and prefix operators, pg_typeof, Unicode strings, rows
SELECT 12::int2 & 10::int2, 12::int8 | 3, 5 # 1, ~0::int8, 1::int8 << 40, -16 >> 2, @ -2.5, |/ 2.25, ||/ 27.0;
SELECT pg_typeof(ARRAY[1]), pg_typeof(now()), pg_typeof(1::int2 + 1), pg_typeof(NULL::text), pg_typeof(2 ^ 3);
SELECT U&'d\0061t\+000061', U&'d!0061t' UESCAPE '!', u&'a\\b';
SELECT U&'\D83D';
SELECT (1, NULL) IS NULL, ROW(NULL, NULL) IS NULL, (1, 2) IS NOT NULL, (NULL, 2) IS NOT NULL;
SELECT true::varchar, false::char(3), 'abc' ^@ 'ab', 'abc'::bytea || '\x01'::bytea;
