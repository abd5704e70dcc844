-- tests/clients/psql/schema.sql -- the varied schema psql_describe.sh creates on ShaleDB
-- and on PostgreSQL 15 before comparing psql's \d output (every supported type, composite
-- and secondary indexes, unique and check constraints, foreign keys with actions, a view,
-- a sequence, comments on a table and its columns).
CREATE TABLE dept (
    id integer PRIMARY KEY,
    name varchar(40) NOT NULL UNIQUE,
    budget numeric(12,2) DEFAULT 0 CHECK (budget >= 0)
);
CREATE TABLE alltypes (
    c_bool boolean,
    c_int2 smallint,
    c_int4 integer NOT NULL,
    c_int8 bigint DEFAULT 42,
    c_float4 real,
    c_float8 double precision,
    c_numeric numeric,
    c_numeric_p numeric(10,3),
    c_text text DEFAULT 'hello',
    c_varchar varchar(20),
    c_char char(5),
    c_bytea bytea,
    c_date date,
    c_time time,
    c_timestamp timestamp,
    c_timestamptz timestamptz,
    c_interval interval,
    c_uuid uuid,
    c_json json,
    c_jsonb jsonb,
    c_int_arr integer[],
    c_text_arr text[],
    PRIMARY KEY (c_int4)
);
CREATE TABLE emp (
    id bigint PRIMARY KEY,
    first_name text NOT NULL,
    last_name text NOT NULL,
    dept_id integer REFERENCES dept(id) ON DELETE CASCADE ON UPDATE RESTRICT,
    manager_id bigint REFERENCES emp(id) ON DELETE SET NULL,
    salary numeric(10,2) CHECK (salary > 0),
    hired date NOT NULL DEFAULT '2020-01-01',
    email varchar(100),
    CONSTRAINT emp_email_key UNIQUE (email),
    CONSTRAINT emp_name_chk CHECK (first_name <> last_name)
);
CREATE INDEX emp_name_idx ON emp (last_name, first_name);
CREATE INDEX emp_dept_idx ON emp (dept_id);
CREATE UNIQUE INDEX dept_lower_idx ON dept (budget, id);
CREATE TABLE assignment (
    emp_id bigint NOT NULL,
    project text NOT NULL,
    hours integer DEFAULT 0,
    PRIMARY KEY (emp_id, project),
    FOREIGN KEY (emp_id) REFERENCES emp(id) ON DELETE CASCADE
);
CREATE SEQUENCE order_seq START 100 INCREMENT 5;
CREATE VIEW emp_view AS SELECT id, first_name, last_name, salary FROM emp WHERE salary > 1000;
COMMENT ON TABLE emp IS 'employees';
COMMENT ON COLUMN emp.salary IS 'yearly salary';
COMMENT ON COLUMN emp.hired IS 'hire date';
