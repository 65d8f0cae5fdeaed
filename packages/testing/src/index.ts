/**
 * @since 0.1.0
 */
export * as RawAccess from "./RawAccess.js"
