/**
 * `pnpm cli <command>`: the clinicore CLI, a thin host over the library. Every command decodes its
 * arguments, calls one service (as the platform for clinic creation, else as a named staff user)
 * and prints the result; errors leave with one exit code per type (see Exit.ts and docs/cli.md).
 */
import * as Command from "@effect/cli/Command"
import * as ValidationErrorCli from "@effect/cli/ValidationError"
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Cause from "effect/Cause"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Logger from "effect/Logger"
import * as Option from "effect/Option"
import type { Import } from "@clinicore/core"
import { commands } from "./commands/index.js"
import { rejectedLines } from "./commands/import.js"
import { codes } from "./Exit.js"

const root = Command.make("clinicore").pipe(
  Command.withDescription("Operate clinicore from a terminal: SQLite file (--db) or Postgres (DATABASE_URL)"),
  Command.withSubcommands(commands)
)

const cli = Command.run(root, { name: "clinicore", version: "0.1.0" })

const json = process.argv.includes("--json")
const plain = (text: string) => text.replace(/\u001b\[[0-9;]*m/g, "").trim()

/** With `--json`, @effect/cli's own error text is kept for the JSON error instead of printed. */
const captured: Array<string> = []
const capture = <A, E, R>(self: Effect.Effect<A, E, R>) =>
  Console.consoleWith((console) =>
    Effect.withConsole(self, {
      ...console,
      error: (...args: ReadonlyArray<unknown>) => Effect.sync(() => void captured.push(args.map(String).join(" ")))
    })
  )

const domainTags = ["ValidationError", "NotFound", "PermissionDenied", "Conflict", "Unauthenticated", "Inactive"] as const

const fail = (code: number, type: string, message: string, details: Record<string, unknown> = {}) =>
  Effect.sync(() => {
    process.stderr.write(
      json ? `${JSON.stringify({ error: { type, message, exitCode: code, ...details } })}\n` : `error: ${message}\n`
    )
    return code
  })

const report = (cause: Cause.Cause<unknown>): Effect.Effect<number> => {
  if (Cause.isInterruptedOnly(cause)) return Effect.succeed(130)
  const failure = Cause.failureOption(cause)
  if (Option.isNone(failure)) return unexpected(cause)
  const error = failure.value as { readonly _tag?: string; readonly message?: string }
  if (ValidationErrorCli.isValidationError(error)) {
    // Help requested or a usage mistake: @effect/cli printed the help or the problem already.
    return json
      ? fail(codes.usage, "UsageError", plain(captured.join("\n")) || error._tag)
      : Effect.succeed(codes.usage)
  }
  if (error._tag === "UsageError") return fail(codes.usage, "UsageError", String(error.message))
  if (error._tag === "ImportRejected") {
    // Nothing was written: every rejected row on stderr (in the JSON error's `report` with --json).
    const { report } = error as unknown as { readonly report: Import.ImportReport }
    return fail(codes.ImportRejected, "ImportRejected", String(error.message), { report }).pipe(
      Effect.tap(() => {
        if (!json) process.stderr.write(rejectedLines(report).map((l) => `rejected ${l}\n`).join(""))
      })
    )
  }
  const tag = domainTags.find((t) => t === error._tag)
  if (tag !== undefined) {
    const { _tag, ...details } = { ...error } as Record<string, unknown>
    // The library says no more than "unauthenticated" (it does not tell which part was wrong).
    const message = tag === "Unauthenticated"
      ? `${error.message}: no active account with that --as email in that --clinic`
      : String(error.message)
    return fail(codes[tag], tag, message, details)
  }
  return unexpected(cause)
}

/** A defect or an infrastructure failure (a database that cannot be reached): its first line, and the whole cause. */
const unexpected = (cause: Cause.Cause<unknown>) => {
  const pretty = Cause.pretty(cause)
  return json ? fail(codes.unexpected, "Unexpected", pretty.split("\n")[0]!, { cause: pretty }) : fail(codes.unexpected, "Unexpected", pretty)
}

const program = cli(process.argv).pipe(
  Effect.as(codes.ok as number),
  Effect.catchAllCause(report),
  json ? capture : (self) => self,
  // Logs (a clinic the dispatcher skipped, say) go to stderr: stdout carries only the result.
  Effect.provide(Logger.replace(Logger.defaultLogger, Logger.withConsoleError(Logger.logfmtLogger))),
  Effect.provide(NodeContext.layer)
)

NodeRuntime.runMain(program, {
  disableErrorReporting: true,
  teardown: (exit, onExit) =>
    onExit(Exit.isSuccess(exit) ? (exit.value as number) : Cause.isInterruptedOnly(exit.cause) ? 130 : codes.unexpected)
})
