/**
 * @since 0.1.0
 */
export * as ClinicorePg from "./ClinicorePg.js"
export * as Tenancy from "./Tenancy.js"
