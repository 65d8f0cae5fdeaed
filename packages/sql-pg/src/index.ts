/**
 * @since 0.1.0
 */
export * as ClinicorePg from "./ClinicorePg.js"
