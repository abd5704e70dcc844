CREATE INDEX child_lower_idx ON s1.child (lower(note));
CREATE UNIQUE INDEX t_qty_idx ON t (qty) WHERE qty > 10;
CREATE VIEW v AS SELECT id, name FROM t;
COMMENT ON TABLE t IS 'the t table';
COMMENT ON COLUMN t.name IS 'name of the thing';
COMMENT ON SCHEMA s1 IS 'schema one';
