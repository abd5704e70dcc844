// tests/clients/node/test_pg.js -- node-postgres (`pg` from npm, version pinned in
// package-lock.json) against a running server, as a Node application uses it: parameterised
// queries (always the extended protocol: Parse/Bind/Execute with text parameters), named
// prepared statements reused across calls, the default type parsers (int8 and numeric as
// strings, dates as Date, json/jsonb parsed, arrays parsed), a Pool of several clients working
// concurrently, transactions and error SQLSTATEs. Prints PASS/FAIL/SKIP lines and exits 1 on a
// failure. Connection: SHALE_CLIENT_HOST/PORT/USER/DB.
'use strict';
const assert = require('assert');
const { Client, Pool, types } = require('pg');

const conn = {
  host: process.env.SHALE_CLIENT_HOST,
  port: Number(process.env.SHALE_CLIENT_PORT),
  user: process.env.SHALE_CLIENT_USER,
  database: process.env.SHALE_CLIENT_DB,
};

const cases = [];
function test(name, fn) { cases.push({ name, fn }); }
class KnownBug extends Error {}
function knownBug(cond, what) { if (!cond) throw new KnownBug(what); }

async function withClient(fn) {
  const c = new Client(conn);
  await c.connect();
  try {
    await c.query("SET TIME ZONE 'UTC'");
    return await fn(c);
  } finally {
    await c.end();
  }
}

async function expectError(promise, code, what) {
  try {
    await promise;
  } catch (e) {
    assert.strictEqual(e.code, code, `${what}: SQLSTATE ${e.code} (${e.message})`);
    return e;
  }
  assert.fail(`${what}: no error`);
}

test('connect_and_parameters', () => withClient(async (c) => {
  const r = await c.query('SELECT current_database() AS db, current_user AS u, version() AS v');
  assert.strictEqual(r.rows[0].db, conn.database);
  assert.ok(r.rows[0].v.includes('PostgreSQL'));
  assert.strictEqual(r.rowCount, 1);
  assert.strictEqual(r.command, 'SELECT');
  // server parameters pg reads at startup
  assert.strictEqual(c.connectionParameters.database, conn.database);
}));

test('parameterised_queries_and_type_parsing', () => withClient(async (c) => {
  await c.query('DROP TABLE IF EXISTS n_types');
  await c.query(`CREATE TABLE n_types (id serial PRIMARY KEY, i2 int2, i4 int4, i8 int8, f4 float4,
    f8 float8, n numeric(20,5), b bool, t text, vc varchar(10), by bytea, d date, ts timestamp,
    tz timestamptz, iv interval, u uuid, j json, jb jsonb, ai int4[], at text[], a8 int8[])`);
  const vals = [7, -2147483648, '9223372036854775807', 0.5, 1.25e100, '123456789012345.12345', true,
    'O\'Reilly "q" \\ é', 'short', Buffer.from([0, 1, 2, 255]), '2024-02-29',
    '2001-02-03 04:05:06.789', new Date(Date.UTC(2020, 0, 2, 3, 4, 5, 678)), '1 day 02:03:04',
    'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', { a: [1, 2, null] }, JSON.stringify({ k: 'v' }),
    [1, 2, 3], ['a', 'b c', 'd"e', null], ['1', '-9223372036854775808']];
  const ph = vals.map((_, i) => '$' + (i + 1)).join(', ');
  const ins = await c.query(`INSERT INTO n_types (i2, i4, i8, f4, f8, n, b, t, vc, by, d, ts, tz, iv, u, j, jb, ai, at, a8)
    VALUES (${ph}) RETURNING id`, vals);
  assert.strictEqual(ins.rowCount, 1);
  assert.strictEqual(ins.command, 'INSERT');
  const id = ins.rows[0].id;
  assert.strictEqual(id, 1);
  const r = await c.query('SELECT * FROM n_types WHERE id = $1', [id]);
  const row = r.rows[0];
  assert.strictEqual(row.i2, 7);
  assert.strictEqual(row.i4, -2147483648);
  assert.strictEqual(row.i8, '9223372036854775807', 'int8 is a string');
  assert.strictEqual(row.f4, 0.5);
  assert.strictEqual(row.f8, 1.25e100);
  assert.strictEqual(row.n, '123456789012345.12345', 'numeric is a string');
  assert.strictEqual(row.b, true);
  assert.strictEqual(row.t, vals[7]);
  assert.strictEqual(row.vc, 'short');
  assert.deepStrictEqual(row.by, Buffer.from([0, 1, 2, 255]));
  // date and timestamp (without zone) parse as local-time Dates; TZ=UTC in the check script
  assert.strictEqual(row.d.getFullYear(), 2024);
  assert.strictEqual(row.d.getMonth(), 1);
  assert.strictEqual(row.d.getDate(), 29);
  assert.strictEqual(row.ts.getMilliseconds(), 789);
  assert.strictEqual(row.tz.toISOString(), '2020-01-02T03:04:05.678Z');
  assert.deepStrictEqual({ ...row.iv }, { days: 1, hours: 2, minutes: 3, seconds: 4 });
  assert.strictEqual(row.u, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11');
  assert.deepStrictEqual(row.j, { a: [1, 2, null] });
  assert.deepStrictEqual(row.jb, { k: 'v' });
  assert.deepStrictEqual(row.ai, [1, 2, 3]);
  assert.deepStrictEqual(row.at, ['a', 'b c', 'd"e', null]);
  assert.deepStrictEqual(row.a8, ['1', '-9223372036854775808']);
  // field metadata
  const f = Object.fromEntries(r.fields.map((x) => [x.name, x.dataTypeID]));
  assert.deepStrictEqual([f.i8, f.n, f.tz, f.jb, f.ai, f.by], [20, 1700, 1184, 3802, 1007, 17]);
  // NULL parameters and results
  const rn = await c.query('SELECT $1::int AS a, $2::text AS b, $3::date AS c', [null, undefined, null]);
  assert.deepStrictEqual(rn.rows[0], { a: null, b: null, c: null });
  // parameter types the server infers from the context
  const inf = await c.query('SELECT i4 + $1 AS s, t || $2 AS c, ai || $3 AS arr FROM n_types WHERE id = $4',
    [10, '!', [4], id]);
  assert.deepStrictEqual(inf.rows[0], { s: -2147483638, c: vals[7] + '!', arr: [1, 2, 3, 4] });
  // rowMode array and a custom type parser (int8 -> BigInt), per query
  const ra = await c.query({
    text: 'SELECT $1::int8 AS x, 2 AS y', values: ['9007199254740993'], rowMode: 'array',
    types: { getTypeParser: (oid, fmt) => (oid === 20 ? BigInt : types.getTypeParser(oid, fmt)) },
  });
  assert.deepStrictEqual(ra.rows[0], [9007199254740993n, 2]);
}));

test('named_prepared_statements', () => withClient(async (c) => {
  await c.query('DROP TABLE IF EXISTS n_prep');
  await c.query('CREATE TABLE n_prep (k int PRIMARY KEY, v text)');
  const insert = { name: 'n_insert', text: 'INSERT INTO n_prep VALUES ($1, $2)' };
  for (let i = 0; i < 50; i++) {
    await c.query({ ...insert, values: [i, 'v' + i] });
  }
  const sel = { name: 'n_select', text: 'SELECT v FROM n_prep WHERE k = $1' };
  for (let i = 0; i < 50; i += 7) {
    const r = await c.query({ ...sel, values: [i] });
    assert.strictEqual(r.rows[0].v, 'v' + i);
  }
  // the statements live on the server: visible in pg_prepared_statements? (pg does not
  // require it) -- they must at least survive an error in between
  await expectError(c.query({ ...insert, values: [1, 'dup'] }), '23505', 'duplicate through a prepared statement');
  const r = await c.query({ ...sel, values: [1] });
  assert.strictEqual(r.rows[0].v, 'v1');
  const upd = await c.query({ name: 'n_upd', text: 'UPDATE n_prep SET v = $1 WHERE k < $2', values: ['x', 10] });
  assert.strictEqual(upd.rowCount, 10);
  assert.strictEqual(upd.command, 'UPDATE');
  const del = await c.query({ name: 'n_del', text: 'DELETE FROM n_prep WHERE k >= $1', values: [40] });
  assert.strictEqual(del.rowCount, 10);
}));

test('transactions_and_errors', () => withClient(async (c) => {
  await c.query('DROP TABLE IF EXISTS n_tx');
  await c.query('CREATE TABLE n_tx (id int PRIMARY KEY, note text NOT NULL)');
  await c.query('BEGIN');
  await c.query('INSERT INTO n_tx VALUES ($1, $2)', [1, 'a']);
  await c.query('SAVEPOINT s');
  await expectError(c.query('INSERT INTO n_tx VALUES ($1, $2)', [1, 'b']), '23505', 'unique');
  await expectError(c.query('SELECT 1'), '25P02', 'aborted transaction');
  await c.query('ROLLBACK TO SAVEPOINT s');
  await c.query('INSERT INTO n_tx VALUES ($1, $2)', [2, 'c']);
  await c.query('COMMIT');
  const r = await c.query('SELECT array_agg(id ORDER BY id) AS ids FROM n_tx');
  assert.deepStrictEqual(r.rows[0].ids, [1, 2]);
  const e = await expectError(c.query('INSERT INTO n_tx VALUES ($1, $2)', [3, null]), '23502', 'not null');
  assert.strictEqual(e.severity, 'ERROR');
  await expectError(c.query('SELECT * FROM n_nope'), '42P01', 'undefined table');
  await expectError(c.query('SELECT $1::int', ['abc']), '22P02', 'bad int parameter');
  await expectError(c.query('SELECT 1/$1', [0]), '22012', 'division by zero');
  await expectError(c.query('SELEC 1'), '42601', 'syntax error');
  const pe = await expectError(c.query('SELECT nope FROM n_tx'), '42703', 'undefined column');
  assert.strictEqual(pe.position, '8');
  // several statements in one simple query (no parameters)
  const multi = await c.query('SELECT 1 AS a; SELECT 2 AS b');
  assert.deepStrictEqual(multi.map((x) => x.rows[0]), [{ a: 1 }, { b: 2 }]);
}));

test('pool_with_several_clients', async () => {
  const pool = new Pool({ ...conn, max: 4 });
  try {
    await pool.query('DROP TABLE IF EXISTS n_pool');
    await pool.query('CREATE TABLE n_pool (id int PRIMARY KEY, worker int, n int8)');
    // 4 workers, each in its own transaction on its own pooled client, interleaved
    await Promise.all([0, 1, 2, 3].map(async (w) => {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        for (let i = 0; i < 25; i++) {
          await client.query('INSERT INTO n_pool VALUES ($1, $2, $3)', [w * 100 + i, w, i]);
        }
        await client.query('COMMIT');
      } finally {
        client.release();
      }
    }));
    // many concurrent one-shot queries through the pool
    const rs = await Promise.all(Array.from({ length: 40 }, (_, i) =>
      pool.query('SELECT count(*) AS c, sum(n) AS s FROM n_pool WHERE worker = $1', [i % 4])));
    for (const r of rs) assert.deepStrictEqual(r.rows[0], { c: '25', s: '300' });
    assert.ok(pool.totalCount <= 4 && pool.totalCount >= 2, `pool size ${pool.totalCount}`);
    const r = await pool.query('SELECT count(DISTINCT worker) AS w, count(*) AS n FROM n_pool');
    assert.deepStrictEqual(r.rows[0], { w: '4', n: '100' });
  } finally {
    await pool.end();
  }
});

test('large_result_and_notices', () => withClient(async (c) => {
  const notices = [];
  c.on('notice', (n) => notices.push(n.message));
  const r = await c.query('SELECT g, repeat(\'x\', 100) AS pad FROM generate_series(1, 20000) g');
  assert.strictEqual(r.rowCount, 20000);
  assert.strictEqual(r.rows[19999].g, 20000);
  await c.query('DROP TABLE IF EXISTS n_never_existed');
  assert.ok(notices.some((m) => m.includes('does not exist, skipping')), `notices: ${notices}`);
}));

(async () => {
  let passed = 0, failed = 0, skipped = 0;
  for (const { name, fn } of cases) {
    try {
      await fn();
      console.log(`PASS node-pg.${name}`);
      passed++;
    } catch (e) {
      if (e instanceof KnownBug) {
        console.log(`SKIP node-pg.${name}: known bug: ${e.message}`);
        skipped++;
      } else {
        console.log(`FAIL node-pg.${name}: ${e.stack.split('\n').join('\n    ')}`);
        failed++;
      }
    }
  }
  console.log(`node-pg: ${passed} passed, ${failed} failed, ${skipped} skipped`);
  process.exit(failed ? 1 : 0);
})();
