-- joins.sql: inner, left, right, full, cross, natural, USING, self, lateral, and semi/anti joins.
CREATE TABLE a (id int, x text);
CREATE TABLE b (id int, y text);
INSERT INTO a VALUES (1, 'a1'), (2, 'a2'), (3, 'a3'), (NULL, 'anull'), (2, 'a2bis');
INSERT INTO b VALUES (2, 'b2'), (3, 'b3'), (4, 'b4'), (NULL, 'bnull'), (3, 'b3bis');
SELECT a.id, x, y FROM a JOIN b ON a.id = b.id ORDER BY a.id, x, y;
SELECT a.id, x, y FROM a INNER JOIN b ON a.id = b.id AND y LIKE '%bis' ORDER BY x;
SELECT a.id, b.id, x, y FROM a LEFT JOIN b ON a.id = b.id ORDER BY a.id NULLS LAST, x, y;
SELECT a.id, b.id, x, y FROM a RIGHT JOIN b ON a.id = b.id ORDER BY b.id NULLS LAST, y, x;
SELECT a.id, b.id, x, y FROM a FULL JOIN b ON a.id = b.id ORDER BY coalesce(a.id, b.id) NULLS LAST, x NULLS LAST, y NULLS LAST;
SELECT a.id, b.id FROM a FULL OUTER JOIN b ON false ORDER BY 1, 2;
SELECT count(*) FROM a CROSS JOIN b;
SELECT count(*) FROM a, b WHERE a.id < b.id;
SELECT id, x, y FROM a JOIN b USING (id) ORDER BY id, x, y;
SELECT id, x, y FROM a FULL JOIN b USING (id) ORDER BY id NULLS LAST, x NULLS LAST, y NULLS LAST;
SELECT * FROM a NATURAL JOIN b ORDER BY id, x, y;
SELECT a.x, b.y FROM a LEFT JOIN b ON a.id = b.id WHERE b.id IS NULL ORDER BY a.x;
SELECT a.x FROM a WHERE EXISTS (SELECT 1 FROM b WHERE b.id = a.id) ORDER BY x;
SELECT a.x FROM a WHERE NOT EXISTS (SELECT 1 FROM b WHERE b.id = a.id) ORDER BY x;
SELECT a1.x, a2.x FROM a a1 JOIN a a2 ON a1.id = a2.id AND a1.x < a2.x ORDER BY 1, 2;
SELECT a.x, t.c FROM a, LATERAL (SELECT count(*) AS c FROM b WHERE b.id >= a.id) t ORDER BY a.x;
SELECT a.x, t.y FROM a LEFT JOIN LATERAL (SELECT y FROM b WHERE b.id = a.id ORDER BY y LIMIT 1) t ON true ORDER BY a.x;
-- three-way joins and join order
CREATE TABLE c (id int, z text);
INSERT INTO c VALUES (3, 'c3'), (4, 'c4');
SELECT a.x, b.y, c.z FROM a JOIN b ON a.id = b.id JOIN c ON c.id = b.id ORDER BY 1, 2, 3;
SELECT a.x, b.y, c.z FROM a LEFT JOIN b ON a.id = b.id LEFT JOIN c ON c.id = a.id ORDER BY 1, 2 NULLS LAST, 3;
SELECT b.y, c.z FROM b FULL JOIN c ON b.id = c.id ORDER BY 1 NULLS LAST, 2 NULLS LAST;
SELECT a.x, b.y FROM a JOIN (b JOIN c ON b.id = c.id) ON a.id = b.id ORDER BY 1, 2;
SELECT * FROM a JOIN b ON a.id = b.id AND a.id > 100;
SELECT a.x FROM a JOIN b ON a.id = b.id GROUP BY a.x HAVING count(*) > 1 ORDER BY 1;
-- non-equi joins
SELECT a.x, b.y FROM a JOIN b ON b.id BETWEEN a.id AND a.id + 1 ORDER BY 1, 2;
SELECT a.x, b.y FROM a JOIN b ON a.id IS NOT DISTINCT FROM b.id ORDER BY 1, 2;
-- errors
SELECT id FROM a JOIN b ON a.id = b.id;
SELECT * FROM a JOIN b USING (nosuch);
SELECT * FROM a JOIN b;
SELECT * FROM a, a;
DROP TABLE a, b, c;
