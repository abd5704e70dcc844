-- tests/clients/pg_dump/comments.sql -- comments on the source schema (applied apart:
-- a server without COMMENT ON still runs the rest of the test).
COMMENT ON TABLE customers IS 'the customers';
COMMENT ON COLUMN customers.email IS 'contact address';
COMMENT ON VIEW big_orders IS 'orders over ten';
