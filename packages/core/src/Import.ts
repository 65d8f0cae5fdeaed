/**
 * Import: a clinic moving in from another system brings its patients and its appointment history
 * (past appointments with their final status) as CSV. Gated by `appointments.import` (admin only
 * by default) and audited; the only way history enters.
 *
 * Each row is validated by the same Schemas and rules as the services; a rejected row is reported
 * with its line, the column and the reason. By default the import is all-or-nothing (any rejected
 * row refuses the whole file with `ImportRejected`, nothing written); `accept_valid` writes the
 * good rows and reports the others. Each row carries an external id (the `ID` column): a row
 * whose id was imported before is left unchanged, so importing the same file twice changes
 * nothing. See docs/export-import.md for the layouts recognised and the rules applied.
 *
 * @since 0.2.0
 */
import { randomUUID } from "node:crypto"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import type { Actor } from "./Actor.js"
import { Appointment, AppointmentNotes, AppointmentStatus } from "./Appointment.js"
import type { Clinic } from "./Clinic.js"
import type { Doctor } from "./Doctor.js"
import { Conflict, type FieldIssue, type Inactive, type PermissionDenied, type Unauthenticated, ValidationError } from "./Errors.js"
import { FieldCrypto } from "./FieldCrypto.js"
import { AppointmentId, type ClinicId, DoctorId, PatientId } from "./Ids.js"
import { type Columns, type Field, type Kind, type Layout, recognise } from "./internal/import/layouts.js"
import { read, type Record } from "./internal/import/records.js"
import { parseInstant } from "./internal/import/time.js"
import { type Acting, clinicOperation } from "./internal/operation.js"
import * as Outbox from "./internal/reminders/outbox.js"
import { contextIssues, newPatientRow } from "./internal/patients.js"
import { decode } from "./internal/validation.js"
import { CreatePatient } from "./Patient.js"
import { normalizePhone } from "./Phone.js"
import { Storage } from "./Storage.js"
import type { ImportKeyRepository, ImportKind } from "./TransferStorage.js"

type Refusal = PermissionDenied | Inactive | Unauthenticated

/** @since 0.2.0 @category inputs */
export const ImportMode = Schema.Literal("all_or_nothing", "accept_valid")

/** The largest file one import takes, in characters. @since 0.2.0 @category limits */
export const MAX_FILE = 20_000_000

/** @since 0.2.0 @category inputs */
export const ImportOptions = Schema.Struct({
  mode: Schema.optionalWith(ImportMode, { default: () => "all_or_nothing" as const })
})

/** @since 0.2.0 @category inputs */
export const ImportInput = Schema.Struct({
  /** The file's text (UTF-8; a BOM is ignored), at most `MAX_FILE` characters. */
  csv: Schema.String.pipe(Schema.maxLength(MAX_FILE)),
  ...ImportOptions.fields
})

/**
 * The file is the one input larger than the general text bound: it is checked here (a string of
 * at most `MAX_FILE` characters, no NUL) and its cells are decoded row by row like any input.
 */
const fileIssues = (csv: unknown): Array<{ readonly path: string; readonly message: string }> =>
  typeof csv !== "string"
    ? [{ path: "csv", message: csv === undefined ? "is required" : "must be text" }]
    : csv.length > MAX_FILE
    ? [{ path: "csv", message: `must be at most ${MAX_FILE} characters` }]
    : csv.includes("\u0000")
    ? [{ path: "csv", message: "must not contain a NUL character" }]
    : []
/** @since 0.2.0 @category inputs */
export type ImportInput = typeof ImportInput.Encoded

/** One reason a row was rejected: its line in the file (1 = the header), the column, why. @since 0.2.0 @category models */
export const RejectedRow = Schema.Struct({
  line: Schema.Number,
  externalId: Schema.NullOr(Schema.String),
  field: Schema.String,
  reason: Schema.String
})
/** @since 0.2.0 @category models */
export type RejectedRow = typeof RejectedRow.Type

/** @since 0.2.0 @category models */
export const ImportReport = Schema.Struct({
  layout: Schema.Literal("clinicore", "carenova", "clinicops"),
  /** Data rows read (blank lines aside). */
  rows: Schema.Number,
  /** Rows written. */
  created: Schema.Number,
  /** Rows whose external id was imported before: left as they are. */
  unchanged: Schema.Number,
  /** Every reason of every rejected row, in file order (a row may have several). */
  rejected: Schema.Array(RejectedRow)
})
/** @since 0.2.0 @category models */
export type ImportReport = typeof ImportReport.Type

/**
 * An all-or-nothing import refused because of rejected rows: nothing was written.
 *
 * @since 0.2.0 @category errors
 */
export class ImportRejected extends Schema.TaggedError<ImportRejected>()("ImportRejected", { report: ImportReport }) {
  override get message(): string {
    return `import refused: ${new Set(this.report.rejected.map((r) => r.line)).size} rejected row(s), nothing written`
  }
}

/** @since 0.2.0 @category models */
export interface Import {
  /** Patients: `ID`, `Full Name`, `Phone` required; email, date of birth, gender, blood group, address optional. */
  readonly patients: (input: ImportInput) => Effect.Effect<ImportReport, ImportRejected | ValidationError | Refusal, Actor>
  /**
   * Appointments, past and future, matched to patients (by `Patient ID` of an earlier patient
   * import, `Patient Phone`, or a unique `Patient Name`) and doctors (by `Doctor ID` or name).
   */
  readonly appointments: (input: ImportInput) => Effect.Effect<ImportReport, ImportRejected | ValidationError | Refusal, Actor>
}

/** @since 0.2.0 @category tags */
export const Import: Context.Tag<Import, Import> = Context.GenericTag<Import>("@clinicore/core/Import")

/** Without an end column an appointment lasts this long. */
const defaultMinutes = 30

/** The statuses history may carry (it has happened) and those a future appointment may carry. */
const pastStatuses: ReadonlyArray<AppointmentStatus> = ["completed", "no_show", "cancelled"]
const futureStatuses: ReadonlyArray<AppointmentStatus> = ["scheduled", "confirmed", "cancelled"]

/** `No Show`, `no-show`, `Canceled`… as clinicore's status names. */
const statusName = (text: string) => {
  const s = text.trim().toLowerCase().replace(/[\s-]+/g, "_")
  return s === "canceled" ? "cancelled" : s === "noshow" ? "no_show" : s
}

const isUuid = Schema.is(Schema.UUID)

class RowRejected {
  constructor(readonly issues: ReadonlyArray<{ readonly field: string; readonly reason: string }>) {}
}

/** Turns a conflict on writing into the column that caused it. */
const conflictIssue = <K extends Kind>(columns: Columns<K>, conflict: Conflict) => {
  const r = conflict.reason
  const field = r._tag === "duplicate_phone"
    ? columns.name("phone" as Field<K>)
    : r._tag === "slot_taken"
    ? columns.name("start" as Field<K>)
    : "row"
  return new RowRejected([{ field, reason: r._tag === "slot_taken" ? `overlaps ${conflict.message.replace(/^the time is taken /, "")}` : conflict.message }])
}

/** @since 0.2.0 @category constructors */
export const make: Effect.Effect<Import, never, Storage | FieldCrypto> = Effect.gen(function*() {
  const storage = yield* Storage
  const fieldCrypto = yield* FieldCrypto
  const deps = { storage, fieldCrypto }
  const keys = (): ImportKeyRepository => {
    if (storage.importKeys === undefined) throw new Error("this storage adapter does not provide import keys")
    return storage.importKeys
  }

  /**
   * The frame every import shares: read and recognise the file, then each row in a savepoint of
   * its own (a rejected row leaves nothing behind), then all-or-nothing or not.
   */
  const run = <K extends Kind>(
    kind: K,
    importKind: ImportKind,
    input: ImportInput,
    acting: Acting,
    prepare: (columns: Columns<K>, now: number) => Effect.Effect<(record: Record, id: string) => Effect.Effect<void, RowRejected>>
  ) =>
    Effect.gen(function*() {
      const { csv, ...options } = (typeof input === "object" && input !== null ? input : {}) as Partial<ImportInput>
      const valid = yield* decode(ImportOptions, options, fileIssues(csv))
      const file = read(csv as string)
      if (file instanceof ValidationError) return yield* file
      const columns = recognise(kind, file.header)
      if (columns instanceof ValidationError) return yield* columns
      const now = yield* Clock.currentTimeMillis
      const write = yield* prepare(columns, now)
      const clinicId = acting.clinic.id
      const rejected: Array<RejectedRow> = []
      let created = 0
      let unchanged = 0
      for (const record of file.records) {
        const externalId = columns.cell(record.cells, "externalId" as Field<K>)
        if (externalId === undefined) {
          rejected.push({ line: record.line, externalId: null, field: columns.name("externalId" as Field<K>), reason: "is required (the row's id in the system it comes from)" })
          continue
        }
        if (Option.isSome(yield* keys().find(clinicId, importKind, externalId))) {
          unchanged++
          continue
        }
        const entityId = randomUUID()
        const outcome = yield* storage.transaction(clinicId)(
          Effect.gen(function*() {
            // Claimed first: a concurrent import of the same row finds it taken and writes nothing.
            if (!(yield* keys().claim(clinicId, importKind, externalId, entityId, now))) return false
            yield* write(record, entityId)
            return true
          })
        ).pipe(Effect.either)
        if (Either.isRight(outcome)) {
          if (outcome.right) created++
          else unchanged++
        } else {
          for (const issue of outcome.left.issues) rejected.push({ line: record.line, externalId, ...issue })
        }
      }
      const report: ImportReport = { layout: columns.layout as Layout, rows: file.records.length, created, unchanged, rejected }
      if (rejected.length > 0 && valid.mode === "all_or_nothing") return yield* new ImportRejected({ report })
      return report
    })

  /** A failed decode as the row's issues, each named by the file's column. */
  const rowIssues = <K extends Kind>(columns: Columns<K>, fieldOf: (path: string) => Field<K>) => (e: ValidationError) =>
    new RowRejected(e.fields.map((f) => ({ field: columns.name(fieldOf(f.path.split(".")[0]!)), reason: f.message })))

  const instantIssue = <K extends Kind>(columns: Columns<K>, field: Field<K>) => ({
    field: columns.name(field),
    reason: "must be a date and time: ISO 8601 (2026-03-01T09:30:00.000Z) or local (2026-03-01 09:30)"
  })

  const patients: Import["patients"] = (input) =>
    clinicOperation(deps, "Import.patients", (acting) =>
      run("patients", "patient", input, acting, (columns, now) =>
        Effect.succeed((record, id) =>
          Effect.gen(function*() {
            const clinic = acting.clinic
            const cell = (field: Field<"patients">) => columns.cell(record.cells, field)
            const raw = Object.fromEntries(
              (["fullName", "phone", "email", "dateOfBirth", "gender", "bloodGroup", "address"] as const)
                .flatMap((f) => cell(f) === undefined ? [] : [[f, cell(f)]])
            )
            const createdText = cell("createdAt")
            const createdAt = createdText === undefined ? now : parseInstant(clinic.timeZone, createdText)
            const extra: Array<FieldIssue> = createdAt === undefined ? [{ path: "createdAt", message: instantIssue(columns, "createdAt").reason }] : []
            const valid = yield* decode(CreatePatient, raw, [...contextIssues(clinic, now, raw), ...extra]).pipe(
              Effect.mapError(rowIssues(columns, (path) => path as Field<"patients">))
            )
            yield* storage.patients.insert(newPatientRow(clinic, PatientId.make(id), valid, createdAt!)).pipe(
              Effect.mapError((c) => conflictIssue(columns, c))
            )
          })
        )), () => null)

  /** The clinic's doctors by lower-case name, read once per import. */
  const doctorsByName = (clinicId: ClinicId) =>
    Effect.map(storage.doctors.list(clinicId, {}), (doctors) => {
      const byName = new Map<string, Array<Doctor>>()
      for (const d of doctors) byName.set(d.name.trim().toLowerCase(), [...(byName.get(d.name.trim().toLowerCase()) ?? []), d])
      return { byName, byId: new Map(doctors.map((d) => [d.id as string, d])) }
    })

  const findPatient = (clinic: Clinic, columns: Columns<"appointments">, record: Record) =>
    Effect.gen(function*() {
      const cell = (field: Field<"appointments">) => columns.cell(record.cells, field)
      const byExternal = cell("patientId")
      if (byExternal !== undefined) {
        const imported = yield* keys().find(clinic.id, "patient", byExternal)
        if (Option.isSome(imported)) return Either.right(imported.value)
        if (isUuid(byExternal) && Option.isSome(yield* storage.patients.findById(clinic.id, PatientId.make(byExternal)))) {
          return Either.right(byExternal)
        }
      }
      const phone = cell("patientPhone")
      if (phone !== undefined) {
        const normalized = normalizePhone(phone, clinic.settings.defaultPhoneRegion)
        if (Either.isRight(normalized)) {
          const found = yield* storage.patients.findByPhone(clinic.id, normalized.right)
          if (Option.isSome(found)) return Either.right(found.value.id as string)
        }
      }
      const name = cell("patientName")
      if (name !== undefined) {
        const same = (yield* storage.patients.search(clinic.id, { text: name, limit: 500, offset: 0 }))
          .filter((p) => p.fullName.trim().toLowerCase() === name.toLowerCase())
        if (same.length === 1) return Either.right(same[0]!.id as string)
        if (same.length > 1) {
          return Either.left({ field: columns.name("patientName"), reason: "names several patients: add a Patient Phone or Patient ID column" })
        }
      }
      const field = columns.has("patientId") ? "patientId" : columns.has("patientPhone") ? "patientPhone" : "patientName"
      return Either.left({ field: columns.name(field), reason: "matches no patient of the clinic: import the patients first" })
    })

  const appointments: Import["appointments"] = (input) =>
    clinicOperation(deps, "Import.appointments", (acting) =>
      run("appointments", "appointment", input, acting, (columns, now) =>
        Effect.map(doctorsByName(acting.clinic.id), (doctors) => (record, id) =>
          Effect.gen(function*() {
            const clinic = acting.clinic
            const zone = clinic.timeZone
            const cell = (field: Field<"appointments">) => columns.cell(record.cells, field)
            const issues: Array<{ field: string; reason: string }> = []

            // Doctor: by id in this clinic, else by name; never created from a file.
            const doctorIdText = cell("doctorId")
            const doctorName = cell("doctorName")
            let doctorId: string | undefined = doctorIdText !== undefined && doctors.byId.has(doctorIdText) ? doctorIdText : undefined
            if (doctorId === undefined) {
              const named = doctorName === undefined ? [] : doctors.byName.get(doctorName.toLowerCase()) ?? []
              if (named.length === 1) doctorId = named[0]!.id
              else {
                issues.push({
                  field: columns.name(columns.has("doctorName") ? "doctorName" : "doctorId"),
                  reason: named.length > 1
                    ? "names several doctors: add a Doctor ID column"
                    : "matches no doctor of the clinic: create the doctor first (doctors are not created by an import)"
                })
              }
            }

            const patient = yield* findPatient(clinic, columns, record)
            if (Either.isLeft(patient)) issues.push(patient.left)

            // Times: one start column, or a date and a time column (ClinicOps).
            const startText = cell("start") ?? (cell("date") !== undefined ? `${cell("date")} ${cell("time") ?? "00:00"}` : undefined)
            const startField = columns.has("start") ? "start" : "date"
            const start = startText === undefined ? undefined : parseInstant(zone, startText)
            if (start === undefined) issues.push(startText === undefined ? { field: columns.name(startField), reason: "is required" } : instantIssue(columns, startField))
            const endText = cell("end")
            const end = endText === undefined ? (start === undefined ? undefined : start + defaultMinutes * 60_000) : parseInstant(zone, endText)
            if (end === undefined && endText !== undefined) issues.push(instantIssue(columns, "end"))
            if (start !== undefined && end !== undefined && end <= start) issues.push({ field: columns.name("end"), reason: "must be after the start" })

            // Status and notes through the appointment's own Schemas.
            const raw = {
              status: statusName(cell("status") ?? ""),
              ...(cell("notes") === undefined ? {} : { notes: cell("notes") }),
              ...(cell("cancelReason") === undefined ? {} : { cancelReason: cell("cancelReason") })
            }
            const decoded = yield* decode(ImportedFields, raw).pipe(
              Effect.mapError(rowIssues(columns, (path) => path as Field<"appointments">)),
              Effect.either
            )
            if (Either.isLeft(decoded)) issues.push(...decoded.left.issues)
            else if (start !== undefined) {
              // History has happened: it carries a final status. What is still to come is booked.
              const allowed = start < now ? pastStatuses : futureStatuses
              if (!allowed.includes(decoded.right.status)) {
                issues.push({
                  field: columns.name("status"),
                  reason: start < now
                    ? `a past appointment must be ${pastStatuses.join(", ")}`
                    : `a future appointment must be ${futureStatuses.join(", ")}`
                })
              }
            }
            const sequenceText = cell("sequence")
            const sequence = sequenceText === undefined ? 0 : Number(sequenceText)
            if (!Number.isSafeInteger(sequence) || sequence < 0) issues.push({ field: columns.name("sequence"), reason: "must be a whole number ≥ 0" })
            const createdText = cell("createdAt")
            const createdAt = createdText === undefined ? now : parseInstant(zone, createdText)
            if (createdAt === undefined) issues.push(instantIssue(columns, "createdAt"))

            if (issues.length > 0 || Either.isLeft(decoded) || Either.isLeft(patient)) return yield* Effect.fail(new RowRejected(issues))
            const appointment = new Appointment({
              id: AppointmentId.make(id),
              clinicId: clinic.id,
              doctorId: DoctorId.make(doctorId!),
              patientId: PatientId.make(patient.right),
              serviceId: null,
              roomIds: [],
              start: start!,
              end: end!,
              bufferBeforeMinutes: 0,
              bufferAfterMinutes: 0,
              status: decoded.right.status,
              notes: decoded.right.notes ?? null,
              cancelReason: decoded.right.status === "cancelled" ? decoded.right.cancelReason ?? null : null,
              idempotencyKey: null,
              source: "staff",
              expiresAt: null,
              createdBy: Option.getOrNull(Option.map(acting.user, (u) => u.id)),
              version: sequence + 1,
              createdAt: createdAt!,
              updatedAt: now
            })
            const written = yield* storage.appointments.insert({ appointment, requestFingerprint: null }, {}).pipe(
              Effect.mapError((c) => conflictIssue(columns, c))
            )
            if (!written) return yield* Effect.fail(new RowRejected([{ field: columns.name("start"), reason: "could not be written; import the file again" }]))
            // What is still to come is reminded of like any booking (the same outbox, same transaction).
            if (appointment.start >= now) yield* Outbox.booked(storage, clinic, appointment, now)
          })
        )), () => null)

  return { patients, appointments }
})

/** The fields of an imported appointment that the appointment's own Schemas check. */
const ImportedFields = Schema.Struct({
  status: AppointmentStatus,
  notes: Schema.optional(AppointmentNotes),
  cancelReason: Schema.optional(AppointmentNotes)
})

/** @since 0.2.0 @category layers */
export const layer: Layer.Layer<Import, never, Storage | FieldCrypto> = Layer.effect(Import, make)
