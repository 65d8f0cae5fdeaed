/**
 * Doctors' working-time rules and clinic holidays.
 */
import { DoctorRules, Holiday } from "@clinicore/core/Schedule"
import { StaffStatus } from "@clinicore/core/StaffAccount"
import type * as Storage from "@clinicore/core/Storage"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import type { Context } from "./context.js"
import { DoctorRow } from "./doctors.js"
import { all, first, Json, orDie, type Row, unique } from "./rows.js"

const Rules = Json(DoctorRules)
const firstRules = first(Schema.Struct({ rules: Rules }))

/** A row of the facts query: the doctor's columns, its account's status and its rules (both null when missing). */
const Facts = Schema.Struct({
  doctor: DoctorRow,
  accountStatus: Schema.NullOr(StaffStatus),
  rules: Schema.OptionFromNullOr(Rules)
})
const allFacts = all(Facts)
const factsParts = (r: Row) => ({ doctor: r, accountStatus: r.account_status, rules: r.rules })

const allHolidays = all(Holiday)

const rulesText = (rules: DoctorRules): string => JSON.stringify(Schema.encodeSync(DoctorRules)(rules))

/** @internal */
export const make = ({ dialect, sql }: Context): Storage.ScheduleRepository => ({
  rules: (clinicId, doctorId) =>
    orDie(sql`SELECT rules FROM doctor_schedules WHERE clinic_id = ${clinicId} AND doctor_id = ${doctorId}`).pipe(
      Effect.map((rows) => Option.map(firstRules(rows), (r) => r.rules))
    ),
  facts: (clinicId, doctorIds) =>
    doctorIds.length === 0 ? Effect.succeed([]) : orDie(sql`SELECT d.*, s.status AS account_status, ds.rules AS rules
        FROM doctors d
        LEFT JOIN staff s ON s.clinic_id = d.clinic_id AND s.id = d.staff_id
        LEFT JOIN doctor_schedules ds ON ds.clinic_id = d.clinic_id AND ds.doctor_id = d.id
        WHERE d.clinic_id = ${clinicId} AND d.id IN ${sql.in(unique(doctorIds))}`).pipe(
      Effect.map((rows) => allFacts(rows.map(factsParts)))
    ),
  setRules: (clinicId, doctorId, rules, at) =>
    Effect.suspend(() =>
      orDie(Effect.zipRight(
        sql`INSERT INTO doctor_schedules (clinic_id, doctor_id, rules, updated_at)
            VALUES (${clinicId}, ${doctorId}, ${rulesText(rules)}, ${dialect.instant(at)})
            ON CONFLICT (clinic_id, doctor_id) DO UPDATE SET rules = excluded.rules, updated_at = excluded.updated_at`,
        sql`UPDATE doctors SET version = version + 1 WHERE clinic_id = ${clinicId} AND id = ${doctorId}`
      ))
    ).pipe(Effect.asVoid),
  holidays: (clinicId, from, to) =>
    orDie(sql`SELECT date, name FROM clinic_holidays
        WHERE clinic_id = ${clinicId} AND date >= ${from} AND date <= ${to} ORDER BY date`).pipe(Effect.map(allHolidays)),
  putHoliday: (clinicId, holiday) =>
    orDie(sql`INSERT INTO clinic_holidays (clinic_id, date, name) VALUES (${clinicId}, ${holiday.date}, ${holiday.name})
        ON CONFLICT (clinic_id, date) DO UPDATE SET name = excluded.name`).pipe(Effect.asVoid),
  deleteHoliday: (clinicId, date) =>
    orDie(sql`DELETE FROM clinic_holidays WHERE clinic_id = ${clinicId} AND date = ${date}`).pipe(Effect.asVoid)
})
