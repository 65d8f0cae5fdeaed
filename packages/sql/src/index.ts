/**
 * @since 0.1.0
 */
export * as AnalyticsRepository from "./AnalyticsRepository.js"
export * as BillingRepository from "./BillingRepository.js"
export * as Dialect from "./Dialect.js"
export * as Repositories from "./Repositories.js"
export * as SessionRepository from "./SessionRepository.js"
