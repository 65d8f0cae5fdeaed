/**
 * Reminders on one adapter: the outbox written with every booking change, dispatch driven by
 * `TestClock` (provided locally: the suite itself runs on the live clock), fencing, consent,
 * templates, retries and concurrent dispatchers.
 */
import * as Actor from "@clinicore/core/Actor"
import { zoned } from "@clinicore/core/Availability"
import { Doctors } from "@clinicore/core/Doctors"
import type { Message, Notifier } from "@clinicore/core/Notifier"
import { NotifyError } from "@clinicore/core/Notifier"
import { Patients } from "@clinicore/core/Patients"
import * as ReminderDispatcher from "@clinicore/core/ReminderDispatcher"
import * as RemindersModule from "@clinicore/core/Reminders"
import { Reminders } from "@clinicore/core/Reminders"
import { Scheduling } from "@clinicore/core/Scheduling"
import { Storage } from "@clinicore/core/Storage"
import { expect } from "@effect/vitest"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as TestClock from "effect/TestClock"
import * as TestContext from "effect/TestContext"
import * as Fixtures from "../../Fixtures.js"
import { RawAccess } from "../../RawAccess.js"
import { Twin } from "../../Twin.js"
import type { SuiteIt } from "./it.js"

const MINUTE = 60_000
const HOUR = 60 * MINUTE

/** Runs `self` with `TestClock` as the clock, set to `at`. */
const atTime = (at: number) => <A, E, R>(self: Effect.Effect<A, E, R>) =>
  Effect.zipRight(TestClock.setTime(at), self).pipe(Effect.provide(TestContext.TestContext))

/** A notifier that records what it was given, failing as `script` says for each call in turn. */
const recording = (script: Array<NotifyError | "ok"> = []) => {
  const sent: Array<Message> = []
  const notifier: Notifier = {
    send: (m) =>
      Effect.suspend(() => {
        const next = script.shift() ?? "ok"
        if (next !== "ok") return Effect.fail(next)
        sent.push(m)
        return Effect.succeed({ providerMessageId: `p-${m.reminderId}-${sent.length}` })
      })
  }
  return { notifier, sent }
}

/** A clinic with a doctor and a patient with phone and e-mail. */
const setup = (label: string, zone = "Europe/London") =>
  Effect.gen(function*() {
    const a = yield* Fixtures.clinic(label, { timeZone: zone })
    const doctor = yield* Effect.flatMap(Doctors, (d) => d.create({ name: "Dr Remind", specialty: "GP" })).pipe(a.asAdmin)
    const patient = yield* Effect.flatMap(Patients, (p) =>
      p.create({ fullName: "Rita Remind", phone: "+44 20 7946 0101", email: "rita@example.test" })).pipe(a.asAdmin)
    const book = (start: number) =>
      Effect.flatMap(Scheduling, (s) =>
        s.book({ doctorId: doctor.id, patientId: patient.id, start, end: start + 30 * MINUTE, override: true })).pipe(a.asAdmin)
    const dispatch = (notifier: Notifier, options: Partial<RemindersModule.DispatchOptions> = {}) =>
      Effect.flatMap(Reminders, (r) => r.dispatch({ notifier, ...options })).pipe(Actor.withSystem(a.clinicId, "reminder-dispatcher"))
    const list = (appointmentId?: string) =>
      Effect.flatMap(Reminders, (r) => r.list(appointmentId === undefined ? {} : { appointmentId })).pipe(a.asAdmin)
    return { a, doctor, patient, book, dispatch, list }
  })

/** A quarter hour a little after the real now (the suite's other data lives around it). */
const base = () => Math.ceil((Date.now() + 2 * HOUR) / (15 * MINUTE)) * 15 * MINUTE

export const reminders = (it: SuiteIt) => {
  it.effect("reminder: 25 h ahead, the 24 h reminder goes once, a second run sends nothing, the 1 h one goes at T − 1 h", () =>
    Effect.gen(function*() {
      const t0 = base()
      const start = t0 + 25 * HOUR
      const { book, dispatch, list } = yield* setup("RemindOnce")
      const appointment = yield* book(start)
      const rows = yield* list(appointment.id)
      expect(rows.map((r) => [r.offsetMinutes, r.channel, r.status, r.dueAt]).sort()).toEqual([
        [1440, "sms", "pending", start - 24 * HOUR],
        [60, "sms", "pending", start - HOUR]
      ].sort())
      const { notifier, sent } = recording()
      yield* TestClock.setTime(start - 24 * HOUR - MINUTE)
      expect((yield* dispatch(notifier)).sent).toBe(0)
      yield* TestClock.setTime(start - 24 * HOUR)
      expect((yield* dispatch(notifier)).sent).toBe(1)
      expect((yield* dispatch(notifier)).sent).toBe(0)
      yield* TestClock.setTime(start - HOUR - 1)
      expect((yield* dispatch(notifier)).sent).toBe(0)
      yield* TestClock.setTime(start - HOUR)
      expect((yield* dispatch(notifier)).sent).toBe(1)
      yield* TestClock.adjust("2 hours")
      expect((yield* dispatch(notifier)).sent).toBe(0)
      expect(sent.map((m) => m.channel)).toEqual(["sms", "sms"])
      expect(sent[0]!.to).toBe("+442079460101")
      expect(new Set(sent.map((m) => m.reminderId)).size).toBe(2)
      expect((yield* list(appointment.id)).map((r) => r.status)).toEqual(["sent", "sent"])
    }).pipe(atTime(base())))

  it.effect("reminder: a 15:00 appointment's 1 h reminder is due at 14:00 clinic time, on DST transition days too", () =>
    Effect.gen(function*() {
      const zone = "Europe/London"
      const { book, dispatch, list } = yield* setup("RemindDst", zone)
      // 2027-03-28: clocks go forward at 01:00; 2027-10-31: back at 02:00. And an ordinary day.
      for (const day of ["2027-03-28", "2027-06-15", "2027-10-31"]) {
        const start = zoned.instant(zone, day, "15:00")
        const due = zoned.instant(zone, day, "14:00")
        yield* TestClock.setTime(start - 3 * 24 * HOUR)
        const appointment = yield* book(start)
        const hour = (yield* list(appointment.id)).find((r) => r.offsetMinutes === 60)!
        expect(hour.dueAt).toBe(due)
        const { notifier, sent } = recording()
        yield* TestClock.setTime(due - MINUTE)
        yield* dispatch(notifier)
        expect(sent.filter((m) => m.reminderId === hour.id)).toEqual([])
        yield* TestClock.setTime(due)
        yield* dispatch(notifier)
        expect(sent.filter((m) => m.reminderId === hour.id).length).toBe(1)
        expect(sent.find((m) => m.reminderId === hour.id)!.body).toContain(`${day} 15:00`)
      }
    }).pipe(atTime(Date.UTC(2027, 2, 20))))

  it.effect("reminder: cancelled sends nothing; rescheduled sends only the new time's reminders, with the new time", () =>
    Effect.gen(function*() {
      const t0 = base()
      const { a, book, dispatch, list } = yield* setup("RemindChange")
      const s = yield* Scheduling
      const cancelled = yield* book(t0 + 25 * HOUR)
      const moved = yield* book(t0 + 27 * HOUR)
      yield* s.cancel({ id: cancelled.id, reason: "patient called" }).pipe(a.asAdmin)
      expect((yield* list(cancelled.id)).map((r) => [r.status, r.reason])).toEqual([
        ["cancelled", "appointment_cancelled"],
        ["cancelled", "appointment_cancelled"]
      ])
      const newStart = t0 + 50 * HOUR
      yield* s.reschedule({ id: moved.id, start: newStart, override: true }).pipe(a.asAdmin)
      const rows = yield* list(moved.id)
      expect(rows.filter((r) => r.status === "cancelled").map((r) => r.reason)).toEqual(["superseded", "superseded"])
      expect(rows.filter((r) => r.status === "pending").map((r) => [r.appointmentVersion, r.appointmentStart])).toEqual([
        [2, newStart],
        [2, newStart]
      ])
      const { notifier, sent } = recording()
      for (const at of [t0 + 2 * HOUR, t0 + 4 * HOUR, newStart - 24 * HOUR, t0 + 27 * HOUR, newStart - HOUR]) {
        yield* TestClock.setTime(at)
        yield* dispatch(notifier)
      }
      expect(sent.length).toBe(2)
      const wanted = zonedLocal("Europe/London", newStart)
      for (const m of sent) expect(m.body).toContain(wanted)
      expect(sent.every((m) => rows.some((r) => r.id === m.reminderId && r.appointmentStart === newStart))).toBe(true)
    }).pipe(atTime(base())))

  it.effect("reminder: rescheduled or cancelled while a batch is claimed, the fenced reminder is not sent", () =>
    Effect.gen(function*() {
      const t0 = base()
      const { a, book, dispatch, list } = yield* setup("RemindFence")
      const s = yield* Scheduling
      const toMove = yield* book(t0 + 25 * HOUR)
      const toCancel = yield* book(t0 + 26 * HOUR)
      const kept = yield* book(t0 + 28 * HOUR)
      yield* TestClock.setTime(t0 + 4 * HOUR + 30 * MINUTE)
      const { notifier, sent } = recording()
      const report = yield* dispatch(notifier, {
        afterClaim: () =>
          Effect.gen(function*() {
            yield* s.reschedule({ id: toMove.id, start: t0 + 40 * HOUR, override: true }).pipe(a.asAdmin)
            yield* s.cancel({ id: toCancel.id, reason: "changed" }).pipe(a.asAdmin)
          }).pipe(Effect.orDie)
      })
      expect(report.claimed).toBe(3)
      expect(report.sent).toBe(1)
      expect(sent.map((m) => m.reminderId)).toEqual((yield* list(kept.id)).filter((r) => r.offsetMinutes === 1440).map((r) => r.id))
      const moved = yield* list(toMove.id)
      expect(moved.filter((r) => r.appointmentVersion === 1).map((r) => r.status)).toEqual(["cancelled", "cancelled"])
      expect((yield* list(toCancel.id)).every((r) => r.status === "cancelled")).toBe(true)
    }).pipe(atTime(base())))

  it.effect("reminder: an opted-out channel is skipped with reason opted_out; STOP then START restores it, idempotently", () =>
    Effect.gen(function*() {
      const t0 = base()
      const { a, book, dispatch, list, patient } = yield* setup("RemindConsent")
      const r = yield* Reminders
      const first = yield* r.inboundSms({ from: "+44 20 7946 0101", text: "stop" }).pipe(a.asAdmin)
      expect(first).toMatchObject({ applied: "stop", patientId: patient.id, changed: true })
      expect((yield* r.inboundSms({ from: "+442079460101", text: " STOP please" }).pipe(a.asAdmin)).changed).toBe(false)
      expect((yield* r.consents(patient.id).pipe(a.asAdmin)).map((c) => [c.channel, c.granted, c.source])).toEqual([
        ["sms", false, "sms_keyword"]
      ])
      const one = yield* book(t0 + 25 * HOUR)
      const { notifier, sent } = recording()
      yield* TestClock.setTime(t0 + HOUR)
      yield* dispatch(notifier)
      const day = (yield* list(one.id)).find((x) => x.offsetMinutes === 1440)!
      expect([day.status, day.reason]).toEqual(["skipped", "opted_out"])
      expect(sent).toEqual([])
      expect(yield* r.inboundSms({ from: "+442079460101", text: "Start" }).pipe(a.asAdmin)).toMatchObject({ applied: "start", changed: true })
      expect((yield* r.inboundSms({ from: "+442079460101", text: "hello" }).pipe(a.asAdmin)).applied).toBeUndefined()
      yield* TestClock.setTime(t0 + 24 * HOUR)
      yield* dispatch(notifier)
      expect(sent.length).toBe(1)
      expect((yield* list(one.id)).find((x) => x.offsetMinutes === 60)!.status).toBe("sent")
    }).pipe(atTime(base())))

  it.effect("reminder: a template naming an unknown variable is refused when saved, naming the field, and nothing is written", () =>
    Effect.gen(function*() {
      const { a } = yield* setup("RemindTemplate")
      const r = yield* Reminders
      const before = yield* r.policy().pipe(a.asAdmin)
      const error = yield* Effect.flip(
        r.setPolicy({ ...before, templates: { ...before.templates, sms: { body: "Hi {{patient.name}}, see {{diagnosis}}" } } }).pipe(a.asAdmin)
      )
      expect(error).toMatchObject({ _tag: "ValidationError", fields: [{ path: "templates.sms.body" }] })
      expect(error.message).toContain("{{diagnosis}}")
      expect(yield* r.policy().pipe(a.asAdmin)).toEqual(before)
      const saved = yield* r.setPolicy({
        ...before,
        offsets: [{ minutes: 120, channels: ["sms", "email"] }],
        templates: { ...before.templates, sms: { body: "{{patient.name}}: {{start.time}} with {{doctor.name}}" } }
      }).pipe(a.asAdmin)
      expect(yield* r.policy().pipe(a.asAdmin)).toEqual(saved)
      const receptionist = yield* Fixtures.staffMember(a, "receptionist")
      expect(yield* Effect.flip(r.setPolicy(saved).pipe(a.as(receptionist.id)))).toMatchObject({ _tag: "PermissionDenied" })
    }))

  it.effect("reminder: a send that does not answer within the send timeout stops its batch: its outcome is unknown, the rest go back to the queue", () =>
    Effect.gen(function*() {
      const t0 = base()
      const { a, book, dispatch, list } = yield* setup("RemindHang")
      const r = yield* Reminders
      const policy = yield* r.policy().pipe(a.asAdmin)
      yield* r.setPolicy({ ...policy, offsets: [{ minutes: 120, channels: ["sms"] }] }).pipe(a.asAdmin)
      const start = t0 + 10 * HOUR
      const first = yield* book(start)
      const second = yield* book(start + HOUR)
      // The first send never answers; any later one is accepted.
      const calls: Array<string> = []
      const hung = yield* Deferred.make<void>()
      const notifier: Notifier = {
        send: (m) =>
          Effect.suspend(() => {
            calls.push(m.reminderId)
            return calls.length === 1
              ? Effect.zipRight(Deferred.succeed(hung, undefined), Effect.never)
              : Effect.succeed({ providerMessageId: `p-${calls.length}` })
          })
      }
      yield* TestClock.setTime(start - HOUR)
      const round = yield* Effect.fork(dispatch(notifier, { sendTimeout: "30 seconds" }))
      yield* Deferred.await(hung)
      for (let i = 0; i < 5 && Option.isNone(yield* Fiber.poll(round)); i++) yield* TestClock.adjust("31 seconds")
      expect(yield* Fiber.join(round)).toMatchObject({ claimed: 2, sent: 0, reconcile: 1 })
      const [one] = yield* list(first.id)
      const [two] = yield* list(second.id)
      expect([one!.status, one!.reason, one!.reconcile]).toEqual(["failed", "outcome_unknown:timeout", true])
      expect([two!.status, two!.reason]).toEqual(["pending", null])
      expect(calls).toEqual([one!.id])
      // The next round sends the one that was never attempted, and never repeats the unknown one.
      expect(yield* dispatch(notifier)).toMatchObject({ claimed: 1, sent: 1 })
      expect(calls).toEqual([one!.id, two!.id])
      expect((yield* list(second.id))[0]!.status).toBe("sent")
    }).pipe(atTime(base())))

  it.effect("reminder: an SMS with an unknown outcome is not repeated but marked for reconciliation; e-mail retries back off and stop before the start", () =>
    Effect.gen(function*() {
      const t0 = base()
      const { a, book, dispatch, list } = yield* setup("RemindRetry")
      const r = yield* Reminders
      const policy = yield* r.policy().pipe(a.asAdmin)
      yield* r.setPolicy({ ...policy, offsets: [{ minutes: 60, channels: ["sms", "email"] }] }).pipe(a.asAdmin)
      const start = t0 + 10 * HOUR
      const appointment = yield* book(start)
      const unknown = new NotifyError({ outcome: "unknown", reason: "timeout" })
      const failed = new NotifyError({ outcome: "failed", reason: "connection_refused" })
      // Sorted by due time then id, both due together: the script applies to whichever goes first.
      const { notifier, sent } = recording([unknown, unknown])
      yield* TestClock.setTime(start - HOUR)
      yield* dispatch(notifier)
      let rows = yield* list(appointment.id)
      const sms = rows.find((x) => x.channel === "sms")!
      const email = rows.find((x) => x.channel === "email")!
      expect([sms.status, sms.reason, sms.reconcile]).toEqual(["failed", "outcome_unknown:timeout", true])
      expect([email.status, email.reason, email.dueAt]).toEqual(["pending", "retry:timeout", start - HOUR + MINUTE])
      // The e-mail keeps failing: backoff 2, 4, 8, 16 min…, never planned at or past the start.
      const failing = recording([failed, failed, failed, failed, failed, failed, failed, failed])
      for (let i = 0; i < 10; i++) {
        const row = (yield* list(appointment.id)).find((x) => x.channel === "email")!
        if (row.status !== "pending") break
        expect(row.dueAt).toBeLessThan(start)
        yield* TestClock.setTime(row.dueAt)
        yield* dispatch(failing.notifier)
      }
      rows = yield* list(appointment.id)
      const final = rows.find((x) => x.channel === "email")!
      expect(final.status).toBe("failed")
      expect(final.reason).toBe("retries_exhausted:connection_refused")
      expect(sent).toEqual([])
      expect((yield* r.list({ reconcile: true }).pipe(a.asAdmin)).map((x) => x.id)).toEqual([sms.id])
      // Nothing repeats the SMS, even much later.
      yield* TestClock.setTime(start - MINUTE)
      expect((yield* dispatch(notifier)).claimed).toBe(0)
    }).pipe(atTime(base())))

  it.effect("reminder: a claim whose worker died is taken over after its lease: e-mail is sent once, SMS goes to reconciliation", () =>
    Effect.gen(function*() {
      const t0 = base()
      const { a, book, dispatch, list } = yield* setup("RemindLease")
      const r = yield* Reminders
      const policy = yield* r.policy().pipe(a.asAdmin)
      yield* r.setPolicy({ ...policy, offsets: [{ minutes: 60, channels: ["sms", "email"] }] }).pipe(a.asAdmin)
      const start = t0 + 10 * HOUR
      const appointment = yield* book(start)
      yield* TestClock.setTime(start - HOUR)
      const { notifier, sent } = recording()
      // The worker claims, then dies before delivering anything.
      const died = yield* Effect.exit(dispatch(notifier, { owner: "w1", lease: "1 minute", afterClaim: () => Effect.die("killed") }))
      expect(died._tag).toBe("Failure")
      expect((yield* list(appointment.id)).map((x) => x.status)).toEqual(["sending", "sending"])
      // Before the lease ends nobody takes them.
      expect((yield* dispatch(notifier, { owner: "w2" })).claimed).toBe(0)
      yield* TestClock.adjust("61 seconds")
      const report = yield* dispatch(notifier, { owner: "w2" })
      expect([report.sent, report.reconcile]).toEqual([1, 1])
      expect(sent.map((m) => m.channel)).toEqual(["email"])
      const rows = yield* list(appointment.id)
      expect(rows.find((x) => x.channel === "sms")).toMatchObject({ status: "failed", reason: "outcome_unknown", reconcile: true })
      expect(rows.find((x) => x.channel === "email")).toMatchObject({ status: "sent", attempts: 2 })
      // A delivery receipt by provider message id is applied idempotently.
      const pmid = rows.find((x) => x.channel === "email")!.providerMessageId!
      const settled = yield* r.receipt({ providerMessageId: pmid, outcome: "delivered" }).pipe(a.asAdmin)
      expect(settled._tag).toBe("Some")
      // The SMS's provider knows it by its idempotency key: its receipt settles the reconciliation, once.
      const sms = rows.find((x) => x.channel === "sms")!
      const receipt = { providerMessageId: `reminder-${sms.id}`, outcome: "delivered" as const }
      expect(yield* r.receipt(receipt).pipe(a.asAdmin)).toMatchObject({ value: { status: "sent", reconcile: false } })
      const again = yield* r.receipt(receipt).pipe(a.asAdmin)
      expect(again).toMatchObject({ value: { status: "sent", reconcile: false } })
      expect((yield* r.list({ reconcile: true }).pipe(a.asAdmin)).filter((x) => x.appointmentId === appointment.id)).toEqual([])
    }).pipe(atTime(base())))

  it.effect("reminder: several dispatchers over two storages send each reminder exactly once", () =>
    Effect.gen(function*() {
      const t0 = base()
      const { book, dispatch, list, a } = yield* setup("RemindMany")
      const twin = yield* Twin
      const r = yield* Reminders
      const policy = yield* r.policy().pipe(a.asAdmin)
      yield* r.setPolicy({ ...policy, offsets: [{ minutes: 600, channels: ["sms", "email", "call"] }] }).pipe(a.asAdmin)
      const ids: Array<string> = []
      for (let i = 0; i < 20; i++) ids.push((yield* book(t0 + 11 * HOUR + i * 30 * MINUTE)).id)
      const elsewhere = yield* RemindersModule.make.pipe(Effect.provideService(Storage, twin.storage))
      // Every 10 h reminder is due (the last at t0 + 10.5 h) and no appointment has started.
      yield* TestClock.setTime(t0 + 10 * HOUR + 45 * MINUTE)
      const { notifier, sent } = recording()
      const worker = (n: number) =>
        Effect.gen(function*() {
          const service = n % 2 === 0 ? r : elsewhere
          for (;;) {
            const report = yield* service.dispatch({ notifier, owner: `w${n}`, batchSize: 4 }).pipe(
              Actor.withSystem(a.clinicId, "reminder-dispatcher")
            )
            if (report.claimed === 0) return
          }
        })
      yield* Effect.all([0, 1, 2, 3].map(worker), { concurrency: "unbounded" })
      expect(sent.length).toBe(60)
      expect(new Set(sent.map((m) => m.reminderId)).size).toBe(60)
      for (const id of ids) expect((yield* list(id)).every((x) => x.status === "sent")).toBe(true)
      expect(yield* dispatch(notifier)).toMatchObject({ claimed: 0 })
    }).pipe(atTime(base())))

  it.effect("reminder: the dispatcher covers every clinic as each clinic's system principal", () =>
    Effect.gen(function*() {
      const t0 = base()
      const one = yield* setup("RemindAllOne")
      const two = yield* setup("RemindAllTwo")
      const a1 = yield* one.book(t0 + 3 * HOUR)
      const a2 = yield* two.book(t0 + 3 * HOUR + 30 * MINUTE)
      yield* TestClock.setTime(t0 + 3 * HOUR + 30 * MINUTE - HOUR)
      const { notifier, sent } = recording()
      yield* ReminderDispatcher.runOnce({ notifier })
      const mine = sent.filter((m) => m.clinicId === one.a.clinicId || m.clinicId === two.a.clinicId)
      expect(mine.map((m) => m.clinicId).sort()).toEqual([one.a.clinicId, two.a.clinicId].sort())
      expect((yield* one.list(a1.id)).find((x) => x.offsetMinutes === 60)!.status).toBe("sent")
      expect((yield* two.list(a2.id)).find((x) => x.offsetMinutes === 60)!.status).toBe("sent")
    }).pipe(atTime(base())))

  it.effect("reminder: manual reminders need an upcoming appointment and a channel; they go through the same dispatcher", () =>
    Effect.gen(function*() {
      const t0 = base()
      const { a, book, dispatch, list } = yield* setup("RemindManual")
      const r = yield* Reminders
      const appointment = yield* book(t0 + 48 * HOUR)
      expect(yield* Effect.flip(r.create({ appointmentId: appointment.id, channel: "fax" as never }).pipe(a.asAdmin))).toMatchObject({
        _tag: "ValidationError",
        fields: [{ path: "channel" }]
      })
      const manual = yield* r.create({ appointmentId: appointment.id, channel: "email" }).pipe(a.asAdmin)
      expect([manual.kind, manual.status, manual.offsetMinutes]).toEqual(["manual", "pending", null])
      const { notifier, sent } = recording()
      yield* dispatch(notifier)
      expect(sent.map((m) => [m.reminderId, m.to, m.subject !== null])).toEqual([[manual.id, "rita@example.test", true]])
      expect((yield* list(appointment.id)).length).toBe(3)
      const s = yield* Scheduling
      expect(yield* Effect.flip(s.delete(appointment.id).pipe(a.asAdmin))).toMatchObject({
        _tag: "Conflict",
        reason: { _tag: "has_dependents", counts: { reminders: 3 } }
      })
    }).pipe(atTime(base())))

  it.effect("reminder: recall — patients whose last visit is over 6 months old with nothing upcoming become contacts; one who books drops out", () =>
    Effect.gen(function*() {
      const t0 = base()
      const DAY = 24 * HOUR
      const { a, doctor, dispatch } = yield* setup("Recall")
      const raw = yield* RawAccess
      const patients = yield* Patients
      const make = (i: number) =>
        patients.create({ fullName: `Recall ${i}`, phone: `+44 20 7946 02${10 + i}`, email: `recall${i}@example.test` }).pipe(a.asAdmin)
      const [old, oldBooked, recent, oldBooksLater] = yield* Effect.forEach([1, 2, 3, 4, 5], make)
      let n = 0
      // Each visit at its own hour, so none overlaps another for the one doctor.
      const visit = (patientId: string, day: number) => {
        const start = day + (n++) * HOUR
        return raw.execute(
          `INSERT INTO appointments (clinic_id, id, doctor_id, patient_id, start_at, end_at, busy_start, busy_end, status, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'completed', ?, ?)`,
          [a.clinicId, crypto.randomUUID(), doctor.id, patientId, raw.instant(start), raw.instant(start + 30 * MINUTE), raw.instant(start),
            raw.instant(start + 30 * MINUTE), raw.instant(start), raw.instant(start)]
        )
      }
      yield* visit(old!.id, t0 - 220 * DAY)
      yield* visit(old!.id, t0 - 400 * DAY)
      yield* visit(oldBooked!.id, t0 - 220 * DAY)
      yield* visit(recent!.id, t0 - 400 * DAY)
      yield* visit(recent!.id, t0 - 90 * DAY)
      yield* visit(oldBooksLater!.id, t0 - 200 * DAY)
      const s = yield* Scheduling
      const bookFor = (patientId: string, start: number) =>
        s.book({ doctorId: doctor.id, patientId, start, end: start + 30 * MINUTE, override: true }).pipe(a.asAdmin)
      yield* bookFor(oldBooked!.id, t0 + 5 * DAY)
      const r = yield* Reminders
      expect(yield* Effect.flip(r.createRecall({
        name: "Check-up",
        rule: { monthsSinceLastVisit: 6 },
        channel: "email",
        template: { subject: "Time for a check-up", body: "Dear {{patient.name}}, {{diagnosis}}" }
      }).pipe(a.asAdmin))).toMatchObject({ _tag: "ValidationError", fields: [{ path: "template.body" }] })
      const { campaign, contacts } = yield* r.createRecall({
        name: "Check-up",
        rule: { monthsSinceLastVisit: 6 },
        channel: "email",
        template: { subject: "Time for a check-up", body: "Dear {{patient.name}}, it has been a while. {{clinic.name}}" }
      }).pipe(a.asAdmin)
      // Not: a patient with an upcoming booking, a recent visit, or no visit at all.
      expect(contacts.map((c) => c.patientId).sort()).toEqual([old!.id, oldBooksLater!.id].sort())
      // One of them books before the dispatcher runs: they drop out, in the booking's transaction.
      yield* bookFor(oldBooksLater!.id, t0 + 6 * DAY)
      const listed = yield* r.recallContacts({ campaignId: campaign.id }).pipe(a.asAdmin)
      expect(listed.find((c) => c.patientId === oldBooksLater!.id)).toMatchObject({ status: "cancelled", reason: "booked" })
      const { notifier, sent } = recording()
      yield* dispatch(notifier)
      expect(sent.map((m) => [m.to, m.subject])).toEqual([["recall1@example.test", "Time for a check-up"]])
      expect(sent[0]!.body).toBe("Dear Recall 1, it has been a while. Recall clinic")
      expect((yield* r.recallContacts({ campaignId: campaign.id, statuses: ["sent"] }).pipe(a.asAdmin)).map((c) => c.patientId))
        .toEqual([old!.id])
      // Once booked, a new campaign no longer selects them.
      yield* bookFor(old!.id, t0 + 7 * DAY)
      const again = yield* r.createRecall({ name: "Again", rule: { monthsSinceLastVisit: 6 }, channel: "sms", template: { body: "Hi" } })
        .pipe(a.asAdmin)
      expect(again.contacts).toEqual([])
    }).pipe(atTime(base())))
}

/** The local `YYYY-MM-DD HH:MM` of an instant in a zone (what `{{start.local}}` renders). */
const zonedLocal = (zone: string, t: number) => {
  const parts = new Intl.DateTimeFormat("en-CA", {
    timeZone: zone,
    hourCycle: "h23",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit"
  }).formatToParts(t)
  const get = (type: string) => parts.find((p) => p.type === type)!.value
  return `${get("year")}-${get("month")}-${get("day")} ${get("hour")}:${get("minute")}`
}
