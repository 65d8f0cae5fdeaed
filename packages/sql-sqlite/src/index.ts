/**
 * @since 0.1.0
 */
export * as ClinicoreSqlite from "./ClinicoreSqlite.js"
