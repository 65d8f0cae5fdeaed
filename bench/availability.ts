/**
 * `pnpm bench:availability`: how long one availability query takes, one JSON line per case.
 *
 * The pure rule (`Availability.prepare` + `Availability.slots`):
 * - base cases, against a naive baseline measured in the same run (every grid start checked
 *   against every busy interval, no merging or binary search);
 * - each case with its inputs doubled, against the base case in the same run: for one doctor the
 *   range and the booked appointments (180 days, 4,000 appointments), for many doctors the doctors
 *   (100 × 31 days). The output doubles, so 2.0 means the work grows linearly.
 *
 * Through the library's service (`Scheduling.availableSlots`, as the clinic's admin) on a SQLite
 * file, each call its own transaction with the principal read, the parties and the busy time:
 * - 50 doctors × 31 days in one call against 50 single-doctor calls over the same range, timed
 *   alternately in the same run (ratio ≤ 0.5);
 * - 1 doctor × 90 days with 2,000 booked appointments against another doctor with the same hours
 *   and none, alternately (ratio ≤ 2: busy time may at most double the cost of listing).
 */
import { randomUUID } from "node:crypto"
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Appointment } from "@clinicore/core/Appointment"
import { type Context, prepare, reasons, slots, zoned } from "@clinicore/core/Availability"
import * as Clinicore from "@clinicore/core/Clinicore"
import { Clinics } from "@clinicore/core/Clinics"
import { Doctors } from "@clinicore/core/Doctors"
import type { AppointmentId, ClinicId, DoctorId, PatientId } from "@clinicore/core/Ids"
import { Patients } from "@clinicore/core/Patients"
import type { DoctorRules } from "@clinicore/core/Schedule"
import { Schedules } from "@clinicore/core/Schedules"
import { Scheduling } from "@clinicore/core/Scheduling"
import { Storage } from "@clinicore/core/Storage"
import { ClinicoreSqlite } from "@clinicore/sql-sqlite"
import * as Fixtures from "@clinicore/testing/Fixtures"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"

const zone = "Europe/London"
const DAY = 86_400_000
const MINUTE = 60_000
const service = { durationMinutes: 30, bufferBeforeMinutes: 5, bufferAfterMinutes: 5 }

const rules: DoctorRules = {
  weekly: [1, 2, 3, 4, 5, 6].flatMap((weekday) => [
    { weekday, start: "08:00", end: "12:30" },
    { weekday, start: "13:30", end: "20:00" }
  ]),
  breaks: [{ _tag: "weekly", weekday: 3, start: "10:00", end: "10:30" }],
  // Weekly rules only: dated ones would make the doubled range unlike the base range.
  timeOff: [],
  overrides: []
}

/** A doctor's context over `days` days from 2027-03-01 with `appointments` spread across it. */
const makeContext = (days: number, appointments: number, seed: number): { context: Context; from: number; to: number } => {
  const from = zoned.instant(zone, "2027-03-01", "00:00")
  const to = from + days * DAY
  let x = seed
  const random = () => (x = (x * 1103515245 + 12345) % 2147483648) / 2147483648
  const busy = Array.from({ length: appointments }, (_, i) => {
    const start = from + Math.floor(random() * days * 96) * 15 * MINUTE
    const end = start + (15 + Math.floor(random() * 4) * 15) * MINUTE
    return { id: `a${i}`, start, end, busyStart: start - 5 * MINUTE, busyEnd: end + 5 * MINUTE }
  })
  const context: Context = {
    zone,
    rules,
    holidays: [],
    busy,
    patientBusy: [],
    roomBusy: [],
    now: from - DAY,
    slotMinutes: 15,
    minimumNoticeMinutes: 60,
    bookingHorizonDays: 730,
    doctorActive: true,
    patientBlocked: false,
    serviceActive: true,
    performed: true,
    roomsActive: true
  }
  return { context, from, to }
}

const query = (doctors: ReadonlyArray<{ context: Context; from: number; to: number }>) => {
  let n = 0
  for (const d of doctors) n += slots(prepare(d.context, d.from, d.to), service).length
  return n
}

/** The naive rule: every grid start against every busy interval, no index. */
const naive = (doctors: ReadonlyArray<{ context: Context; from: number; to: number }>) => {
  let n = 0
  for (const d of doctors) {
    const p = prepare({ ...d.context, busy: [] }, d.from, d.to)
    for (let t = d.from; t < d.to; t += 15 * MINUTE) {
      const slot = { start: t, end: t + service.durationMinutes * MINUTE, ...service }
      if (reasons(p, slot).length > 0) continue
      const bs = t - 5 * MINUTE
      const be = slot.end + 5 * MINUTE
      if (d.context.busy.every((b) => b.busyEnd <= bs || b.busyStart >= be)) n++
    }
  }
  return n
}

/**
 * Times two calls alternately (so drift in machine load hits both alike) and returns the median
 * time of each, in milliseconds, after warm-up.
 */
const timePair = (a: () => number, b: () => number) => {
  for (let i = 0; i < 3; i++) {
    a()
    b()
  }
  const sa: Array<number> = []
  const sb: Array<number> = []
  const deadline = performance.now() + 3000
  while (sa.length < 7 || (performance.now() < deadline && sa.length < 300)) {
    let t = performance.now()
    a()
    sa.push(performance.now() - t)
    t = performance.now()
    b()
    sb.push(performance.now() - t)
  }
  const median = (xs: Array<number>) => xs.sort((x, y) => x - y)[Math.floor(xs.length / 2)]!
  return [median(sa), median(sb)] as const
}

const line = (name: string, value: number, baseline: number, baselineName: string, extra: Record<string, unknown> = {}) =>
  console.log(JSON.stringify({
    name,
    value: Number(value.toFixed(3)),
    unit: "ms/query",
    baseline: Number(baseline.toFixed(3)),
    baseline_name: baselineName,
    ratio: Number((value / baseline).toFixed(3)),
    ...extra
  }))

const cases = [
  { name: "1 doctor x 90 days, 2000 appointments", doctors: 1, days: 90, appointments: 2000, double: "range" },
  { name: "50 doctors x 31 days", doctors: 50, days: 31, appointments: 100, double: "doctors" }
] as const

for (const c of cases) {
  const build = (scale: number) => {
    const [doctors, days, appointments] = c.double === "range"
      ? [c.doctors, c.days * scale, c.appointments * scale]
      : [c.doctors * scale, c.days, c.appointments]
    return Array.from({ length: doctors }, (_, i) => makeContext(days, appointments, i + 1))
  }
  const base = build(1)
  const doubled = build(2)
  if (query(base) !== naive(base)) throw new Error(`${c.name}: the indexed and naive rules disagree`)
  const [baseTime, naiveTime] = timePair(() => query(base), () => naive(base))
  line(c.name, baseTime, naiveTime, "naive scan, same run", { slots: query(base) })
  const [base2, doubledTime] = timePair(() => query(base), () => query(doubled))
  line(`${c.name}, inputs doubled (${c.double})`, doubledTime, base2, "base case, same run", { max_ratio: 2.2 })
}

/** `timePair` for effects: alternately, after warm-up, the median of each in milliseconds. */
const timePairEffect = <E, R>(a: Effect.Effect<unknown, E, R>, b: Effect.Effect<unknown, E, R>) =>
  Effect.gen(function*() {
    const time = (e: Effect.Effect<unknown, E, R>) => Effect.map(Effect.timed(e), ([d]) => Duration.toMillis(d))
    for (let i = 0; i < 3; i++) {
      yield* a
      yield* b
    }
    const sa: Array<number> = []
    const sb: Array<number> = []
    const deadline = performance.now() + 5000
    while (sa.length < 9 || (performance.now() < deadline && sa.length < 300)) {
      // Which goes first alternates too.
      if (sa.length % 2 === 0) {
        sa.push(yield* time(a))
        sb.push(yield* time(b))
      } else {
        sb.push(yield* time(b))
        sa.push(yield* time(a))
      }
    }
    const median = (xs: Array<number>) => xs.sort((x, y) => x - y)[Math.floor(xs.length / 2)]!
    return [median(sa), median(sb), sa.length] as const
  })

/**
 * `count` appointments of 15 minutes of one doctor and patient in [from, from + days), at distinct
 * quarter hours (so they never overlap each other), scattered by a fixed seed.
 */
const scattered = (clinicId: ClinicId, doctorId: DoctorId, patientId: PatientId, from: number, days: number, count: number, seed: number) => {
  let x = seed
  const random = () => (x = (x * 1103515245 + 12345) % 2147483648) / 2147483648
  const quarters = Array.from({ length: days * 96 }, (_, i) => i)
  for (let i = quarters.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    ;[quarters[i], quarters[j]] = [quarters[j]!, quarters[i]!]
  }
  return quarters.slice(0, count).sort((p, q) => p - q).map((q) => {
    const start = from + q * 15 * MINUTE
    return new Appointment({
      id: randomUUID() as AppointmentId,
      clinicId,
      doctorId,
      patientId,
      serviceId: null,
      roomIds: [],
      start,
      end: start + 15 * MINUTE,
      bufferBeforeMinutes: 0,
      bufferAfterMinutes: 0,
      status: "scheduled",
      notes: null,
      cancelReason: null,
      idempotencyKey: null,
      source: "staff",
      expiresAt: null,
      createdBy: null,
      version: 1,
      createdAt: from - DAY,
      updatedAt: from - DAY
    })
  })
}

const throughTheService = Effect.gen(function*() {
  const a = yield* Fixtures.clinic("Slots", { timeZone: zone })
  // Ninety days and more ahead must be inside the horizon.
  yield* Effect.flatMap(Clinics, (c) => c.updateSettings({ bookingHorizonDays: 730 })).pipe(a.asAdmin)
  const doctor = (i: number) =>
    Effect.gen(function*() {
      const d = yield* Effect.flatMap(Doctors, (s) => s.create({ name: `Dr ${i}`, specialty: "GP" })).pipe(a.asAdmin)
      yield* Effect.flatMap(Schedules, (s) => s.set({ doctorId: d.id, rules })).pipe(a.asAdmin)
      const p = yield* Effect.flatMap(Patients, (s) => s.create({ fullName: `Patient ${i}`, phone: `+1 212 555 ${String(4000 + i)}` }))
        .pipe(a.asAdmin)
      return { doctorId: d.id, patientId: p.id }
    })
  const many = yield* Effect.forEach(Array.from({ length: 50 }, (_, i) => i), doctor)
  const [busy, idle] = [yield* doctor(50), yield* doctor(51)]
  const from = Math.ceil(Date.now() / DAY) * DAY + DAY
  // Seeded through the storage port, in one transaction: 100 appointments for each of the 50
  // doctors over the 31 days (as in the pure case), 2,000 for the busy doctor over 90 days.
  const storage = yield* Storage
  yield* Effect.forEach([
    ...many.flatMap((d, i) => scattered(a.clinicId, d.doctorId, d.patientId, from, 31, 100, i + 1)),
    ...scattered(a.clinicId, busy.doctorId, busy.patientId, from, 90, 2000, 99)
  ], (appointment) => storage.appointments.insert({ appointment, requestFingerprint: null }, {}), { discard: true }).pipe(
    storage.transaction(a.clinicId),
    Effect.orDie
  )
  const scheduling = yield* Scheduling
  const list = (doctorIds: ReadonlyArray<string>, days: number) =>
    scheduling.availableSlots({ doctorIds, from, to: from + days * DAY, durationMinutes: 30 }).pipe(a.asAdmin)

  // 50 doctors in one call against one call per doctor; the same slots either way.
  const one = list(many.map((d) => d.doctorId), 31)
  const fifty = Effect.map(Effect.forEach(many, (d) => list([d.doctorId], 31)), (lists) => lists.flat())
  const [oneSlots, fiftySlots] = [yield* one, yield* fifty]
  if (oneSlots.length !== fiftySlots.length) throw new Error("one call and fifty calls list different slots")
  const [oneTime, fiftyTime, samples] = yield* timePairEffect(one, fifty)
  line("sqlite, Scheduling.availableSlots: 50 doctors x 31 days in one call", oneTime, fiftyTime,
    "50 single-doctor calls over the same range, same run", { max_ratio: 0.5, slots: oneSlots.length, appointments: 5000, samples })

  // Busy time: 2,000 booked appointments against none, the same hours and range.
  const busyCall = list([busy.doctorId], 90)
  const idleCall = list([idle.doctorId], 90)
  const [busyTime, idleTime, busySamples] = yield* timePairEffect(busyCall, idleCall)
  line("sqlite, Scheduling.availableSlots: 1 doctor x 90 days, 2000 booked appointments", busyTime, idleTime,
    "the same doctor's hours with no appointments, same run", {
      max_ratio: 2,
      slots: (yield* busyCall).length,
      slots_baseline: (yield* idleCall).length,
      samples: busySamples
    })
})

const filename = join(mkdtempSync(join(tmpdir(), "clinicore-bench-slots-")), "slots.db")
Effect.runPromise(throughTheService.pipe(
  Effect.provide(Clinicore.layer.pipe(Layer.provideMerge(Fixtures.fieldCryptoLayer), Layer.provideMerge(ClinicoreSqlite.layer({ filename }))))
)).catch((error) => {
  console.error(error)
  process.exit(1)
})
