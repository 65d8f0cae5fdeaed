/**
 * The Analytics service: a clinic's dashboard for a range of its local dates, its reports
 * (revenue by period, doctor and service; receivables by age; no-shows; utilisation; expenses and
 * net) and any report as CSV. Every figure is scoped to the actor's clinic and aggregated by the
 * database; the rules (which statuses count, periods and aging in the clinic's zone) live in
 * `Report` and `Period`.
 *
 * @since 0.1.0
 */
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type { Actor } from "./Actor.js"
import { AnalyticsStorage } from "./AnalyticsStorage.js"
import type { Inactive, PermissionDenied, Unauthenticated, ValidationError } from "./Errors.js"
import { FieldCrypto } from "./FieldCrypto.js"
import { toCsv } from "./internal/analytics/csv.js"
import * as Build from "./internal/analytics/reports.js"
import { clinicOperation, type Deps } from "./internal/operation.js"
import { decode } from "./internal/validation.js"
import { type Dashboard, DashboardInput, ReportInput, type ReportOf, table } from "./Report.js"
import { Storage } from "./Storage.js"

type Failure = ValidationError | PermissionDenied | Inactive | Unauthenticated

/** @since 0.1.0 @category models */
export interface Analytics {
  /** `analytics.dashboard`: the clinic's counters for local dates `from` to `to` (both included). */
  readonly dashboard: (input: DashboardInput) => Effect.Effect<Dashboard, Failure, Actor>
  /** `analytics.reports`: one report, of the kind the input names. */
  readonly report: <I extends ReportInput>(input: I) => Effect.Effect<ReportOf<I["kind"]>, Failure, Actor>
  /** `analytics.export`: one report as CSV (header row, formula-safe cells, ISO instants). */
  readonly exportReport: (input: ReportInput) => Effect.Effect<string, Failure, Actor>
}

/** @since 0.1.0 @category tags */
export const Analytics: Context.Tag<Analytics, Analytics> = Context.GenericTag<Analytics>("@clinicore/core/Analytics")

/** @since 0.1.0 @category constructors */
export const make: Effect.Effect<Analytics, never, Storage | AnalyticsStorage | FieldCrypto> = Effect.gen(function*() {
  const deps: Deps = { storage: yield* Storage, fieldCrypto: yield* FieldCrypto }
  const ports = { storage: deps.storage, analytics: yield* AnalyticsStorage }
  const build = (clinic: Parameters<typeof Build.report>[1], input: ReportInput) =>
    Effect.gen(function*() {
      const valid = yield* decode(ReportInput, input)
      return yield* Build.report(ports, clinic, valid, yield* Clock.currentTimeMillis)
    })
  return {
    dashboard: (input) =>
      clinicOperation(deps, "Analytics.dashboard", ({ clinic }) =>
        Effect.gen(function*() {
          const valid = yield* decode(DashboardInput, input)
          return yield* Build.dashboard(ports.analytics, clinic, valid.from, valid.to, yield* Clock.currentTimeMillis)
        }), () => null),
    report: <I extends ReportInput>(input: I) =>
      clinicOperation(deps, "Analytics.report", ({ clinic }) => build(clinic, input), () => null) as Effect.Effect<
        ReportOf<I["kind"]>,
        Failure,
        Actor
      >,
    exportReport: (input) =>
      clinicOperation(
        deps,
        "Analytics.exportReport",
        ({ clinic }) => Effect.map(build(clinic, input), (report) => toCsv(table(report))),
        () => Build.kindOf(input)
      )
  }
})

/** @since 0.1.0 @category layers */
export const layer: Layer.Layer<Analytics, never, Storage | AnalyticsStorage | FieldCrypto> = Layer.effect(Analytics, make)
