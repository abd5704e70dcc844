-- tests/clients/bi/schema.sql -- the data the BI tools' queries run on (bi_queries_test.sh):
-- a metrics table for Grafana's time series (timestamptz and unix-epoch columns), and a small
-- shop (customers, orders with a foreign key, an index, a view) for Metabase's sync and
-- time bucketing.
CREATE TABLE metrics ("time" timestamptz NOT NULL, host text, value double precision, ts_epoch bigint);
INSERT INTO metrics
  SELECT timestamptz '2024-01-01 00:00:00+00' + (i * interval '7 minutes'),
         CASE WHEN i % 2 = 0 THEN 'web1' ELSE 'web2' END,
         (i * 37 % 100) / 4.0,
         1704067200 + i * 420
  FROM generate_series(0, 29) AS g(i);
CREATE TABLE customers (id integer PRIMARY KEY, name varchar(40) NOT NULL, email text UNIQUE);
CREATE TABLE orders (id serial PRIMARY KEY, customer_id integer NOT NULL REFERENCES customers(id),
                     created_at timestamp NOT NULL, total numeric(10,2), note text);
CREATE INDEX orders_created_idx ON orders (created_at);
INSERT INTO customers VALUES (1, 'Ann', 'ann@x'), (2, 'Bob', 'bob@x'), (3, 'Cid', NULL);
INSERT INTO orders (customer_id, created_at, total, note) VALUES
  (1, '2024-01-03 10:15:00', 10.50, 'first'), (1, '2024-01-09 23:59:59', 20.00, NULL),
  (2, '2024-02-14 08:00:00', 7.25, 'valentine'), (3, '2024-03-31 12:30:00', 99.99, NULL),
  (2, '2024-04-01 00:00:00', 1.00, 'april'), (1, '2024-06-30 18:45:10', 42.42, NULL);
CREATE VIEW big_orders AS SELECT id, customer_id, total FROM orders WHERE total > 10;
GRANT SELECT ON big_orders TO PUBLIC;
