/**
 * Clinics: the tenants.
 */
import { Clinic, defaultSettings } from "@clinicore/core/Clinic"
import { Conflict } from "@clinicore/core/Errors"
import type * as Storage from "@clinicore/core/Storage"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import type { Context } from "./context.js"
import { Bool, first, Instant, Json, orDie, type Row } from "./rows.js"

/**
 * A clinic read back, every field decoded by the class's own field schemas but the time zone: it
 * was checked against the tz database when written, and checking it again would build an
 * `Intl.DateTimeFormat` (a tenth of a millisecond) on every operation's principal read.
 */
const StoredClinic = Schema.transform(
  Schema.Struct({ ...Clinic.fields, timeZone: Schema.String.pipe(Schema.brand("TimeZone")) }),
  Schema.typeSchema(Clinic),
  // The fields were decoded just before, by the class's own schemas.
  { strict: true, decode: (fields) => new Clinic(fields, { disableValidation: true }), encode: (clinic) => clinic }
)

/** A `clinics` row (`SELECT * FROM clinics`) as the clinic and its wrapped data key. */
export const ClinicRow = Schema.transform(
  Schema.Struct({
    id: Schema.String,
    slug: Schema.String,
    name: Schema.String,
    time_zone: Schema.String,
    currency: Schema.String,
    active: Bool,
    settings: Json(Schema.Object),
    data_key: Schema.String,
    created_at: Instant
  }),
  Schema.Struct({ clinic: StoredClinic, dataKey: Schema.String }),
  {
    strict: true,
    decode: (r) => ({
      clinic: {
        id: r.id,
        name: r.name,
        slug: r.slug,
        timeZone: r.time_zone,
        currency: r.currency,
        active: r.active,
        // Settings added after a clinic was created read as their defaults.
        settings: { ...defaultSettings, ...r.settings },
        createdAt: r.created_at
      },
      dataKey: r.data_key
    }),
    encode: ({ clinic: c, dataKey }) => ({
      id: c.id,
      slug: c.slug,
      name: c.name,
      time_zone: c.timeZone,
      currency: c.currency,
      active: c.active,
      settings: c.settings,
      data_key: dataKey,
      created_at: c.createdAt
    })
  }
)

/** Reads a clinic row; one that does not decode throws (a defect inside `Effect.map`). */
export const toClinicRow: (row: Row) => Storage.ClinicRow = Schema.decodeUnknownSync(ClinicRow)

const firstClinic = first(ClinicRow)

/** @internal */
export const make = ({ dialect, guard, sql }: Context): Storage.ClinicRepository => ({
  insert: ({ clinic: c, dataKey }) =>
    guard(
      sql`INSERT INTO clinics (id, slug, name, time_zone, currency, active, settings, data_key, created_at)
            VALUES (${c.id}, ${c.slug}, ${c.name}, ${c.timeZone}, ${c.currency}, ${dialect.bool(c.active)},
              ${JSON.stringify(c.settings)}, ${dataKey}, ${dialect.instant(c.createdAt)})`,
      { unique: () => new Conflict({ reason: { _tag: "duplicate_slug", slug: c.slug } }) }
    ),
  findById: (id) => orDie(sql`SELECT * FROM clinics WHERE id = ${id}`).pipe(Effect.map(firstClinic)),
  update: (c) =>
    orDie(sql`UPDATE clinics SET name = ${c.name}, time_zone = ${c.timeZone}, currency = ${c.currency},
          active = ${dialect.bool(c.active)}, settings = ${JSON.stringify(c.settings)} WHERE id = ${c.id}`).pipe(Effect.asVoid)
})
