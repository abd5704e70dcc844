CREATE SCHEMA s1;
CREATE TABLE t (id serial PRIMARY KEY, name varchar(40) NOT NULL DEFAULT 'x', qty integer CHECK (qty > 0), price numeric(10,2), created timestamptz DEFAULT now(), tags text[], code char(3), UNIQUE (name, qty));
CREATE TABLE s1.child (cid bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, t_id integer NOT NULL REFERENCES t(id) ON DELETE CASCADE, note text, flag boolean DEFAULT true, score float8, CONSTRAINT tid_range CHECK (t_id > 0 AND t_id < 1000000));
CREATE INDEX child_note_idx ON s1.child (note DESC NULLS LAST, t_id);
CREATE SEQUENCE s1.myseq INCREMENT BY 5 START WITH 100;
CREATE TABLE nokey (a int2, b bytea, c uuid, d jsonb, e date, f interval);
