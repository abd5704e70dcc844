-- copy.sql: COPY FROM STDIN (text and CSV, NULLs, escapes, defaults) and COPY TO STDOUT.
CREATE TABLE cp (id int PRIMARY KEY, name text, amount numeric(8,2), note text DEFAULT 'none');
COPY cp (id, name, amount) FROM STDIN;
1	alpha	1.50
2	beta	\N
3	tab\there	-3
\.
COPY cp FROM STDIN WITH (FORMAT csv, HEADER true);
id,name,amount,note
4,"quoted, comma",4.25,"multi ""quote"""
5,,0,
\.
SELECT * FROM cp ORDER BY id;
COPY cp TO STDOUT;
COPY cp (id, name) TO STDOUT WITH (FORMAT csv, HEADER);
COPY (SELECT id, amount * 2 AS dbl FROM cp WHERE id < 3 ORDER BY id) TO STDOUT WITH (FORMAT csv);
COPY cp FROM STDIN;
6	dup	1	x
1	again	1	x
\.
SELECT count(*) FROM cp;
COPY cp FROM STDIN;
7	short
\.
COPY cp FROM STDIN;
8	bad	notanumber	x
\.
COPY nosuch FROM STDIN;
\.
COPY cp (nosuch) FROM STDIN;
\.
SELECT count(*) FROM cp;
DROP TABLE cp;
