/**
 * The storage repositories, written once over `@effect/sql` for both adapters. Every query names
 * `clinic_id`; the Postgres adapter adds row-level security underneath.
 *
 * @since 0.1.0
 */
import { AuditEvent, genesis } from "@clinicore/core/AuditEvent"
import { Clinic, defaultSettings } from "@clinicore/core/Clinic"
import { Doctor } from "@clinicore/core/Doctor"
import { Conflict } from "@clinicore/core/Errors"
import type { ClinicId, DoctorId, PatientId, StaffId } from "@clinicore/core/Ids"
import { StaffAccount } from "@clinicore/core/StaffAccount"
import type * as Storage from "@clinicore/core/Storage"
import * as SqlClient from "@effect/sql/SqlClient"
import type { SqlError } from "@effect/sql/SqlError"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type { Dialect } from "./Dialect.js"
import { crossClinic, makeGuard } from "./internal/guard.js"
import { bool, json, ms, nonZero, type Row, str } from "./internal/rows.js"
import * as Scheduling from "./internal/scheduling.js"

/** @since 0.1.0 @category models */
export type Repositories = Omit<Storage.Storage, "transaction" | "clinicBySlug">

const toClinic = (r: Row) =>
  new Clinic({
    id: r.id as ClinicId,
    name: r.name as string,
    slug: r.slug as string,
    timeZone: r.time_zone as Clinic["timeZone"],
    currency: r.currency as Clinic["currency"],
    active: bool(r.active),
    // Settings added after a clinic was created read as their defaults.
    settings: { ...defaultSettings, ...(json(r.settings) as object) } as Clinic["settings"],
    createdAt: ms(r.created_at)
  }, { disableValidation: true })

const toStaff = (r: Row) =>
  new StaffAccount({
    id: r.id as StaffId,
    clinicId: r.clinic_id as ClinicId,
    name: r.name as string,
    email: r.email as string,
    role: r.role as StaffAccount["role"],
    status: r.status as StaffAccount["status"],
    createdAt: ms(r.created_at)
  }, { disableValidation: true })

const toDoctor = (r: Row) =>
  new Doctor({
    id: r.id as DoctorId,
    clinicId: r.clinic_id as ClinicId,
    name: r.name as string,
    specialty: r.specialty as string,
    staffId: Option.fromNullable(r.staff_id as StaffId | null),
    active: bool(r.active),
    createdAt: ms(r.created_at),
    version: Number(r.version)
  }, { disableValidation: true })

const toPatient = (r: Row): Storage.PatientRow => ({
  id: r.id as PatientId,
  clinicId: r.clinic_id as ClinicId,
  fullName: r.full_name as string,
  phone: r.phone as string,
  email: str(r.email),
  dateOfBirth: str(r.date_of_birth),
  nationalIdCipher: str(r.national_id_cipher),
  nationalIdIndex: str(r.national_id_index),
  blocked: bool(r.blocked),
  blockedReason: str(r.blocked_reason),
  primaryDoctorId: (r.primary_doctor_id ?? null) as DoctorId | null,
  createdAt: ms(r.created_at)
})

const toAuditEvent = (r: Row) =>
  new AuditEvent({
    clinicId: r.clinic_id as ClinicId,
    seq: Number(r.seq),
    at: ms(r.at),
    actorType: r.actor_type as AuditEvent["actorType"],
    actorId: str(r.actor_id),
    role: str(r.role),
    action: r.action as string,
    permissionKey: str(r.permission_key),
    entityType: str(r.entity_type),
    entityId: str(r.entity_id),
    outcome: r.outcome as AuditEvent["outcome"],
    reason: str(r.reason),
    prevHash: r.prev_hash as string,
    hash: r.hash as string
  }, { disableValidation: true })

/** Reads a clinic row (`SELECT * FROM clinics`). @since 0.1.0 @category rows */
export const toClinicRow = (r: Row): Storage.ClinicRow => ({ clinic: toClinic(r), dataKey: r.data_key as string })

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`)


/** @since 0.1.0 @category constructors */
export const make = (dialect: Dialect): Effect.Effect<Repositories, never, SqlClient.SqlClient> =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient

    const guard = makeGuard(dialect)

    /**
     * Runs a statement in a savepoint, so that after its failure the enclosing transaction can
     * still run the follow-up query (Postgres aborts the whole transaction otherwise).
     */
    const recoverable = <A>(statement: Effect.Effect<A, SqlError>) => sql.withTransaction(statement)
    const orDie = <A>(effect: Effect.Effect<A, SqlError>) => Effect.orDie(effect)
    const first = <A>(rows: ReadonlyArray<Row>, f: (r: Row) => A) => Option.map(Option.fromNullable(rows[0]), f)
    const hasDependents = (counts: Effect.Effect<Storage.Dependents>) =>
      Effect.map(counts, (c) => new Conflict({ reason: { _tag: "has_dependents", counts: c } }))

    const staffDependents = (clinicId: ClinicId, id: StaffId) =>
      orDie(sql`SELECT
        (SELECT count(*) FROM doctors WHERE clinic_id = ${clinicId} AND staff_id = ${id}) AS doctors,
        (SELECT count(*) FROM appointments WHERE clinic_id = ${clinicId} AND created_by = ${id}) AS appointments`)
        .pipe(Effect.map((rows) => nonZero(rows[0]!)))

    const doctorDependents = (clinicId: ClinicId, id: DoctorId) =>
      orDie(sql`SELECT
        (SELECT count(*) FROM appointments WHERE clinic_id = ${clinicId} AND doctor_id = ${id}) AS appointments,
        (SELECT count(*) FROM patients WHERE clinic_id = ${clinicId} AND primary_doctor_id = ${id}) AS patients,
        (SELECT count(*) FROM service_doctors WHERE clinic_id = ${clinicId} AND doctor_id = ${id}) AS services`)
        .pipe(Effect.map((rows) => nonZero(rows[0]!)))

    const patientDependents = (clinicId: ClinicId, id: PatientId) =>
      orDie(sql`SELECT
        (SELECT count(*) FROM appointments WHERE clinic_id = ${clinicId} AND patient_id = ${id}) AS appointments`)
        .pipe(Effect.map((rows) => nonZero(rows[0]!)))

    const clinics: Storage.ClinicRepository = {
      insert: ({ clinic: c, dataKey }) =>
        guard(
          sql`INSERT INTO clinics (id, slug, name, time_zone, currency, active, settings, data_key, created_at)
            VALUES (${c.id}, ${c.slug}, ${c.name}, ${c.timeZone}, ${c.currency}, ${dialect.bool(c.active)},
              ${JSON.stringify(c.settings)}, ${dataKey}, ${dialect.instant(c.createdAt)})`,
          { unique: () => new Conflict({ reason: { _tag: "duplicate_slug", slug: c.slug } }) }
        ),
      findById: (id) =>
        orDie(sql`SELECT * FROM clinics WHERE id = ${id}`).pipe(
          Effect.map((rows) => first(rows, toClinicRow))
        ),
      update: (c) =>
        orDie(sql`UPDATE clinics SET name = ${c.name}, time_zone = ${c.timeZone}, currency = ${c.currency},
          active = ${dialect.bool(c.active)}, settings = ${JSON.stringify(c.settings)} WHERE id = ${c.id}`).pipe(Effect.asVoid)
    }

    const duplicateEmail = (email: string) => () => new Conflict({ reason: { _tag: "duplicate_email", email } })

    const staff: Storage.StaffRepository = {
      insert: (a) =>
        guard(
          sql`INSERT INTO staff (clinic_id, id, name, email, role, status, created_at)
            VALUES (${a.clinicId}, ${a.id}, ${a.name}, ${a.email}, ${a.role}, ${a.status}, ${dialect.instant(a.createdAt)})`,
          { unique: duplicateEmail(a.email), foreignKey: () => crossClinic("clinicId") }
        ),
      findById: (clinicId, id) =>
        orDie(sql`SELECT * FROM staff WHERE clinic_id = ${clinicId} AND id = ${id}`).pipe(
          Effect.map((rows) => first(rows, toStaff))
        ),
      findByEmail: (clinicId, email) =>
        orDie(sql`SELECT * FROM staff WHERE clinic_id = ${clinicId} AND email = ${email}`).pipe(
          Effect.map((rows) => first(rows, toStaff))
        ),
      list: (clinicId, filter) =>
        orDie(sql`SELECT * FROM staff WHERE ${
          sql.and([
            sql`clinic_id = ${clinicId}`,
            ...(filter.status ? [sql`status = ${filter.status}`] : []),
            ...(filter.role ? [sql`role = ${filter.role}`] : [])
          ])
        } ORDER BY name, id`).pipe(Effect.map((rows) => rows.map(toStaff))),
      // A doctor linked to the account is bookable only while the account is active: its version
      // moves on with the account, so a booking decided before the change is not written after it.
      update: (a) =>
        guard(
          Effect.zipRight(
            sql`UPDATE staff SET name = ${a.name}, email = ${a.email}, role = ${a.role}, status = ${a.status}
              WHERE clinic_id = ${a.clinicId} AND id = ${a.id}`,
            sql`UPDATE doctors SET version = version + 1 WHERE clinic_id = ${a.clinicId} AND staff_id = ${a.id}`
          ),
          { unique: duplicateEmail(a.email) }
        ).pipe(Effect.asVoid),
      delete: (clinicId, id) =>
        guard(recoverable(sql`DELETE FROM staff WHERE clinic_id = ${clinicId} AND id = ${id}`), {
          foreignKey: () => hasDependents(staffDependents(clinicId, id))
        }).pipe(Effect.asVoid),
      dependents: staffDependents,
      credentials: (clinicId, email) =>
        orDie(sql`SELECT * FROM staff WHERE clinic_id = ${clinicId} AND email = ${email}`).pipe(
          Effect.map((rows) => first(rows, (r) => ({ account: toStaff(r), passwordHash: str(r.password_hash) })))
        ),
      setPasswordHash: (clinicId, id, hash) =>
        orDie(sql`UPDATE staff SET password_hash = ${hash} WHERE clinic_id = ${clinicId} AND id = ${id}`).pipe(Effect.asVoid)
    }

    const doctors: Storage.DoctorRepository = {
      insert: (d) =>
        guard(
          sql`INSERT INTO doctors (clinic_id, id, name, specialty, staff_id, active, created_at)
            VALUES (${d.clinicId}, ${d.id}, ${d.name}, ${d.specialty}, ${Option.getOrNull(d.staffId)},
              ${dialect.bool(d.active)}, ${dialect.instant(d.createdAt)})`,
          { foreignKey: () => crossClinic("staffId") }
        ),
      findById: (clinicId, id) =>
        orDie(sql`SELECT * FROM doctors WHERE clinic_id = ${clinicId} AND id = ${id}`).pipe(
          Effect.map((rows) => first(rows, toDoctor))
        ),
      list: (clinicId, filter) =>
        orDie(sql`SELECT * FROM doctors WHERE ${
          sql.and([
            sql`clinic_id = ${clinicId}`,
            ...(filter.active === undefined ? [] : [sql`active = ${dialect.bool(filter.active)}`])
          ])
        } ORDER BY name, id`).pipe(Effect.map((rows) => rows.map(toDoctor))),
      update: (d) =>
        guard(
          sql`UPDATE doctors SET name = ${d.name}, specialty = ${d.specialty}, staff_id = ${Option.getOrNull(d.staffId)},
            active = ${dialect.bool(d.active)}, version = version + 1 WHERE clinic_id = ${d.clinicId} AND id = ${d.id}`,
          { foreignKey: () => crossClinic("staffId") }
        ).pipe(Effect.asVoid),
      delete: (clinicId, id) =>
        guard(recoverable(sql`DELETE FROM doctors WHERE clinic_id = ${clinicId} AND id = ${id}`), {
          foreignKey: () => hasDependents(doctorDependents(clinicId, id))
        }).pipe(Effect.asVoid),
      dependents: doctorDependents
    }

    const patientConflicts = (p: Storage.PatientRow) => ({
      unique: (detail: string) =>
        detail.includes("phone")
          ? new Conflict({ reason: { _tag: "duplicate_phone", phone: p.phone } })
          : detail.includes("national_id")
          ? new Conflict({ reason: { _tag: "duplicate_national_id" } })
          : undefined,
      foreignKey: () => crossClinic("primaryDoctorId")
    })

    const patients: Storage.PatientRepository = {
      insert: (p) =>
        guard(
          sql`INSERT INTO patients (clinic_id, id, full_name, phone, email, date_of_birth, national_id_cipher,
              national_id_index, blocked, blocked_reason, primary_doctor_id, created_at)
            VALUES (${p.clinicId}, ${p.id}, ${p.fullName}, ${p.phone}, ${p.email}, ${p.dateOfBirth},
              ${p.nationalIdCipher}, ${p.nationalIdIndex}, ${dialect.bool(p.blocked)}, ${p.blockedReason},
              ${p.primaryDoctorId}, ${dialect.instant(p.createdAt)})`,
          patientConflicts(p)
        ),
      findById: (clinicId, id) =>
        orDie(sql`SELECT * FROM patients WHERE clinic_id = ${clinicId} AND id = ${id}`).pipe(
          Effect.map((rows) => first(rows, toPatient))
        ),
      findByPhone: (clinicId, phone) =>
        orDie(sql`SELECT * FROM patients WHERE clinic_id = ${clinicId} AND phone = ${phone}`).pipe(
          Effect.map((rows) => first(rows, toPatient))
        ),
      findByNationalIdIndex: (clinicId, index) =>
        orDie(sql`SELECT * FROM patients WHERE clinic_id = ${clinicId} AND national_id_index = ${index}`).pipe(
          Effect.map((rows) => rows.map(toPatient))
        ),
      search: (clinicId, { limit, offset, text }) => {
        const needle = text?.trim().toLowerCase() ?? ""
        const digits = needle.replace(/\D/g, "")
        const match = needle === ""
          ? []
          : [sql`(lower(full_name) LIKE ${`%${escapeLike(needle)}%`} ESCAPE '\\'${
            digits.length >= 3 ? sql` OR phone LIKE ${`%${digits}%`}` : sql``
          })`]
        return orDie(sql`SELECT * FROM patients WHERE ${sql.and([sql`clinic_id = ${clinicId}`, ...match])}
          ORDER BY created_at DESC, id LIMIT ${limit} OFFSET ${offset}`).pipe(Effect.map((rows) => rows.map(toPatient)))
      },
      update: (p) =>
        guard(
          sql`UPDATE patients SET full_name = ${p.fullName}, phone = ${p.phone}, email = ${p.email},
            date_of_birth = ${p.dateOfBirth}, national_id_cipher = ${p.nationalIdCipher},
            national_id_index = ${p.nationalIdIndex}, blocked = ${dialect.bool(p.blocked)},
            blocked_reason = ${p.blockedReason}, primary_doctor_id = ${p.primaryDoctorId}
            WHERE clinic_id = ${p.clinicId} AND id = ${p.id}`,
          patientConflicts(p)
        ).pipe(Effect.asVoid),
      delete: (clinicId, id) =>
        guard(recoverable(sql`DELETE FROM patients WHERE clinic_id = ${clinicId} AND id = ${id}`), {
          foreignKey: () => hasDependents(patientDependents(clinicId, id))
        }).pipe(Effect.asVoid),
      dependents: patientDependents
    }

    const permissionRows = (clinicId: ClinicId, rows: ReadonlyArray<Storage.PermissionRow>, at: number) =>
      rows.map((r) => ({
        clinic_id: clinicId,
        role: r.role,
        permission_key: r.key,
        granted: dialect.bool(r.granted),
        updated_at: dialect.instant(at)
      }))

    const access: Storage.AccessRepository = {
      principal: (clinicId, staffId, key) =>
        orDie(sql`SELECT c.*, s.id AS s_id, s.name AS s_name, s.email AS s_email, s.role AS s_role,
            s.status AS s_status, s.created_at AS s_created_at, rp.granted AS rp_granted
          FROM clinics c
          LEFT JOIN staff s ON s.clinic_id = c.id AND s.id = ${staffId}
          LEFT JOIN role_permissions rp ON rp.clinic_id = c.id AND rp.role = s.role AND rp.permission_key = ${key}
          WHERE c.id = ${clinicId}`).pipe(
          Effect.map((rows) =>
            first(rows, (r) => ({
              clinic: toClinicRow(r),
              account: r.s_id == null ? Option.none() : Option.some(toStaff({
                id: r.s_id,
                clinic_id: r.id,
                name: r.s_name,
                email: r.s_email,
                role: r.s_role,
                status: r.s_status,
                created_at: r.s_created_at
              })),
              stored: r.rp_granted == null ? undefined : bool(r.rp_granted)
            }))
          )
        ),
      matrix: (clinicId) =>
        orDie(sql`SELECT role, permission_key, granted FROM role_permissions WHERE clinic_id = ${clinicId}`).pipe(
          Effect.map((rows) =>
            rows.map((r) => ({ role: r.role as Storage.PermissionRow["role"], key: r.permission_key as string, granted: bool(r.granted) }))
          )
        ),
      set: (clinicId, rows, at) =>
        rows.length === 0 ? Effect.void : orDie(sql`INSERT INTO role_permissions ${sql.insert(permissionRows(clinicId, rows, at))}
          ON CONFLICT (clinic_id, role, permission_key)
          DO UPDATE SET granted = excluded.granted, updated_at = excluded.updated_at`).pipe(Effect.asVoid),
      seed: (clinicId, rows, at) =>
        rows.length === 0 ? Effect.void : orDie(sql`INSERT INTO role_permissions ${sql.insert(permissionRows(clinicId, rows, at))}
          ON CONFLICT (clinic_id, role, permission_key) DO NOTHING`).pipe(Effect.asVoid)
    }

    const audit: Storage.AuditRepository = {
      init: (clinicId) =>
        orDie(sql`INSERT INTO audit_heads (clinic_id, seq, hash) VALUES (${clinicId}, 0, ${genesis})`).pipe(Effect.asVoid),
      head: (clinicId) =>
        orDie(sql`SELECT seq, hash FROM audit_heads WHERE clinic_id = ${clinicId} ${sql.literal(dialect.lockRow)}`).pipe(
          Effect.flatMap((rows) =>
            rows[0] === undefined
              // A clinic without a head would get an event outside any chain.
              ? Effect.dieMessage(`clinic ${clinicId} has no audit chain head`)
              : Effect.succeed({ seq: Number(rows[0].seq), hash: String(rows[0].hash) })
          )
        ),
      append: (e) =>
        orDie(Effect.zipRight(
          sql`INSERT INTO audit_events (clinic_id, seq, at, actor_type, actor_id, role, action, permission_key,
              entity_type, entity_id, outcome, reason, prev_hash, hash)
            VALUES (${e.clinicId}, ${e.seq}, ${dialect.instant(e.at)}, ${e.actorType}, ${e.actorId}, ${e.role},
              ${e.action}, ${e.permissionKey}, ${e.entityType}, ${e.entityId}, ${e.outcome}, ${e.reason},
              ${e.prevHash}, ${e.hash})`,
          sql`UPDATE audit_heads SET seq = ${e.seq}, hash = ${e.hash} WHERE clinic_id = ${e.clinicId} AND seq = ${e.seq - 1}`
        )).pipe(Effect.asVoid),
      list: (clinicId, f) =>
        orDie(sql`SELECT * FROM audit_events WHERE ${
          sql.and([
            sql`clinic_id = ${clinicId}`,
            ...(f.actorId === undefined ? [] : [sql`actor_id = ${f.actorId}`]),
            ...(f.entityType === undefined ? [] : [sql`entity_type = ${f.entityType}`]),
            ...(f.entityId === undefined ? [] : [sql`entity_id = ${f.entityId}`]),
            ...(f.action === undefined ? [] : [sql`action = ${f.action}`]),
            ...(f.from === undefined ? [] : [sql`at >= ${dialect.instant(f.from)}`]),
            ...(f.to === undefined ? [] : [sql`at < ${dialect.instant(f.to)}`]),
            ...(f.afterSeq === undefined ? [] : [sql`seq > ${f.afterSeq}`])
          ])
        } ORDER BY seq LIMIT ${f.limit}`).pipe(Effect.map((rows) => rows.map(toAuditEvent))),
      // The head is held first, so no append can land between it and the events read after it.
      chain: (clinicId) =>
        Effect.gen(function*() {
          const head = yield* orDie(sql`SELECT seq, hash FROM audit_heads WHERE clinic_id = ${clinicId} ${sql.literal(dialect.lockRow)}`).pipe(
            Effect.map((rows) => ({ seq: Number(rows[0]?.seq ?? 0), hash: String(rows[0]?.hash ?? genesis) }))
          )
          const events = yield* orDie(sql`SELECT * FROM audit_events WHERE clinic_id = ${clinicId} ORDER BY seq`).pipe(
            Effect.map((rows) => rows.map(toAuditEvent))
          )
          return { events, head }
        })
    }

    return { clinics, staff, doctors, patients, access, audit, ...Scheduling.make({ sql, dialect, guard, toDoctor }) }
  })
