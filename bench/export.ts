/**
 * `pnpm bench:export`: appointments exported to CSV per second through the library
 * (`Export.appointments`: permission check, the clinic's transaction under row-level security, one
 * cursor read 128 rows at a time, each chunk turned into RFC 4180 lines by `csv-stringify` with
 * every cell neutralised, an audit event) against Postgres' own `COPY (the same query) TO STDOUT
 * WITH (FORMAT csv, HEADER)` as the same runtime role in a transaction scoped the same way, read
 * through `pg-copy-streams`, in the same run and on the same rows. And the peak RSS of the process
 * that exports (`bench/export-host.ts`, bundled and run by plain Node as a host would run it),
 * which must stay below 150 MB however many rows are exported. One JSON line per case.
 *
 * Seeding is set-based SQL (`generate_series`) as the superuser: one clinic, one doctor, 1,000
 * patients, `BENCH_EXPORT_ROWS` appointments (default 1,000,000) in four statuses.
 */
import { Doctors } from "@clinicore/core/Doctors"
import * as Clinicore from "@clinicore/core/Clinicore"
import * as FieldCrypto from "@clinicore/core/FieldCrypto"
import { Storage } from "@clinicore/core/Storage"
import * as SqlClient from "@effect/sql/SqlClient"
import { ClinicorePg, Tenancy } from "@clinicore/sql-pg"
import * as Fixtures from "@clinicore/testing/Fixtures"
import * as Chunk from "effect/Chunk"
import * as Duration from "effect/Duration"
import * as Option from "effect/Option"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Stream from "effect/Stream"
import { execFile } from "node:child_process"
import { randomBytes } from "node:crypto"
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import pg from "pg"
import { build } from "tsup"
import { to as copyTo } from "pg-copy-streams"
import startPostgres from "../packages/sql-pg/test/globalSetup.js"
import { freshDatabase } from "../packages/sql-pg/test/utils/freshDatabase.js"

const ROWS = Number(process.env.BENCH_EXPORT_ROWS ?? 1_000_000)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2)
const RSS_LIMIT_MB = 150

const line = (o: Record<string, unknown>) => console.log(JSON.stringify(o))
const mb = (bytes: number) => Math.round(bytes / 1024 / 1024 * 10) / 10

/** The peak RSS seen while `effect` runs, sampled every 10 ms. */
const sampled = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    let peak = process.memoryUsage.rss()
    const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 10)
    const [duration, value] = yield* Effect.timed(effect).pipe(Effect.ensuring(Effect.sync(() => clearInterval(timer))))
    return { seconds: Duration.toMillis(duration) / 1000, value, peak: Math.max(peak, process.memoryUsage.rss()) }
  })

const withClient = async <A>(url: string, f: (client: pg.Client) => Promise<A>): Promise<A> => {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    return await f(client)
  } finally {
    await client.end()
  }
}

const seed = (adminUrl: string, clinicId: string, doctorId: string) =>
  withClient(adminUrl, async (client) => {
    await client.query(
      `INSERT INTO patients (clinic_id, id, full_name, phone, email, blocked, created_at)
       SELECT $1, gen_random_uuid(), 'Patient ' || i || ', "the" ' || CASE WHEN i % 7 = 0 THEN '=odd' ELSE 'even' END,
         '+1212555' || lpad(i::text, 4, '0'), 'p' || i || '@example.test', false, now()
       FROM generate_series(0, 999) AS i`,
      [clinicId]
    )
    await client.query(
      `WITH p AS (SELECT id, (row_number() OVER (ORDER BY id)) - 1 AS k FROM patients WHERE clinic_id = $1)
       INSERT INTO appointments (clinic_id, id, doctor_id, patient_id, start_at, end_at, busy_start, busy_end, status, notes,
         source, version, created_at, updated_at)
       SELECT $1, gen_random_uuid(), $2, p.id, s.start_at, s.start_at + interval '30 minutes', s.start_at,
         s.start_at + interval '30 minutes',
         (ARRAY['completed', 'cancelled', 'no_show', 'scheduled'])[g % 4 + 1],
         CASE WHEN g % 10 = 0 THEN 'follow-up, "fasting"' ELSE NULL END, 'staff', 1, now(), now()
       FROM generate_series(0, $3::int - 1) AS g
       CROSS JOIN LATERAL (SELECT timestamptz '2000-01-01 08:00Z' + g * interval '30 minutes' AS start_at) s
       JOIN p ON p.k = g % 1000`,
      [clinicId, doctorId, ROWS]
    )
    await client.query("ANALYZE patients")
    await client.query("ANALYZE appointments")
  })

/** The same rows and columns the library's export reads, in the same order. */
const copyQuery = (clinicId: string) =>
  `COPY (SELECT a.id, p.full_name, d.name, a.start_at, a.end_at, a.status, a.notes, a.patient_id, p.phone, a.doctor_id,
      a.service_id, a.cancel_reason, a.version - 1, a.created_at
    FROM appointments a
    JOIN patients p ON p.clinic_id = a.clinic_id AND p.id = a.patient_id
    JOIN doctors d ON d.clinic_id = a.clinic_id AND d.id = a.doctor_id
    WHERE a.clinic_id = '${clinicId}'
    ORDER BY a.start_at, a.id) TO STDOUT WITH (FORMAT csv, HEADER)`

const copy = (appUrl: string, clinicId: string, proof: string) =>
  Effect.promise(() =>
    withClient(appUrl, async (client) => {
      await client.query("BEGIN")
      // The tenant with its proof (`Tenancy`), as the library names it.
      await client.query("SELECT set_config('clinicore.clinic_id', $1, true), set_config('clinicore.clinic_id_proof', $2, true)", [
        clinicId,
        proof
      ])
      let bytes = 0
      let lines = 0
      await new Promise<void>((resolve, reject) => {
        const stream = client.query(copyTo(copyQuery(clinicId)))
        stream.on("data", (chunk: Buffer) => {
          bytes += chunk.length
          for (const byte of chunk) if (byte === 10) lines++
        })
        stream.on("end", () => resolve())
        stream.on("error", reject)
      })
      await client.query("COMMIT")
      return { bytes, lines }
    })
  )

/**
 * Bundles `bench/export-host.ts` (tsup, one CommonJS file) so the measured process is plain Node
 * running JavaScript, as a host in production would: no TypeScript loader in its memory.
 */
const bundleHost = Effect.promise(async () => {
  const outDir = mkdtempSync(join(tmpdir(), "clinicore-export-host-"))
  await build({
    entry: { "export-host": fileURLToPath(new URL("./export-host.ts", import.meta.url)) },
    outDir,
    format: ["cjs"],
    platform: "node",
    target: "node20",
    noExternal: [/.*/],
    external: ["pg-native"],
    splitting: false,
    sourcemap: false,
    dts: false,
    clean: false,
    silent: true,
    config: false,
    tsconfig: fileURLToPath(new URL("./tsconfig.json", import.meta.url)),
    esbuildOptions: (options) => {
      options.conditions = ["@clinicore/source"]
    }
  })
  return join(outDir, "export-host.cjs")
})

/**
 * The host's Node flags. Its heap is bounded as a production service's would be: unbounded, V8
 * defers collecting the export's garbage and the RSS drifts up with the row count although nothing
 * is retained (about 170 MB after a million rows; a 48 MB heap still completes, only slower).
 */
const hostNodeArgs = (process.env.BENCH_HOST_NODE_ARGS ?? "--max-old-space-size=96").split(" ").filter((a) => a !== "")

interface HostRun {
  readonly seconds: number
  readonly lines: number
  readonly bytes: number
  readonly maxRssBytes: number
}

const runHost = (file: string, env: Record<string, string>) =>
  Effect.promise(() =>
    new Promise<HostRun>((resolve, reject) =>
      execFile(process.execPath, [...hostNodeArgs, file], { env: { ...process.env, ...env }, maxBuffer: 1 << 20 }, (error, stdout, stderr) =>
        error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(JSON.parse(stdout.trim().split("\n").pop()!) as HostRun))
    )
  )

const main = Effect.gen(function*() {
  let adminUrl = process.env.TEST_DATABASE_URL ?? ""
  const stop = yield* Effect.promise(() => startPostgres({ provide: (_: string, url: string) => (adminUrl = url) } as never))
  const db = yield* Effect.promise(() => freshDatabase(adminUrl))
  const masterKey = randomBytes(32).toString("base64")
  const storage = ClinicorePg.layer({ url: Redacted.make(db.appUrl), ownerUrl: Redacted.make(db.ownerUrl), maxConnections: 2 })
  const services = Clinicore.layer.pipe(
    Layer.provideMerge(FieldCrypto.layer({ current: "k1", keys: { k1: Redacted.make(masterKey) } })),
    Layer.provideMerge(storage)
  )
  const host = yield* bundleHost
  yield* Effect.gen(function*() {
    const a = yield* Fixtures.clinic("ExportBench", { timeZone: "UTC" })
    const doctor = yield* Effect.flatMap(Doctors, (d) => d.create({ name: "Dr Bench", specialty: "GP" })).pipe(a.asAdmin)
    const seeded = yield* sampled(Effect.promise(() => seed(db.adminUrl, a.clinicId, doctor.id)))
    line({ name: "seed (information)", rows: ROWS, seconds: Number(seeded.seconds.toFixed(1)) })
    const hostEnv = {
      BENCH_MASTER_KEY: masterKey,
      BENCH_APP_URL: db.appUrl,
      BENCH_OWNER_URL: db.ownerUrl,
      BENCH_CLINIC_ID: a.clinicId,
      BENCH_STAFF_ID: a.admin.id
    }
    // Alternating rounds, each path's best kept: load on the shared machine shifts both alike.
    const libraryRuns: Array<HostRun> = []
    const copyRuns: Array<{ seconds: number; lines: number }> = []
    for (let round = 0; round < ROUNDS; round++) {
      const proof = (yield* Tenancy.Tenancy).proof("clinic_id", a.clinicId)
      const c = yield* sampled(copy(db.appUrl, a.clinicId, proof))
      copyRuns.push({ seconds: c.seconds, lines: c.value.lines })
      libraryRuns.push(yield* runHost(host, hostEnv))
    }
    const best = (runs: ReadonlyArray<{ seconds: number }>) => Math.min(...runs.map((r) => r.seconds))
    const libraryRate = ROWS / best(libraryRuns)
    const copyRate = ROWS / best(copyRuns)
    const peakRss = Math.max(...libraryRuns.map((r) => r.maxRssBytes))
    line({
      name: `postgres: Export.appointments to CSV vs COPY … TO STDOUT (FORMAT csv), ${ROWS} rows, one clinic`,
      value: Math.round(libraryRate),
      unit: "rows/s",
      baseline: Math.round(copyRate),
      baseline_name: "COPY (the same query) TO STDOUT WITH (FORMAT csv, HEADER) via pg-copy-streams, same role under RLS, same run",
      ratio: Number((libraryRate / copyRate).toFixed(3)),
      rows_written: libraryRuns[0]!.lines - 1,
      copy_rows_written: copyRuns[0]!.lines - 1,
      csv_bytes: libraryRuns[0]!.bytes,
      peak_rss_mb: mb(peakRss),
      host_node_args: hostNodeArgs.join(" "),
      rss_limit_mb: RSS_LIMIT_MB,
      rss_ok: peakRss < RSS_LIMIT_MB * 1024 * 1024
    })
    if (process.env.BENCH_EXPORT_PROBE !== undefined) {
      const storage = yield* Storage
      const raw = yield* SqlClient.SqlClient
      const probe = (name: string, stream: Stream.Stream<unknown, unknown>) =>
        Effect.flatMap(sampled(storage.transaction(a.clinicId)(Stream.runDrain(stream))), (r) =>
          Effect.sync(() => line({ name, rows_per_s: Math.round(ROWS / r.seconds) })))
      yield* probe("probe (information): sql.stream of the same query, no decoding", raw`SELECT a.*, p.full_name, d.name FROM appointments a
        JOIN patients p ON p.clinic_id = a.clinic_id AND p.id = a.patient_id
        JOIN doctors d ON d.clinic_id = a.clinic_id AND d.id = a.doctor_id
        WHERE a.clinic_id = ${a.clinicId} ORDER BY a.start_at, a.id`.stream)
      type Key = { start_at: Date; id: string }
      yield* probe("probe (information): keyset pages of 2000 rows instead of a cursor", Stream.paginateChunkEffect(undefined as Key | undefined, (after) =>
        Effect.map(raw<Key>`SELECT * FROM appointments WHERE clinic_id = ${a.clinicId} ${after === undefined ? raw`` : raw`AND (start_at, id) > (${after.start_at}, ${after.id})`} ORDER BY start_at, id LIMIT 2000`, (rows) =>
          [Chunk.unsafeFromArray(rows), rows.length < 2000 ? Option.none() : Option.some(rows[rows.length - 1]!)] as const)))
    }
  }).pipe(Effect.provide(services))
  yield* Effect.promise(() => db.drop())
  yield* Effect.promise(() => stop())
})

Effect.runPromise(main).catch((error) => {
  console.error(error)
  process.exit(1)
})
