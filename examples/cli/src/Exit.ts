/**
 * Exit codes: one per error type, so a script can tell them apart without parsing messages.
 * Documented in docs/cli.md; tests assert them.
 */
export const codes = {
  ok: 0,
  unexpected: 1,
  usage: 2,
  ValidationError: 3,
  NotFound: 4,
  PermissionDenied: 5,
  Conflict: 6,
  Unauthenticated: 7,
  Inactive: 8,
  auditBroken: 9,
  ImportRejected: 10
} as const

export type Code = (typeof codes)[keyof typeof codes]
