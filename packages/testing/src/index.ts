/**
 * @since 0.1.0
 */
export * as Arbitraries from "./Arbitraries.js"
export * as BillingArbitraries from "./BillingArbitraries.js"
export * as Conformance from "./Conformance.js"
export * as Fixtures from "./Fixtures.js"
export * as RawAccess from "./RawAccess.js"
export * as SchedulingModel from "./SchedulingModel.js"
export * as Twin from "./Twin.js"
