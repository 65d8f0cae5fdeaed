/**
 * Reading rows the same way whichever driver returned them: the column codecs every row schema is
 * built from, and the helpers that decode query results with them. Postgres returns `Date` for
 * `timestamptz`, booleans, and `bigint` columns as strings; SQLite returns epoch-millisecond
 * integers, 0/1 and JSON as text (integers as `bigint` with safe integers on).
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"

// Each codec checks its input with one guard (no `Union`): they run for every column of every
// row. The guards and conversions are exported for the busy rows, which are checked whole.

/** What an instant column holds: a `Date` (Postgres) or epoch milliseconds (SQLite). */
export type InstantColumn = Date | number | bigint
export const isInstant = (u: unknown): u is InstantColumn =>
  u instanceof Date || typeof u === "number" || typeof u === "bigint"
export const millis = (v: InstantColumn): number => (v instanceof Date ? v.getTime() : Number(v))

/** What a boolean column holds: `true`/`false` (Postgres) or `1`/`0` (SQLite). */
export type BoolColumn = boolean | 0 | 1 | 0n | 1n
export const isBool = (u: unknown): u is BoolColumn =>
  typeof u === "boolean" || u === 0 || u === 1 || u === 0n || u === 1n
export const truth = (v: BoolColumn): boolean => v === true || v === 1 || v === 1n

/** What a whole-number column holds: a number, a `bigint`, or Postgres' text of a `bigint` (`count(*)`, `seq`). */
export type IntegerColumn = number | bigint | string
export const isInteger = (u: unknown): u is IntegerColumn =>
  (typeof u === "number" && Number.isSafeInteger(u)) || typeof u === "bigint" ||
  (typeof u === "string" && /^-?\d+$/.test(u))

/** An instant in epoch milliseconds. */
export const Instant: Schema.Schema<number, InstantColumn> = Schema.transform(
  Schema.declare(isInstant, { identifier: "InstantColumn" }),
  Schema.Number,
  { strict: true, decode: millis, encode: (ms) => ms }
)

/** A boolean. */
export const Bool: Schema.Schema<boolean, BoolColumn> = Schema.transform(
  Schema.declare(isBool, { identifier: "BoolColumn" }),
  Schema.Boolean,
  { strict: true, decode: truth, encode: (b) => b }
)

/** A whole number. */
export const Integer: Schema.Schema<number, IntegerColumn> = Schema.transform(
  Schema.declare(isInteger, { identifier: "IntegerColumn" }),
  Schema.Number,
  { strict: true, decode: Number, encode: (n) => n }
)

const JsonValue = Schema.transformOrFail(Schema.Unknown, Schema.Unknown, {
  strict: true,
  decode: (v, _, ast) =>
    typeof v !== "string" ? ParseResult.succeed(v) : ParseResult.try({
      try: () => JSON.parse(v) as unknown,
      catch: () => new ParseResult.Type(ast, v, "not JSON text")
    }),
  encode: ParseResult.succeed
})

/** A JSON column read as `schema`: an object (Postgres `jsonb`) or its text (SQLite). */
export const Json = <A, I, R>(schema: Schema.Schema<A, I, R>): Schema.Schema<A, unknown, R> =>
  Schema.compose(JsonValue, schema, { strict: false })

/** A nullable text column. */
export const NullableText = Schema.NullOr(Schema.String)

/** One row a query may return, as the driver gives it. */
export type Row = { readonly [column: string]: unknown }

/**
 * Decodes every row with `schema` (compiled once). A row that does not decode is a defect: call it
 * inside `Effect.map`, where what it throws becomes one.
 */
export const all = <A, I>(schema: Schema.Schema<A, I>): (rows: ReadonlyArray<Row>) => ReadonlyArray<A> =>
  Schema.decodeUnknownSync(Schema.Array(schema))

/** The first row decoded with `schema`, if there is one (a defect when it does not decode, as `all`). */
export const first = <A, I>(schema: Schema.Schema<A, I>): (rows: ReadonlyArray<Row>) => Option.Option<A> => {
  const decode = Schema.decodeUnknownSync(schema)
  return (rows) => (rows.length === 0 ? Option.none() : Option.some(decode(rows[0])))
}

/** The one row a query always returns (an aggregate), decoded with `schema` (a defect otherwise, as `all`). */
export const one = <A, I>(schema: Schema.Schema<A, I>): (rows: ReadonlyArray<Row>) => A => {
  const decode = Schema.decodeUnknownSync(schema)
  return (rows) => decode(rows[0])
}

/** Only the kinds with a count above zero, from one row of `count(*)` columns (for `Dependents`). */
const counts = one(Schema.Record({ key: Schema.String, value: Integer }))
export const nonZero = (rows: ReadonlyArray<Row>): Readonly<Record<string, number>> =>
  Object.fromEntries(Object.entries(counts(rows)).filter(([, n]) => n > 0))

export const unique = <A>(values: ReadonlyArray<A>): ReadonlyArray<A> => [...new Set(values)]

/** Groups `(owner, value)` rows into a map from owner to its values, in row order. */
export const group = (rows: ReadonlyArray<Row>, owner: string, value: string) => {
  const out = new Map<string, Array<string>>()
  for (const r of rows) {
    const key = String(r[owner])
    const list = out.get(key)
    if (list === undefined) out.set(key, [String(r[value])])
    else list.push(String(r[value]))
  }
  return out
}

/** Effects of one statement whose failure has no domain meaning: a defect. */
export const orDie = <A, E>(effect: Effect.Effect<A, E>): Effect.Effect<A> => Effect.orDie(effect)

/*
 * Column readers for repositories that map their rows by hand (billing, reminders): the same
 * guards as the codecs above; a value that is not what the column holds is a defect.
 */
const defect = (what: string, v: unknown): never => {
  throw new Error(`not ${what}: ${String(v)}`)
}
/** An instant column, in epoch milliseconds. */
export const ms = (v: unknown): number => (isInstant(v) ? millis(v) : defect("an instant", v))
/** A boolean column. */
export const bool = (v: unknown): boolean => (isBool(v) ? truth(v) : defect("a boolean", v))
/** A JSON column: text (SQLite) or already parsed (Postgres). */
export const json = (v: unknown): unknown => (typeof v === "string" ? JSON.parse(v) : v)
/** A nullable text column. */
export const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v))

