# tests/clients/python/test_psycopg3.py -- psycopg 3 (Debian's python3-psycopg) against a
# running server, as an application uses it. psycopg 3 binds parameters server-side (the
# extended protocol: Parse/Bind/Describe/Execute), and sends/reads binary formats when asked
# (cursor(binary=True), %b placeholders), so every type is checked both in text and binary.
# Also: executemany (pipelined), COPY through cursor.copy() in text and binary, server-side
# cursors, prepared statements (prepare=True), transactions, autocommit and SQLSTATEs.
import datetime as dt
import uuid
from decimal import Decimal

import psycopg
from psycopg import errors, sql
from psycopg.types.json import Json, Jsonb

from clientlib import case, conninfo, eq, known_bug, run

CI = conninfo()

UTC = dt.timezone.utc
PLUS2 = dt.timezone(dt.timedelta(hours=2))

# (column type, python value, value read back when it differs)
TYPED = [
    ("int2", 12, None),
    ("int4", -2147483648, None),
    ("int8", 9223372036854775807, None),
    ("float8", 1.5e300, None),
    ("float4", 0.25, None),
    ("numeric", Decimal("12345678901234567890.000000000123"), None),
    ("numeric(10,2)", Decimal("3.14159"), Decimal("3.14")),
    ("numeric", Decimal("-0.0001"), None),
    ("bool", False, None),
    ("text", "héllo 'quoted' \\ back", None),
    ("varchar(20)", "abc", None),
    ("bytea", b"\x00\x01\xff'\\", None),
    ("date", dt.date(2024, 2, 29), None),
    ("time", dt.time(13, 14, 15, 123456), None),
    ("timestamp", dt.datetime(2001, 2, 3, 4, 5, 6, 789000), None),
    ("timestamptz", dt.datetime(2001, 2, 3, 4, 5, 6, tzinfo=PLUS2),
     dt.datetime(2001, 2, 3, 2, 5, 6, tzinfo=UTC)),
    ("interval", dt.timedelta(days=3, hours=4, minutes=5, seconds=6, microseconds=7), None),
    ("uuid", uuid.UUID("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"), None),
    ("json", Json({"a": [1, 2, None], "b": "x"}), {"a": [1, 2, None], "b": "x"}),
    ("jsonb", Jsonb({"k": {"n": 1.5}}), {"k": {"n": 1.5}}),
    ("int4[]", [1, 2, 3], None),
    ("int8[]", [1, None, -3], None),
    ("text[]", ["a", "b c", 'd"e', None], None),
    ("float8[]", [1.5, -2.0], None),
]


def want(v, back):
    if back is not None:
        return back
    if isinstance(v, (Json, Jsonb)):
        return v.obj
    return v


def connect(**kw):
    c = psycopg.connect(CI, **kw)
    c.execute("SET TIME ZONE 'UTC'")
    c.commit()
    return c


@case
def connect_and_info():
    with connect() as c:
        eq(c.info.server_version >= 150000, True, "server_version")
        eq(c.info.encoding, "utf-8", "encoding")
        eq(c.info.parameter_status("standard_conforming_strings"), "on", "standard_conforming_strings")
        row = c.execute("SELECT current_database(), current_user").fetchone()
        eq(row, (c.info.dbname, c.info.user), "current_database/current_user")


def roundtrip(binary):
    tag = "binary" if binary else "text"
    with connect(autocommit=True) as c:
        cur = c.cursor(binary=binary)
        cur.execute("DROP TABLE IF EXISTS p3_types")
        cols = ", ".join("c%d %s" % (i, t) for i, (t, _, _) in enumerate(TYPED))
        cur.execute("CREATE TABLE p3_types (id int PRIMARY KEY, %s)" % cols)
        names = ", ".join("c%d" % i for i in range(len(TYPED)))
        mark = "%b" if binary else "%t"
        marks = ", ".join([mark] * len(TYPED))
        cur.execute("INSERT INTO p3_types VALUES (1, %s)" % marks, [v for _, v, _ in TYPED])
        row = cur.execute("SELECT %s FROM p3_types WHERE id = %s" % (names, mark), (1,)).fetchone()
        for i, (t, v, back) in enumerate(TYPED):
            eq(row[i], want(v, back), "%s column %s" % (tag, t))
        for t, v, back in TYPED:
            got = cur.execute("SELECT CAST(%s AS %s)" % (mark, t), (v,)).fetchone()[0]
            eq(got, want(v, back), "%s SELECT CAST(param AS %s)" % (tag, t))
        cur.execute("INSERT INTO p3_types (id) VALUES (2)")
        row = cur.execute("SELECT %s FROM p3_types WHERE id = 2" % names).fetchone()
        eq(row, (None,) * len(TYPED), "%s NULLs" % tag)
        # untyped parameters: the server infers the type from the context
        got = cur.execute("SELECT c0 + %s, c9 || %s FROM p3_types WHERE id = 1" % (mark, mark), (3, "!")).fetchone()
        eq(got, (15, TYPED[9][1] + "!"), "%s inferred parameter types" % tag)


@case
def typed_parameters_text():
    roundtrip(False)


@case
def typed_parameters_binary():
    roundtrip(True)


@case
def executemany_and_prepared():
    with connect() as c:
        cur = c.cursor()
        cur.execute("DROP TABLE IF EXISTS p3_many")
        cur.execute("CREATE TABLE p3_many (id serial PRIMARY KEY, name text NOT NULL, score numeric)")
        cur.executemany("INSERT INTO p3_many (name, score) VALUES (%s, %s)",
                        [("n%d" % i, Decimal(i) / 4) for i in range(200)])
        cur.executemany("INSERT INTO p3_many (name) VALUES (%s) RETURNING id",
                        [("r1",), ("r2",)], returning=True)
        eq(cur.fetchone()[0], 201, "executemany RETURNING first")
        cur.nextset()
        eq(cur.fetchone()[0], 202, "executemany RETURNING second")
        c.commit()
        eq(cur.execute("SELECT count(*), sum(score) FROM p3_many").fetchone(), (202, Decimal("4975.00")), "count/sum")
        # explicitly prepared statements, reused with new parameters
        for i in range(5):
            r = c.execute("SELECT name FROM p3_many WHERE id = %s", (i + 1,), prepare=True).fetchone()
            eq(r[0], "n%d" % i, "prepared select %d" % i)
        # psycopg prepares automatically after prepare_threshold uses
        c.prepare_threshold = 2
        for i in range(6):
            eq(c.execute("SELECT %s::int * 2", (i,)).fetchone()[0], i * 2, "auto-prepared")
        cur.execute("UPDATE p3_many SET score = %s WHERE id <= %s", (Decimal("1.5"), 10))
        eq(cur.rowcount, 10, "UPDATE rowcount")
        cur.execute(sql.SQL("DELETE FROM {} WHERE {} > %s").format(sql.Identifier("p3_many"), sql.Identifier("id")), (150,))
        eq(cur.rowcount, 52, "DELETE rowcount")
        c.commit()


@case
def pipeline_mode():
    with connect() as c:
        with c.pipeline():
            c.execute("DROP TABLE IF EXISTS p3_pipe")
            c.execute("CREATE TABLE p3_pipe (id int PRIMARY KEY, v text)")
            for i in range(20):
                c.execute("INSERT INTO p3_pipe VALUES (%s, %s)", (i, "v%d" % i))
            cur = c.execute("SELECT count(*) FROM p3_pipe")
        eq(cur.fetchone()[0], 20, "pipelined inserts")
        c.commit()


@case
def copy_text_and_binary():
    with connect() as c:
        cur = c.cursor()
        cur.execute("DROP TABLE IF EXISTS p3_copy")
        cur.execute("CREATE TABLE p3_copy (id int, t text, d date, n numeric, ts timestamptz)")
        rows = [(1, "one", dt.date(2024, 1, 1), Decimal("1.5"), dt.datetime(2024, 1, 1, 12, tzinfo=UTC)),
                (2, None, dt.date(2024, 1, 2), None, None),
                (3, "tab\there", dt.date(2024, 1, 3), Decimal("-3"), dt.datetime(2024, 1, 3, tzinfo=UTC))]
        with cur.copy("COPY p3_copy FROM STDIN") as cp:
            for r in rows:
                cp.write_row(r)
        with cur.copy("COPY p3_copy (id, t) FROM STDIN WITH (FORMAT csv)") as cp:
            cp.write('4,"a,b"\n5,"quote ""q"""\n')
        c.commit()
        out = []
        with cur.copy("COPY (SELECT id, t, d, n, ts FROM p3_copy WHERE id <= 3 ORDER BY id) TO STDOUT") as cp:
            cp.set_types(["int4", "text", "date", "numeric", "timestamptz"])
            for r in cp.rows():
                out.append(r)
        eq(out, rows, "COPY TO text rows")
        # binary COPY both ways
        try:
            with cur.copy("COPY p3_copy FROM STDIN (FORMAT binary)") as cp:
                cp.set_types(["int4", "text", "date", "numeric", "timestamptz"])
                cp.write_row((6, "bin", dt.date(2020, 5, 6), Decimal("6.25"), dt.datetime(2020, 5, 6, 1, 2, 3, tzinfo=UTC)))
            c.commit()
            out = []
            with cur.copy("COPY (SELECT id, t, d, n, ts FROM p3_copy WHERE id = 6) TO STDOUT (FORMAT binary)") as cp:
                cp.set_types(["int4", "text", "date", "numeric", "timestamptz"])
                out = list(cp.rows())
            eq(out, [(6, "bin", dt.date(2020, 5, 6), Decimal("6.25"), dt.datetime(2020, 5, 6, 1, 2, 3, tzinfo=UTC))], "binary COPY")
        except errors.FeatureNotSupported as e:
            c.rollback()
            known_bug(False, "COPY (FORMAT binary) is not supported: %s" % e)
        eq(cur.execute("SELECT count(*) FROM p3_copy").fetchone()[0], 6, "rows after COPY")


@case
def server_side_cursor():
    with connect() as c:
        cur = c.cursor()
        cur.execute("DECLARE probe CURSOR FOR SELECT 1")
        c.rollback()
        cur.execute("DROP TABLE IF EXISTS p3_big")
        cur.execute("CREATE TABLE p3_big (id int, t text)")
        cur.execute("INSERT INTO p3_big SELECT g, 'row ' || g FROM generate_series(1, 3000) g")
        c.commit()
        with c.cursor(name="p3_named") as sc:
            sc.itersize = 500
            sc.execute("SELECT id, t FROM p3_big WHERE id > %s ORDER BY id", (0,))
            eq(sc.fetchone(), (1, "row 1"), "first row")
            eq(len(sc.fetchmany(99)), 99, "fetchmany")
            rest = sc.fetchall()
            eq(len(rest), 2900, "fetchall")
            eq(rest[-1], (3000, "row 3000"), "last row")
        with c.cursor(name="p3_scroll", scrollable=True) as sc:
            sc.execute("SELECT id FROM p3_big ORDER BY id")
            sc.scroll(100, mode="absolute")
            eq(sc.fetchone()[0], 101, "scroll")
        c.commit()


@case
def transactions_and_autocommit():
    with connect() as c:
        c.execute("DROP TABLE IF EXISTS p3_tx")
        c.execute("CREATE TABLE p3_tx (id int PRIMARY KEY)")
        c.commit()
        with c.transaction():
            c.execute("INSERT INTO p3_tx VALUES (1)")
            try:
                with c.transaction():          # a savepoint
                    c.execute("INSERT INTO p3_tx VALUES (2)")
                    c.execute("INSERT INTO p3_tx VALUES (1)")
                raise AssertionError("duplicate accepted")
            except errors.UniqueViolation as e:
                eq(e.sqlstate, "23505", "sqlstate")
                eq(e.diag.message_detail, "Key (id)=(1) already exists.", "detail")
        eq(c.execute("SELECT array_agg(id) FROM p3_tx").fetchone()[0], [1], "savepoint rolled back")
        c.commit()
        try:
            with c.transaction():
                c.execute("INSERT INTO p3_tx VALUES (5)")
                raise RuntimeError("abort")
        except RuntimeError:
            pass
        eq(c.execute("SELECT count(*) FROM p3_tx WHERE id = 5").fetchone()[0], 0, "rolled back block")
        c.rollback()
        c.execute("INSERT INTO p3_tx VALUES (6)")
        try:
            c.execute("SELECT 1/0")
        except errors.DivisionByZero as e:
            eq(e.sqlstate, "22012", "division by zero")
        try:
            c.execute("SELECT 1")
            raise AssertionError("ran in an aborted transaction")
        except errors.InFailedSqlTransaction:
            pass
        c.rollback()
        c.isolation_level = psycopg.IsolationLevel.SERIALIZABLE
        c.read_only = True
        eq(c.execute("SHOW transaction_isolation").fetchone()[0], "serializable", "isolation")
        eq(c.execute("SHOW transaction_read_only").fetchone()[0], "on", "read only")
        c.rollback()
        c.isolation_level = None
        c.read_only = None
        c.autocommit = True
        c.execute("INSERT INTO p3_tx VALUES (7)")
        with psycopg.connect(CI) as c2:
            eq(c2.execute("SELECT count(*) FROM p3_tx WHERE id = 7").fetchone()[0], 1, "autocommit visible")
        eq(c.info.transaction_status, psycopg.pq.TransactionStatus.IDLE, "idle in autocommit")


@case
def error_sqlstates_and_diag():
    with connect(autocommit=True) as c:
        cases = [
            ("SELECT * FROM no_such_table", errors.UndefinedTable, "42P01"),
            ("SELECT no_such_col FROM pg_class", errors.UndefinedColumn, "42703"),
            ("SELEC 1", errors.SyntaxError, "42601"),
            ("SELECT 'abc'::int", errors.InvalidTextRepresentation, "22P02"),
            ("SELECT %s::int4 + 1", errors.NumericValueOutOfRange, "22003"),
            ("SELECT no_such_function(1)", errors.UndefinedFunction, "42883"),
        ]
        for q, cls, code in cases:
            try:
                c.execute(q, (2147483647,) if "%s" in q else None)
                raise AssertionError("no error from %r" % q)
            except cls as e:
                eq(e.sqlstate, code, q)
                eq(e.diag.severity, "ERROR", "severity of " + q)
        try:
            c.execute("SELECT 1 FROM no_such_table")
        except errors.UndefinedTable as e:
            eq(e.diag.statement_position, "15", "statement_position")
        eq(c.execute("SELECT 1").fetchone()[0], 1, "usable after errors")


@case
def constraint_violation_diag():
    # ErrorResponse fields s/t/c/n name the object of a constraint violation, as PostgreSQL
    # sends them: applications map them to form fields (diag.constraint_name ...).
    with connect(autocommit=True) as c:
        c.execute("DROP TABLE IF EXISTS p3_dchild")
        c.execute("DROP TABLE IF EXISTS p3_dparent")
        c.execute("CREATE TABLE p3_dparent (id int PRIMARY KEY, email text UNIQUE, "
                  "qty int NOT NULL CONSTRAINT p3_qty_pos CHECK (qty > 0))")
        c.execute("CREATE TABLE p3_dchild (id int, pid int REFERENCES p3_dparent(id))")
        c.execute("INSERT INTO p3_dparent VALUES (1, 'a@x', 1)")
        c.execute("INSERT INTO p3_dchild VALUES (1, 1)")
        cases = [
            ("INSERT INTO p3_dparent VALUES (1, 'b@x', 1)", "23505", "p3_dparent", None, "p3_dparent_pkey"),
            ("INSERT INTO p3_dparent VALUES (2, 'a@x', 1)", "23505", "p3_dparent", None, "p3_dparent_email_key"),
            ("INSERT INTO p3_dparent VALUES (3, 'c@x', NULL)", "23502", "p3_dparent", "qty", None),
            ("INSERT INTO p3_dparent VALUES (4, 'd@x', 0)", "23514", "p3_dparent", None, "p3_qty_pos"),
            ("INSERT INTO p3_dchild VALUES (2, 99)", "23503", "p3_dchild", None, "p3_dchild_pid_fkey"),
            ("DELETE FROM p3_dparent WHERE id = 1", "23503", "p3_dchild", None, "p3_dchild_pid_fkey"),
        ]
        for q, code, table, column, constraint in cases:
            try:
                c.execute(q)
            except errors.Error as e:
                eq(e.sqlstate, code, q)
                eq(e.diag.schema_name, "public", "schema of " + q)
                eq(e.diag.table_name, table, "table of " + q)
                eq(e.diag.column_name, column, "column of " + q)
                eq(e.diag.constraint_name, constraint, "constraint of " + q)
                eq(e.diag.datatype_name, None, "datatype of " + q)
                continue
            eq(code, None, "no error from " + q)
        try:
            c.execute("SELECT 1/0")
        except errors.DivisionByZero as e:
            eq((e.diag.table_name, e.diag.constraint_name), (None, None), "no object fields on 22012")


@case
def show_through_prepared_statements():
    # Execute of a utility statement must not send a RowDescription of its own (Describe
    # did): a second one broke prepared SHOW in libpq. The column is the canonical name.
    with connect() as c:
        for _ in range(3):
            cur = c.execute("SHOW timezone", prepare=True)
            eq([d.name for d in cur.description], ["TimeZone"], "SHOW column name")
            eq(cur.fetchall(), [("UTC",)], "SHOW value")
        eq(c.execute("SHOW transaction_read_only", prepare=True).fetchone()[0], "off", "read only outside")


@case
def row_factories_and_description():
    from psycopg.rows import dict_row
    with connect(row_factory=dict_row) as c:
        cur = c.execute("SELECT 1::int8 AS a, 'x'::varchar(5) AS b, 1.5::numeric(4,2) AS n")
        eq(cur.fetchone(), {"a": 1, "b": "x", "n": Decimal("1.50")}, "dict_row")
        eq([(d.name, d.type_code) for d in cur.description], [("a", 20), ("b", 1043), ("n", 1700)], "description")
        eq(cur.description[2].precision, 4, "numeric precision from typmod")
        eq(cur.description[2].scale, 2, "numeric scale from typmod")
        eq(cur.description[1].display_size, 5, "varchar length from typmod")


run("psycopg3")
