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

/** The longest text any input field may hold; a schema may say less. */
export const MAX_TEXT = 10_000
/** The most items any input array may hold; a schema may say less. */
export const MAX_ITEMS = 1_000

/**
 * What no input may be, whatever its schema, found in one walk: a string holding a NUL character
 * (Postgres cannot store one; SQLite would, so both adapters refuse it alike), a string longer than
 * `MAX_TEXT`, an array longer than `MAX_ITEMS` (its items are not walked: the work stays bounded).
 */
const boundIssues = (
  input: unknown,
  path: string,
  out: { readonly nul: Array<FieldIssue>; readonly size: Array<FieldIssue> },
  depth = 0
) => {
  const at = path === "" ? "(input)" : path
  if (typeof input === "string") {
    if (input.includes("\u0000")) out.nul.push({ path: at, message: "must not contain a NUL character" })
    if (input.length > MAX_TEXT) out.size.push({ path: at, message: `must be at most ${MAX_TEXT} characters` })
  } else if (Array.isArray(input) && input.length > MAX_ITEMS) {
    out.size.push({ path: at, message: `must have at most ${MAX_ITEMS} items` })
  } else if (typeof input === "object" && input !== null && depth < 16) {
    for (const [key, value] of Object.entries(input)) boundIssues(value, path === "" ? key : `${path}.${key}`, out, depth + 1)
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
  const bounds = boundIssues(input, "", { nul: [], size: [] })
  // Oversized: refused before the schema runs, so such an input costs one walk and no more.
  if (bounds.size.length > 0) return Effect.fail(new ValidationError({ fields: [...bounds.size, ...bounds.nul] }))
  const result = Schema.decodeUnknownEither(schema, { errors: "all", onExcessProperty: "ignore" })(input)
  // One entry per field: a field failing several refinements gets its messages joined.
  const byPath = new Map<string, Array<string>>()
  for (const issue of [...bounds.nul, ...(Either.isLeft(result) ? issuesOf(result.left) : []), ...extra]) {
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
