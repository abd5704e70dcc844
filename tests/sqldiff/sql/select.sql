-- select.sql: WHERE, ORDER BY (NULLS FIRST/LAST), LIMIT/OFFSET/FETCH FIRST, DISTINCT, DISTINCT ON.
CREATE TABLE p (id int PRIMARY KEY, name text, city text, age int, score numeric);
INSERT INTO p VALUES
  (1, 'ann', 'oslo', 31, 7.5), (2, 'bob', 'rome', NULL, 6.0), (3, 'cat', 'oslo', 25, NULL),
  (4, 'dan', NULL, 40, 9.25), (5, 'eve', 'rome', 31, 8.0), (6, 'fay', 'lima', 19, 6.0),
  (7, 'gus', 'oslo', 52, 5.5), (8, 'hal', 'lima', 25, 7.5);
SELECT * FROM p ORDER BY id;
SELECT name FROM p WHERE age > 30 ORDER BY name;
SELECT name FROM p WHERE age >= 25 AND city = 'oslo' ORDER BY name;
SELECT name FROM p WHERE age < 20 OR city IS NULL ORDER BY name;
SELECT name FROM p WHERE NOT (age > 30) ORDER BY name;
SELECT name FROM p WHERE age IS NULL;
SELECT name FROM p WHERE score IS NOT NULL AND age IS NOT NULL ORDER BY id;
SELECT name, age FROM p ORDER BY age, name;
SELECT name, age FROM p ORDER BY age DESC, name;
SELECT name, age FROM p ORDER BY age NULLS FIRST, name;
SELECT name, age FROM p ORDER BY age DESC NULLS LAST, name;
SELECT name, city FROM p ORDER BY city ASC NULLS FIRST, name DESC;
SELECT name, age * 2 AS dbl FROM p ORDER BY dbl, name;
SELECT name, age FROM p ORDER BY 2 DESC NULLS LAST, 1;
SELECT name FROM p ORDER BY length(name) DESC, name LIMIT 3;
SELECT id FROM p ORDER BY id LIMIT 3;
SELECT id FROM p ORDER BY id LIMIT 3 OFFSET 2;
SELECT id FROM p ORDER BY id OFFSET 6;
SELECT id FROM p ORDER BY id OFFSET 100;
SELECT id FROM p ORDER BY id LIMIT 0;
SELECT id FROM p ORDER BY id LIMIT ALL;
SELECT id FROM p ORDER BY id LIMIT NULL;
SELECT id FROM p ORDER BY id FETCH FIRST 2 ROWS ONLY;
SELECT id FROM p ORDER BY id OFFSET 1 ROW FETCH NEXT 1 ROW ONLY;
SELECT id, age FROM p ORDER BY age FETCH FIRST 2 ROWS WITH TIES;
SELECT id FROM p ORDER BY id LIMIT -1;
SELECT DISTINCT city FROM p ORDER BY city;
SELECT DISTINCT age, city FROM p ORDER BY age, city;
SELECT count(DISTINCT city) FROM p;
SELECT DISTINCT ON (city) city, name, age FROM p ORDER BY city, age DESC;
SELECT DISTINCT ON (city) city, name FROM p ORDER BY city, name;
SELECT DISTINCT ON (age) age, name FROM p ORDER BY age NULLS FIRST, name DESC;
-- select lists without FROM, expressions, aliases
SELECT 1 AS one, 'two' AS two, 3.0 AS three, NULL AS four, true AS five;
SELECT 1 + 2 * 3, (1 + 2) * 3, 7 / 2, 7 % 3, -7 / 2, 7.0 / 2, 2 ^ 10;
SELECT p.name AS "Name", p.age AS "the age" FROM p AS p WHERE p.id = 1;
SELECT x.* FROM p x WHERE x.id = 2;
SELECT * FROM (SELECT id, name FROM p WHERE id < 3) AS sub ORDER BY id;
SELECT * FROM (VALUES (1, 'a'), (2, 'b')) AS v(n, s) ORDER BY n DESC;
VALUES (1, 'x'), (2, NULL);
SELECT * FROM p WHERE false;
SELECT count(*) FROM p WHERE city = NULL;
-- TABLE and row values
TABLE p ORDER BY id LIMIT 2;
SELECT name FROM p WHERE (age, city) = (31, 'oslo');
SELECT name FROM p WHERE (age, id) > (31, 1) ORDER BY name;
SELECT ROW(1, 'a') = ROW(1, 'a'), ROW(1, 2) < ROW(1, 3), ROW(1, NULL) = ROW(1, NULL);
-- errors
SELECT nosuch FROM p;
SELECT * FROM nosuch;
SELECT name FROM p ORDER BY 9;
SELECT id FROM p WHERE name;
SELECT DISTINCT ON (city) name FROM p ORDER BY name;
DROP TABLE p;
