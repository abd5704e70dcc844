# tests/clients/python/test_psycopg2.py -- psycopg2 (Debian's python3-psycopg2) against a
# running server, as an application uses it: typed parameters both ways, executemany, COPY
# through copy_expert/copy_from, named (server-side) cursors, transactions and autocommit,
# and SQLSTATEs of errors. psycopg2 interpolates parameters on the client and speaks the
# simple query protocol only; it reads every result in text format.
import datetime as dt
import io
import uuid
from decimal import Decimal

import psycopg2
import psycopg2.errors
import psycopg2.extras

psycopg2.extras.register_uuid()

from clientlib import case, conninfo, eq, known_bug, run

CI = conninfo()


def connect(**kw):
    c = psycopg2.connect(CI, **kw)
    return c


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
    ("bool", True, None),
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
    ("json", psycopg2.extras.Json({"a": [1, 2, None], "b": "x"}), {"a": [1, 2, None], "b": "x"}),
    ("jsonb", psycopg2.extras.Json({"k": {"n": 1.5}}), {"k": {"n": 1.5}}),
    ("int4[]", [1, 2, 3], None),
    ("text[]", ["a", "b c", 'd"e', None], None),
    ("float8[]", [1.5, -2.0], None),
]


def norm(v):
    if isinstance(v, psycopg2.extras.Json):
        return v.adapted
    return v


def plain(v):
    return bytes(v) if isinstance(v, memoryview) else v


@case
def connect_and_settings():
    c = connect()
    eq(c.server_version >= 150000, True, "server_version")
    cur = c.cursor()
    cur.execute("SELECT current_database(), current_user, version()")
    db, user, ver = cur.fetchone()
    eq(db, c.info.dbname, "current_database")
    eq("PostgreSQL" in ver, True, "version()")
    eq(c.encoding, "UTF8", "client_encoding")
    eq(c.get_parameter_status("integer_datetimes"), "on", "integer_datetimes")
    cur.execute("SET TIME ZONE 'UTC'")
    cur.execute("SHOW TimeZone")
    eq(cur.fetchone()[0], "UTC", "SHOW TimeZone")
    c.close()


@case
def typed_parameters_roundtrip():
    c = connect()
    c.autocommit = True
    cur = c.cursor()
    cur.execute("SET TIME ZONE 'UTC'")
    cur.execute("DROP TABLE IF EXISTS p2_types")
    cols = ", ".join("c%d %s" % (i, t) for i, (t, _, _) in enumerate(TYPED))
    cur.execute("CREATE TABLE p2_types (id int PRIMARY KEY, %s)" % cols)
    names = ", ".join("c%d" % i for i in range(len(TYPED)))
    marks = ", ".join(["%s"] * len(TYPED))
    cur.execute("INSERT INTO p2_types VALUES (1, %s)" % marks, [v for _, v, _ in TYPED])
    cur.execute("SELECT %s FROM p2_types WHERE id = %%s" % names, (1,))
    row = cur.fetchone()
    for i, (t, v, back) in enumerate(TYPED):
        eq(plain(row[i]), back if back is not None else norm(v), "column %s" % t)
    # The same values as bare parameters of a SELECT (literal casts made by psycopg2).
    for t, v, back in TYPED:
        cur.execute("SELECT CAST(%%s AS %s)" % t, (v,))
        eq(plain(cur.fetchone()[0]), back if back is not None else norm(v), "SELECT %%s::%s" % t)
    # NULL of every type.
    cur.execute("INSERT INTO p2_types (id) VALUES (2)")
    cur.execute("SELECT %s FROM p2_types WHERE id = 2" % names)
    eq(cur.fetchone(), (None,) * len(TYPED), "NULLs")
    c.close()


@case
def executemany_and_execute_values():
    c = connect()
    cur = c.cursor()
    cur.execute("DROP TABLE IF EXISTS p2_many")
    cur.execute("CREATE TABLE p2_many (id serial PRIMARY KEY, name text NOT NULL, score numeric)")
    cur.executemany("INSERT INTO p2_many (name, score) VALUES (%s, %s)",
                    [("n%d" % i, Decimal(i) / 4) for i in range(100)])
    eq(cur.rowcount, 100, "executemany rowcount (summed by psycopg2)")
    psycopg2.extras.execute_values(cur, "INSERT INTO p2_many (name, score) VALUES %s",
                                   [("v%d" % i, i) for i in range(50)])
    cur.execute("INSERT INTO p2_many (name) VALUES (%s) RETURNING id", ("last",))
    eq(cur.fetchone()[0], 151, "serial id from RETURNING")
    c.commit()
    cur.execute("SELECT count(*), sum(score) FROM p2_many")
    eq(cur.fetchone(), (151, Decimal("2462.50")), "count/sum")
    cur.execute("UPDATE p2_many SET score = score * 2 WHERE name LIKE %s", ("v%",))
    eq(cur.rowcount, 50, "UPDATE rowcount")
    cur.execute("DELETE FROM p2_many WHERE id > %(min)s", {"min": 140})
    eq(cur.rowcount, 11, "DELETE rowcount")
    c.commit()
    c.close()


@case
def copy_in_and_out():
    c = connect()
    cur = c.cursor()
    cur.execute("DROP TABLE IF EXISTS p2_copy")
    cur.execute("CREATE TABLE p2_copy (id int, t text, d date, n numeric)")
    data = io.StringIO("1\tone\t2024-01-01\t1.5\n2\t\\N\t2024-01-02\t\\N\n3\ttab\\there\t2024-01-03\t-3\n")
    cur.copy_from(data, "p2_copy")
    eq(cur.rowcount, 3, "copy_from rowcount")
    csv = io.StringIO('4,"a,b",2024-02-01,4\n5,"quote ""q""",2024-02-02,5\n')
    cur.copy_expert("COPY p2_copy FROM STDIN WITH (FORMAT csv)", csv)
    c.commit()
    out = io.StringIO()
    cur.copy_expert("COPY (SELECT * FROM p2_copy ORDER BY id) TO STDOUT WITH (FORMAT csv, HEADER)", out)
    eq(out.getvalue(),
       "id,t,d,n\n1,one,2024-01-01,1.5\n2,,2024-01-02,\n3,tab\there,2024-01-03,-3\n"
       '4,"a,b",2024-02-01,4\n5,"quote ""q""",2024-02-02,5\n', "COPY TO csv")
    out = io.StringIO()
    cur.copy_to(out, "p2_copy", columns=("id", "t"))
    eq(out.getvalue().split("\n")[1], "2\t\\N", "copy_to text NULL")
    # A bad row makes the whole COPY fail with 22P02 and leaves the table as it was.
    try:
        cur.copy_expert("COPY p2_copy FROM STDIN", io.StringIO("6\tx\tnot-a-date\t1\n"))
        raise AssertionError("bad COPY row accepted")
    except psycopg2.errors.InvalidDatetimeFormat:
        pass
    c.rollback()
    cur.execute("SELECT count(*) FROM p2_copy")
    eq(cur.fetchone()[0], 5, "rows after failed COPY")
    c.close()


@case
def named_server_side_cursor():
    c = connect()
    cur = c.cursor()
    cur.execute("DECLARE probe CURSOR FOR SELECT 1")
    c.rollback()
    cur.execute("DROP TABLE IF EXISTS p2_big")
    # (CREATE TABLE AS is not supported yet: a table and INSERT ... SELECT instead)
    cur.execute("CREATE TABLE p2_big (id int, t text)")
    cur.execute("INSERT INTO p2_big SELECT g, 'row ' || g FROM generate_series(1, 2500) g")
    c.commit()
    sc = c.cursor(name="p2_named")
    sc.itersize = 1000
    sc.execute("SELECT id, t FROM p2_big WHERE id > %s ORDER BY id", (0,))
    first = sc.fetchmany(10)
    eq(first[0], (1, "row 1"), "first row")
    rest = list(sc)
    eq(len(first) + len(rest), 2500, "rows through the named cursor")
    eq(rest[-1], (2500, "row 2500"), "last row")
    sc.close()
    # scroll on a SCROLL cursor
    sc = c.cursor(name="p2_scroll", scrollable=True)
    sc.execute("SELECT id FROM p2_big ORDER BY id")
    sc.scroll(100, mode="absolute")
    eq(sc.fetchone()[0], 101, "scroll absolute")
    sc.close()
    c.commit()
    c.close()


@case
def transactions_and_autocommit():
    c = connect()
    cur = c.cursor()
    cur.execute("DROP TABLE IF EXISTS p2_tx")
    cur.execute("CREATE TABLE p2_tx (id int PRIMARY KEY)")
    c.commit()
    cur.execute("INSERT INTO p2_tx VALUES (1)")
    eq(c.get_transaction_status(), psycopg2.extensions.TRANSACTION_STATUS_INTRANS, "in transaction")
    c.rollback()
    cur.execute("SELECT count(*) FROM p2_tx")
    eq(cur.fetchone()[0], 0, "after rollback")
    with c:
        cur.execute("INSERT INTO p2_tx VALUES (2)")
    cur.execute("SELECT count(*) FROM p2_tx")
    eq(cur.fetchone()[0], 1, "after with-block commit")
    c.rollback()
    # An error aborts the transaction until rollback: 25P02.
    cur.execute("INSERT INTO p2_tx VALUES (3)")
    try:
        cur.execute("INSERT INTO p2_tx VALUES (3)")
        raise AssertionError("duplicate accepted")
    except psycopg2.errors.UniqueViolation as e:
        eq(e.pgcode, "23505", "unique violation")
        cname = e.diag.constraint_name
    try:
        cur.execute("SELECT 1")
        raise AssertionError("statement ran in an aborted transaction")
    except psycopg2.errors.InFailedSqlTransaction as e:
        eq(e.pgcode, "25P02", "in failed transaction")
    c.rollback()
    # Savepoints
    cur.execute("INSERT INTO p2_tx VALUES (10)")
    cur.execute("SAVEPOINT s1")
    cur.execute("INSERT INTO p2_tx VALUES (11)")
    cur.execute("ROLLBACK TO SAVEPOINT s1")
    c.commit()
    cur.execute("SELECT array_agg(id ORDER BY id) FROM p2_tx")
    eq(cur.fetchone()[0], [2, 10], "after savepoint rollback")
    c.commit()
    # isolation level and read only as psycopg2 sets them (BEGIN ISOLATION LEVEL ... READ ONLY)
    c.set_session(isolation_level="REPEATABLE READ", readonly=True)
    cur.execute("SHOW transaction_isolation")
    eq(cur.fetchone()[0], "repeatable read", "isolation")
    try:
        cur.execute("INSERT INTO p2_tx VALUES (12)")
        raise AssertionError("write in READ ONLY transaction")
    except psycopg2.errors.ReadOnlySqlTransaction:
        pass
    c.rollback()
    c.set_session(isolation_level="DEFAULT", readonly=False)
    # autocommit: each statement commits on its own, visible to another connection
    c.autocommit = True
    cur.execute("INSERT INTO p2_tx VALUES (20)")
    c2 = connect()
    cur2 = c2.cursor()
    cur2.execute("SELECT count(*) FROM p2_tx WHERE id = 20")
    eq(cur2.fetchone()[0], 1, "autocommit visible elsewhere")
    c2.close()
    c.close()
    eq(cname, "p2_tx_pkey", "diag.constraint_name")


@case
def error_sqlstates():
    c = connect()
    c.autocommit = True
    cur = c.cursor()
    cases = [
        ("SELECT * FROM no_such_table", "42P01"),
        ("SELECT no_such_col FROM pg_class", "42703"),
        ("SELEC 1", "42601"),
        ("SELECT 1/0", "22012"),
        ("SELECT 'abc'::int", "22P02"),
        ("SELECT 2147483647::int4 + 1", "22003"),
        ("CREATE TABLE p2_tx (id int)", "42P07"),
        ("INSERT INTO p2_tx VALUES (NULL)", "23502"),
        ("SELECT no_such_function(1)", "42883"),
    ]
    for sql, code in cases:
        try:
            cur.execute(sql)
            raise AssertionError("no error from %r" % sql)
        except psycopg2.Error as e:
            eq(e.pgcode, code, sql)
            eq(bool(e.pgerror and e.diag.message_primary), True, "message of " + sql)
    cur.execute("SELECT 1")
    eq(cur.fetchone()[0], 1, "connection usable after errors")
    c.close()


@case
def dict_and_namedtuple_cursors():
    c = connect()
    cur = c.cursor(cursor_factory=psycopg2.extras.RealDictCursor)
    cur.execute("SELECT 1 AS a, 'x'::text AS b")
    eq(cur.fetchone(), {"a": 1, "b": "x"}, "RealDictCursor")
    eq([d.name for d in cur.description], ["a", "b"], "description names")
    eq([d.type_code for d in cur.description], [23, 25], "description type oids")
    c.close()


run("psycopg2")
