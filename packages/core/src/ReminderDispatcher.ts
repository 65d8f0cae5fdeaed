/**
 * The reminder dispatcher of an installation: each round finds the clinics that have reminders
 * due (the one cross-clinic read) and runs a dispatch round in each, as that clinic's system
 * principal, so every clinic is covered and every call is checked and scoped like any other.
 * Run one per process, on as many hosts as wanted: claims are leased, and on Postgres taken with
 * `FOR UPDATE SKIP LOCKED`, so workers share the work and never send a reminder twice.
 *
 * @since 0.1.0
 */
import { randomUUID } from "node:crypto"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Schedule from "effect/Schedule"
import * as Actor from "./Actor.js"
import type { ClinicId } from "./Ids.js"
import { remindersOf } from "./internal/reminders/outbox.js"
import { type DispatchOptions, type DispatchReport, Reminders } from "./Reminders.js"
import { Storage } from "./Storage.js"

/** @since 0.1.0 @category models */
export interface Options extends DispatchOptions {
  /** How many clinics one round visits at most (default 1000). */
  readonly clinicsPerRound?: number | undefined
  /** The pause between rounds of `run` (default 15 seconds). */
  readonly interval?: Duration.DurationInput | undefined
}

/** The job name the dispatcher's system principal carries (audit `actorId`). @since 0.1.0 @category models */
export const job = "reminder-dispatcher"

/** A report of nothing done. @since 0.1.0 @category reports */
export const zero: DispatchReport = { claimed: 0, sent: 0, retried: 0, failed: 0, cancelled: 0, skipped: 0, reconcile: 0 }

/** Two rounds' reports added up. @since 0.1.0 @category reports */
export const add = (a: DispatchReport, b: DispatchReport): DispatchReport => ({
  claimed: a.claimed + b.claimed,
  sent: a.sent + b.sent,
  retried: a.retried + b.retried,
  failed: a.failed + b.failed,
  cancelled: a.cancelled + b.cancelled,
  skipped: a.skipped + b.skipped,
  reconcile: a.reconcile + b.reconcile
})

/**
 * One round over every clinic with due reminders. A clinic that refuses (deactivated) is logged
 * by id and skipped; it does not stop the others.
 *
 * @since 0.1.0 @category constructors
 */
export const runOnce = (options: Options): Effect.Effect<DispatchReport, never, Storage | Reminders> =>
  Effect.gen(function*() {
    const storage = yield* Storage
    const reminders = yield* Reminders
    const repo = yield* remindersOf(storage)
    const owner = options.owner ?? `${job}-${randomUUID()}`
    const now = yield* Clock.currentTimeMillis
    const clinics = yield* repo.dueClinics(now, options.clinicsPerRound ?? 1000)
    let report = zero
    for (const clinicId of clinics) {
      const one = yield* reminders.dispatch({ ...options, owner }).pipe(
        Actor.withSystem(clinicId as ClinicId, job),
        Effect.catchAll((e) =>
          Effect.as(Effect.logWarning("reminder dispatch refused in a clinic").pipe(Effect.annotateLogs({ clinicId, error: e._tag })), zero)
        )
      )
      report = add(report, one)
    }
    return report
  }).pipe(Effect.withSpan("ReminderDispatcher.runOnce"))

/**
 * Rounds forever, `interval` apart; interrupt the fiber to stop (a round in progress finishes its
 * current delivery transaction's rollback; its claims are taken over after their lease).
 *
 * @since 0.1.0 @category constructors
 */
export const run = (options: Options): Effect.Effect<never, never, Storage | Reminders> =>
  Effect.repeat(runOnce(options), Schedule.spaced(options.interval ?? Duration.seconds(15))).pipe(
    Effect.zipRight(Effect.never)
  )
