// tests/clients/go/pgx_test_main.go -- pgx v4 (Debian's golang-github-jackc-pgx-v4-dev) against
// a running server. pgx speaks the extended protocol only, prepares every statement (Parse +
// Describe to learn parameter and result types) and then sends parameters and reads results
// in BINARY format for every type it knows: so this checks ShaleDB's binary send/recv of each
// type, QueryRow, Exec, batches (pipelined Parse/Bind/Execute), CopyFrom (binary COPY FROM
// STDIN) and transactions. Prints PASS/FAIL/SKIP lines; exit 1 on a failure.
// Connection: SHALE_CLIENT_CONN (libpq conninfo).
package main

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"os"
	"reflect"
	"strings"
	"time"

	"github.com/jackc/pgconn"
	"github.com/jackc/pgtype"
	"github.com/jackc/pgx/v4"
)

type knownBug struct{ what string }

func (k knownBug) Error() string { return k.what }

var ctx = context.Background()

func connect() (*pgx.Conn, error) {
	c, err := pgx.Connect(ctx, os.Getenv("SHALE_CLIENT_CONN"))
	if err != nil {
		return nil, err
	}
	_, err = c.Exec(ctx, "SET TIME ZONE 'UTC'")
	return c, err
}

func eq(got, want interface{}, what string) error {
	if !reflect.DeepEqual(got, want) {
		return fmt.Errorf("%s: got %#v, want %#v", what, got, want)
	}
	return nil
}

func sqlstate(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

func typesRoundtrip(c *pgx.Conn) error {
	if _, err := c.Exec(ctx, "DROP TABLE IF EXISTS g_types"); err != nil {
		return err
	}
	if _, err := c.Exec(ctx, `CREATE TABLE g_types (id int PRIMARY KEY, i2 int2, i4 int4, i8 int8, f4 float4,
		f8 float8, n numeric, b bool, t text, vc varchar(10), by bytea, d date, ts timestamp, tz timestamptz,
		iv interval, u uuid, j json, jb jsonb, ai int4[], at text[], tm time)`); err != nil {
		return err
	}
	day := time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC)
	ts := time.Date(2001, 2, 3, 4, 5, 6, 789000000, time.UTC)
	tz := time.Date(2020, 1, 2, 3, 4, 5, 678901000, time.FixedZone("x", 7200))
	uuid := [16]byte{0xa0, 0xee, 0xbc, 0x99, 0x9c, 0x0b, 0x4e, 0xf8, 0xbb, 0x6d, 0x6b, 0xb9, 0xbd, 0x38, 0x0a, 0x11}
	num := &pgtype.Numeric{}
	if err := num.Set("-12345678901234567890.000123"); err != nil {
		return err
	}
	iv := pgtype.Interval{Microseconds: (2*3600+3*60+4)*1000000 + 5, Days: 1, Months: 14, Status: pgtype.Present}
	tm := pgtype.Time{Microseconds: (13*3600+14*60+15)*1000000 + 123456, Status: pgtype.Present}
	_, err := c.Exec(ctx, `INSERT INTO g_types VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21)`,
		1, int16(-12), int32(-2147483648), int64(9223372036854775807), float32(0.25), 1.5e300, num, true,
		"héllo 'q' \\", "short", []byte{0, 1, 0xff}, day, ts, tz, iv, uuid,
		map[string]interface{}{"a": []interface{}{1.0, "x"}}, map[string]interface{}{"k": "v"},
		[]int32{1, 2, 3}, []string{"a", "b c", `d"e`}, tm)
	if err != nil {
		return fmt.Errorf("insert: %w", err)
	}
	var (
		i2      int16
		i4      int32
		i8      int64
		f4      float32
		f8      float64
		n       pgtype.Numeric
		b       bool
		t, vc   string
		by      []byte
		d, ts2  time.Time
		tz2     time.Time
		iv2     pgtype.Interval
		u       [16]byte
		j, jb   map[string]interface{}
		ai      []int32
		at      []string
		tm2     pgtype.Time
	)
	err = c.QueryRow(ctx, "SELECT i2, i4, i8, f4, f8, n, b, t, vc, by, d, ts, tz, iv, u, j, jb, ai, at, tm FROM g_types WHERE id = $1", 1).
		Scan(&i2, &i4, &i8, &f4, &f8, &n, &b, &t, &vc, &by, &d, &ts2, &tz2, &iv2, &u, &j, &jb, &ai, &at, &tm2)
	if err != nil {
		return fmt.Errorf("select: %w", err)
	}
	checks := []error{
		eq(i2, int16(-12), "int2"), eq(i4, int32(-2147483648), "int4"), eq(i8, int64(9223372036854775807), "int8"),
		eq(f4, float32(0.25), "float4"), eq(f8, 1.5e300, "float8"), eq(b, true, "bool"),
		eq(t, "héllo 'q' \\", "text"), eq(vc, "short", "varchar"), eq(by, []byte{0, 1, 0xff}, "bytea"),
		eq(d.Equal(day), true, fmt.Sprintf("date %v", d)), eq(ts2.Equal(ts), true, fmt.Sprintf("timestamp %v", ts2)),
		eq(tz2.Equal(tz), true, fmt.Sprintf("timestamptz %v", tz2)), eq(iv2, iv, "interval"), eq(u, uuid, "uuid"),
		eq(j, map[string]interface{}{"a": []interface{}{1.0, "x"}}, "json"), eq(jb, map[string]interface{}{"k": "v"}, "jsonb"),
		eq(ai, []int32{1, 2, 3}, "int4[]"), eq(at, []string{"a", "b c", `d"e`}, "text[]"), eq(tm2, tm, "time"),
	}
	var ns string
	if err := c.QueryRow(ctx, "SELECT n::text FROM g_types WHERE id = 1").Scan(&ns); err != nil {
		return err
	}
	checks = append(checks, eq(ns, "-12345678901234567890.000123", "numeric stored"))
	want := new(big.Int)
	want.SetString("-12345678901234567890000123", 10)
	checks = append(checks, eq(n.Int.Cmp(want) == 0 && n.Exp == -6, true, fmt.Sprintf("numeric binary %v e%d", n.Int, n.Exp)))
	for _, e := range checks {
		if e != nil {
			return e
		}
	}
	// NULLs read in binary
	if _, err := c.Exec(ctx, "INSERT INTO g_types (id) VALUES (2)"); err != nil {
		return err
	}
	var pi8 *int64
	var pn pgtype.Numeric
	var pts *time.Time
	var pai []int32
	if err := c.QueryRow(ctx, "SELECT i8, n, tz, ai FROM g_types WHERE id = 2").Scan(&pi8, &pn, &pts, &pai); err != nil {
		return err
	}
	if pi8 != nil || pn.Status != pgtype.Null || pts != nil || pai != nil {
		return fmt.Errorf("NULLs: %v %v %v %v", pi8, pn.Status, pts, pai)
	}
	// parameters whose types the server infers, and many rows
	rows, err := c.Query(ctx, "SELECT g, g * $1::int8, 'r' || g FROM generate_series(1, $2::int) g", int64(3), 1000)
	if err != nil {
		return err
	}
	count := 0
	for rows.Next() {
		var g int32
		var m int64
		var s string
		if err := rows.Scan(&g, &m, &s); err != nil {
			return err
		}
		count++
		if m != int64(g)*3 || s != fmt.Sprintf("r%d", g) {
			return fmt.Errorf("row %d: %d %s", g, m, s)
		}
	}
	if rows.Err() != nil {
		return rows.Err()
	}
	return eq(count, 1000, "rows")
}

func execAndErrors(c *pgx.Conn) error {
	if _, err := c.Exec(ctx, "DROP TABLE IF EXISTS g_exec"); err != nil {
		return err
	}
	if _, err := c.Exec(ctx, "CREATE TABLE g_exec (id bigserial PRIMARY KEY, name text UNIQUE NOT NULL)"); err != nil {
		return err
	}
	for i := 0; i < 20; i++ {
		tag, err := c.Exec(ctx, "INSERT INTO g_exec (name) VALUES ($1)", fmt.Sprintf("n%02d", i))
		if err != nil {
			return err
		}
		if tag.String() != "INSERT 0 1" {
			return fmt.Errorf("tag %q", tag)
		}
	}
	tag, err := c.Exec(ctx, "UPDATE g_exec SET name = name || '!' WHERE id > $1", 15)
	if err != nil || tag.RowsAffected() != 5 {
		return fmt.Errorf("update: %v %v", tag, err)
	}
	var id int64
	if err := c.QueryRow(ctx, "INSERT INTO g_exec (name) VALUES ($1) RETURNING id", "last").Scan(&id); err != nil || id != 21 {
		return fmt.Errorf("returning: %d %v", id, err)
	}
	_, err = c.Exec(ctx, "INSERT INTO g_exec (name) VALUES ($1)", "n00")
	if sqlstate(err) != "23505" {
		return fmt.Errorf("unique violation: %v", err)
	}
	var pe *pgconn.PgError
	errors.As(err, &pe)
	if pe.Detail != "Key (name)=(n00) already exists." {
		return fmt.Errorf("detail %q", pe.Detail)
	}
	if err := c.QueryRow(ctx, "SELECT 1 FROM g_exec WHERE id = $1", 999).Scan(&id); err != pgx.ErrNoRows {
		return fmt.Errorf("no rows: %v", err)
	}
	for q, code := range map[string]string{"SELECT * FROM g_nope": "42P01", "SELECT 1/0": "22012", "SELEC": "42601",
		"SELECT 'x'::int": "22P02", "INSERT INTO g_exec (name) VALUES (NULL)": "23502"} {
		if _, err := c.Exec(ctx, q); sqlstate(err) != code {
			return fmt.Errorf("%s: %v", q, err)
		}
	}
	var one int
	return c.QueryRow(ctx, "SELECT 1").Scan(&one)
}

func batch(c *pgx.Conn) error {
	if _, err := c.Exec(ctx, "DROP TABLE IF EXISTS g_batch"); err != nil {
		return err
	}
	if _, err := c.Exec(ctx, "CREATE TABLE g_batch (id int PRIMARY KEY, v text)"); err != nil {
		return err
	}
	b := &pgx.Batch{}
	for i := 0; i < 100; i++ {
		b.Queue("INSERT INTO g_batch VALUES ($1, $2)", i, fmt.Sprintf("v%d", i))
	}
	b.Queue("SELECT count(*) FROM g_batch")
	b.Queue("SELECT v FROM g_batch WHERE id = $1", 42)
	br := c.SendBatch(ctx, b)
	for i := 0; i < 100; i++ {
		if _, err := br.Exec(); err != nil {
			br.Close()
			return fmt.Errorf("batch insert %d: %w", i, err)
		}
	}
	var n int64
	if err := br.QueryRow().Scan(&n); err != nil || n != 100 {
		br.Close()
		return fmt.Errorf("batch count: %d %v", n, err)
	}
	var v string
	if err := br.QueryRow().Scan(&v); err != nil || v != "v42" {
		br.Close()
		return fmt.Errorf("batch select: %q %v", v, err)
	}
	if err := br.Close(); err != nil {
		return err
	}
	// an error inside a batch: the batch runs in one implicit transaction, nothing stays
	b = &pgx.Batch{}
	b.Queue("INSERT INTO g_batch VALUES ($1, $2)", 500, "x")
	b.Queue("INSERT INTO g_batch VALUES ($1, $2)", 1, "dup")
	br = c.SendBatch(ctx, b)
	_, err1 := br.Exec()
	_, err2 := br.Exec()
	br.Close()
	if err1 != nil || sqlstate(err2) != "23505" {
		return fmt.Errorf("failing batch: %v / %v", err1, err2)
	}
	if err := c.QueryRow(ctx, "SELECT count(*) FROM g_batch").Scan(&n); err != nil {
		return err
	}
	return eq(n, int64(100), "rows after the failed batch")
}

func copyFrom(c *pgx.Conn) error {
	if _, err := c.Exec(ctx, "DROP TABLE IF EXISTS g_copy"); err != nil {
		return err
	}
	if _, err := c.Exec(ctx, "CREATE TABLE g_copy (id int8, name text, at timestamptz, score float8, ok bool)"); err != nil {
		return err
	}
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	rows := make([][]interface{}, 0, 5000)
	for i := 0; i < 5000; i++ {
		var name interface{} = fmt.Sprintf("name %d", i)
		if i%100 == 0 {
			name = nil
		}
		rows = append(rows, []interface{}{int64(i), name, base.Add(time.Duration(i) * time.Minute), float64(i) / 2, i%2 == 0})
	}
	n, err := c.CopyFrom(ctx, pgx.Identifier{"g_copy"}, []string{"id", "name", "at", "score", "ok"}, pgx.CopyFromRows(rows))
	if err != nil {
		if strings.Contains(err.Error(), "not supported") {
			return knownBug{"binary COPY FROM STDIN: " + err.Error()}
		}
		return fmt.Errorf("CopyFrom: %w", err)
	}
	if n != 5000 {
		return fmt.Errorf("CopyFrom count %d", n)
	}
	var cnt, nulls int64
	var sum float64
	var last time.Time
	if err := c.QueryRow(ctx, "SELECT count(*), count(*) - count(name), sum(score), max(at) FROM g_copy").Scan(&cnt, &nulls, &sum, &last); err != nil {
		return err
	}
	return eq([]interface{}{cnt, nulls, sum, last.Equal(base.Add(4999 * time.Minute))},
		[]interface{}{int64(5000), int64(50), 6248750.0, true}, "copied rows")
}

func transactions(c *pgx.Conn) error {
	if _, err := c.Exec(ctx, "DROP TABLE IF EXISTS g_tx"); err != nil {
		return err
	}
	if _, err := c.Exec(ctx, "CREATE TABLE g_tx (id int PRIMARY KEY)"); err != nil {
		return err
	}
	tx, err := c.Begin(ctx)
	if err != nil {
		return err
	}
	tx.Exec(ctx, "INSERT INTO g_tx VALUES (1)")
	nested, err := tx.Begin(ctx) // a savepoint
	if err != nil {
		return err
	}
	nested.Exec(ctx, "INSERT INTO g_tx VALUES (2)")
	if err := nested.Rollback(ctx); err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return err
	}
	tx, _ = c.Begin(ctx)
	tx.Exec(ctx, "INSERT INTO g_tx VALUES (3)")
	tx.Rollback(ctx)
	var ids []int32
	if err := c.QueryRow(ctx, "SELECT array_agg(id ORDER BY id) FROM g_tx").Scan(&ids); err != nil {
		return err
	}
	if err := eq(ids, []int32{1}, "after savepoint rollback and rollback"); err != nil {
		return err
	}
	tx, err = c.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.Serializable, AccessMode: pgx.ReadOnly})
	if err != nil {
		return err
	}
	var iso, ro string
	if err := tx.QueryRow(ctx, "SHOW transaction_isolation").Scan(&iso); err != nil {
		return err
	}
	if err := tx.QueryRow(ctx, "SHOW transaction_read_only").Scan(&ro); err != nil {
		return err
	}
	_, werr := tx.Exec(ctx, "INSERT INTO g_tx VALUES (4)")
	tx.Rollback(ctx)
	if err := eq([]string{iso, ro, sqlstate(werr)}, []string{"serializable", "on", "25006"}, "serializable read only"); err != nil {
		return err
	}
	// the error aborts the transaction; the connection is usable afterwards
	tx, _ = c.Begin(ctx)
	_, err = tx.Exec(ctx, "INSERT INTO g_tx VALUES (1)")
	_, err2 := tx.Exec(ctx, "SELECT 1")
	tx.Rollback(ctx)
	if err := eq([]string{sqlstate(err), sqlstate(err2)}, []string{"23505", "25P02"}, "aborted transaction"); err != nil {
		return err
	}
	var tz string
	if err := c.QueryRow(ctx, "SELECT current_setting('TimeZone')").Scan(&tz); err != nil {
		if sqlstate(err) == "42883" {
			return knownBug{"current_setting(text) does not exist: " + err.Error()}
		}
		return err
	}
	return eq(tz, "UTC", "current_setting")
}

func main() {
	cases := []struct {
		name string
		fn   func(*pgx.Conn) error
	}{
		{"types_binary_roundtrip", typesRoundtrip},
		{"exec_queryrow_errors", execAndErrors},
		{"batch", batch},
		{"copy_from", copyFrom},
		{"transactions", transactions},
	}
	passed, failed, skipped := 0, 0, 0
	for _, tc := range cases {
		name := "pgx." + tc.name
		c, err := connect()
		if err == nil {
			err = tc.fn(c)
			c.Close(ctx)
		}
		var kb knownBug
		switch {
		case err == nil:
			fmt.Println("PASS " + name)
			passed++
		case errors.As(err, &kb):
			fmt.Printf("SKIP %s: known bug: %s\n", name, kb.what)
			skipped++
		default:
			fmt.Printf("FAIL %s: %v\n", name, err)
			failed++
		}
	}
	fmt.Printf("pgx: %d passed, %d failed, %d skipped\n", passed, failed, skipped)
	if failed > 0 {
		os.Exit(1)
	}
}
