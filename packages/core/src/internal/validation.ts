import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { type FieldIssue, ValidationError } from "../Errors.js"

/** Fields whose value must never be repeated in an error message. */
const sensitive = new Set(["nationalId", "password"])

const issuesOf = (error: ParseResult.ParseError): Array<FieldIssue> =>
  ParseResult.ArrayFormatter.formatErrorSync(error).map((issue) => {
    const path = issue.path.map(String).join(".")
    const last = String(issue.path[issue.path.length - 1] ?? "")
    return {
      path: path === "" ? "(input)" : path,
      message: issue._tag === "Missing"
        ? "is required"
        : sensitive.has(last)
        ? "is invalid"
        : issue.message
    }
  })

/**
 * The paths of strings holding a NUL character anywhere in `input`: refused for every input, so
 * both adapters answer alike (Postgres cannot store one in text; SQLite would).
 */
const nulPaths = (input: unknown, path: string, out: Array<FieldIssue>, depth = 0): Array<FieldIssue> => {
  if (typeof input === "string") {
    if (input.includes("\u0000")) out.push({ path: path === "" ? "(input)" : path, message: "must not contain a NUL character" })
  } else if (typeof input === "object" && input !== null && depth < 16) {
    for (const [key, value] of Object.entries(input)) nulPaths(value, path === "" ? key : `${path}.${key}`, out, depth + 1)
  }
  return out
}

/**
 * Decodes `input` with `schema`, collecting every bad field together with the `extra` issues found
 * by checks that need context (the clinic's phone region, today's date). Nothing runs after a
 * failure, so nothing is written.
 */
export const decode = <A, I>(
  schema: Schema.Schema<A, I, never>,
  input: unknown,
  extra: ReadonlyArray<FieldIssue> = []
): Effect.Effect<A, ValidationError> => {
  const result = Schema.decodeUnknownEither(schema, { errors: "all", onExcessProperty: "ignore" })(input)
  // One entry per field: a field failing several refinements gets its messages joined.
  const byPath = new Map<string, Array<string>>()
  for (const issue of [...nulPaths(input, "", []), ...(Either.isLeft(result) ? issuesOf(result.left) : []), ...extra]) {
    const messages = byPath.get(issue.path) ?? []
    if (!messages.includes(issue.message)) messages.push(issue.message)
    byPath.set(issue.path, messages)
  }
  const issues = [...byPath].map(([path, messages]) => ({ path, message: messages.join("; ") }))
  return issues.length > 0 || Either.isLeft(result)
    ? Effect.fail(new ValidationError({ fields: issues }))
    : Effect.succeed(result.right)
}

/** A single-field validation failure. */
export const invalid = (path: string, message: string) => new ValidationError({ fields: [{ path, message }] })

/** Reads a string field of raw input, if it is one (for context checks that run beside decoding). */
export const rawString = (input: unknown, key: string): string | undefined => {
  if (typeof input !== "object" || input === null) return undefined
  const value = (input as Record<string, unknown>)[key]
  return typeof value === "string" ? value : undefined
}
