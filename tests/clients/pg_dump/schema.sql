-- tests/clients/pg_dump/schema.sql -- the source database pg_dump_test.sh dumps: every
-- type ShaleDB supports, serial/bigserial and standalone sequences, primary/unique/check/
-- foreign-key constraints, composite and unique secondary indexes, a view, awkward
-- identifiers and values that need escaping in COPY.
CREATE TABLE customers (
  id serial PRIMARY KEY,
  name varchar(100) NOT NULL,
  email text UNIQUE,
  code char(4),
  active boolean DEFAULT true,
  created_at timestamp DEFAULT '2024-01-01 00:00:00',
  created_tz timestamptz,
  birth date,
  wake time,
  dur interval,
  score float8 CHECK (score >= 0),
  ratio real,
  small smallint,
  big bigint,
  amount numeric(12,2),
  anynum numeric,
  blob bytea,
  ident uuid,
  doc json,
  docb jsonb,
  tags text[],
  nums integer[]
);
CREATE TABLE orders (
  order_id bigserial PRIMARY KEY,
  customer_id integer NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
  qty integer NOT NULL CHECK (qty > 0),
  note text,
  UNIQUE (customer_id, order_id)
);
CREATE INDEX orders_cust_idx ON orders (customer_id);
CREATE INDEX customers_name_email_idx ON customers (name, email);
CREATE UNIQUE INDEX customers_code_idx ON customers (code);
CREATE SEQUENCE invoice_seq START 100 INCREMENT 5;
CREATE TABLE aaa_invoices (no integer DEFAULT nextval('invoice_seq') PRIMARY KEY, total numeric(10,2));
CREATE TABLE kv (k text PRIMARY KEY, v text);
CREATE TABLE "Odd Table" ("Key Col" integer PRIMARY KEY, "select" text, "CamelCase" varchar(10));
CREATE VIEW big_orders AS SELECT order_id, customer_id, qty FROM orders WHERE qty > 10;
INSERT INTO customers (name, email, code, active, created_at, created_tz, birth, wake, dur, score, ratio, small, big, amount, anynum, blob, ident, doc, docb, tags, nums) VALUES
 ('Ann', 'ann@x.org', 'A001', true, '2024-02-03 04:05:06', '2024-02-03 04:05:06+00', '1990-05-06', '07:08:09', '1 day 02:03:04', 1.5, 0.25, 3, 9000000000, 1234.56, 3.14159265358979, '\xdeadbeef', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{"a": 1}', '{"b": [1, 2]}', ARRAY['x','y z','q"t'], ARRAY[1,2,3]),
 ('Bob "the" O''Neil', NULL, 'B002', false, NULL, NULL, NULL, NULL, NULL, 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
 (E'tab\there\nnewline\\back', 'c@x', NULL, NULL, '1999-12-31 23:59:59.999999', '2000-01-01 00:00:00+00', '2000-02-29', '23:59:59.5', '-3 mons', 1e300, -1.5, -32768, -9223372036854775808, -0.01, 1e-20, '\x', NULL, '[]', 'null', '{}', '{NULL,5}'),
 ('Üñíçødé ☃', 'u@x', 'U004', true, '2024-06-30 12:00:00', '2024-06-30 12:00:00+00', '2024-06-30', '00:00:00', '1 year 2 mons', 2.5e-10, 3.4e38, 32767, 9223372036854775807, 9999999999.99, -123456789012345678901234567890.123456789, '\x00ff', '00000000-0000-0000-0000-000000000000', '{"k": "v\"q"}', '{"n": null}', '{"",NULL,"a,b"}', '{}');
INSERT INTO orders (customer_id, qty, note) VALUES (1, 5, 'five'), (1, 20, NULL), (2, 11, 'eleven'), (3, 1, E'x\ty'), (4, 100, '\.');
INSERT INTO aaa_invoices (total) VALUES (10.50), (NULL);
INSERT INTO kv VALUES ('a', '1'), ('b', NULL), ('', 'empty key'), ('\N', 'backslash N');
INSERT INTO "Odd Table" VALUES (1, 'from', 'Camel'), (2, NULL, NULL);
SELECT nextval('invoice_seq');
-- privileges (PUBLIC: the only grantee both servers share): pg_dump emits GRANT/REVOKE
GRANT SELECT ON customers TO PUBLIC;
GRANT SELECT, INSERT ON orders TO PUBLIC;
REVOKE TRUNCATE ON kv FROM root;
GRANT USAGE ON SEQUENCE invoice_seq TO PUBLIC;
GRANT SELECT ON big_orders TO PUBLIC;
