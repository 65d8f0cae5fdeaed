/**
 * The adapter conformance suite: the same behaviour, errors and guarantees on every storage
 * adapter. An adapter's test file calls `suite(name, layer)` with a layer that provides its
 * `Storage` on a fresh database, `RawAccess` to that database, a `Twin` (a second `Storage` on the
 * same database, as another process would have) and a `FieldCrypto`.
 *
 * @since 0.1.0
 */
import * as Clinicore from "@clinicore/core/Clinicore"
import type { AnalyticsStorage } from "@clinicore/core/AnalyticsStorage"
import type { BillingStorage } from "@clinicore/core/BillingStorage"
import type { FieldCrypto } from "@clinicore/core/FieldCrypto"
import type { Storage } from "@clinicore/core/Storage"
import { layer } from "@effect/vitest"
import type * as Layer from "effect/Layer"
import { access } from "./internal/conformance/access.js"
import { analytics } from "./internal/conformance/analytics.js"
import { auditTrail } from "./internal/conformance/audit.js"
import { billing, concurrentIssues as issueRace } from "./internal/conformance/billing.js"
import { booking } from "./internal/conformance/booking.js"
import { privilege } from "./internal/conformance/privilege.js"
import { publicRequests } from "./internal/conformance/publicRequests.js"
import { model } from "./internal/conformance/model.js"
import { exportImport } from "./internal/conformance/exportImport.js"
import { hostileInput, hostileOutcomes } from "./internal/conformance/hostile.js"
import { concurrentInserts as overlapRace, overlap } from "./internal/conformance/overlap.js"
import { reminders } from "./internal/conformance/reminders.js"
import { scheduling } from "./internal/conformance/scheduling.js"
import { tenancy } from "./internal/conformance/tenancy.js"
import type { RawAccess } from "./RawAccess.js"
import type { Twin } from "./Twin.js"

/** @since 0.1.0 @category models */
export interface SuiteOptions {
  /** Runs of the cross-clinic property test (at least 200 in CI). */
  readonly propertyRuns?: number
  /** Runs of the model-based scheduling test. */
  readonly modelRuns?: number
  /** Runs of the listable ⇔ bookable property. */
  readonly bookingRuns?: number
  /** Runs of the model-based billing test (`modelRuns` when absent). */
  readonly billingModelRuns?: number
  /** Runs of the analytics reference property (aging, utilisation, no-shows). */
  readonly analyticsRuns?: number
}

/**
 * Registers the conformance suite for one adapter.
 *
 * @since 0.1.0 @category suite
 */
export const suite = <E>(
  name: string,
  adapter: Layer.Layer<Storage | BillingStorage | AnalyticsStorage | RawAccess | FieldCrypto | Twin, E>,
  options: SuiteOptions = {}
) =>
  layer(adapter, { timeout: "120 seconds", excludeTestServices: true })(name, (it) => {
    it.layer(Clinicore.layer)((it) => {
      tenancy(it, options)
      access(it)
      privilege(it)
      auditTrail(it)
      scheduling(it)
      booking(it, options.bookingRuns ?? 40)
      publicRequests(it)
      overlap(it)
      model(it, options.modelRuns ?? 30)
      billing(it, { modelRuns: options.billingModelRuns ?? options.modelRuns ?? 30 })
      reminders(it)
      exportImport(it)
      analytics(it, options.analyticsRuns ?? 15)
      hostileInput(it)
    })
  })

/**
 * The part of the no-overlap guarantee the suite cannot run for an adapter, since it depends on the
 * connections the adapter's own test opens: 200 overlapping appointments for one doctor, written
 * concurrently by `write` (by default through the `Storage` in context, in a transaction of the
 * clinic). Each must commit or be refused `slot_taken` naming committed ones, with no defect or
 * interruption, and none of those stored may overlap. Needs the services of `Clinicore.layer`.
 *
 * @since 0.1.0 @category suite
 */
export const concurrentInserts = overlapRace

/**
 * The gap-free numbering guarantee under concurrent issuers, which an adapter's own test runs over
 * the connections it opens: 100 drafts of one clinic issued at once by `issue` (by default through
 * the `Billing` in context), plus 20 second attempts that fail after drawing a number. Exactly 100
 * succeed, numbered 1…100 with no gap and no duplicate, and nothing ends in a defect. Needs the
 * services of `Clinicore.layer`.
 *
 * @since 0.1.0 @category suite
 */
export const concurrentIssues = issueRace

/**
 * Every service method called with every hostile value the suite sends, in `clinic` (as its admin;
 * the platform's operations as the platform): each call's outcome (`ok`, an error tag or `defect`)
 * and the violations found. Running it on two adapters and comparing the outcomes shows they
 * answer bad input alike. Needs the services of `Clinicore.layer` and `RawAccess`.
 *
 * @since 0.1.0 @category suite
 */
export const hostileInputOutcomes = hostileOutcomes
