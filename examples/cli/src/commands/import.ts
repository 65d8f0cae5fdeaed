import { readFile } from "node:fs/promises"
import { Import } from "@clinicore/core"
import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as Effect from "effect/Effect"
import { asStaff, print, run, scope, UsageError } from "../Host.js"
import { bar } from "../Progress.js"

/** One line per rejected reason: `line 4, Phone: not a valid phone number`. */
export const rejectedLines = (report: Import.ImportReport): ReadonlyArray<string> =>
  report.rejected.map((r) => `line ${r.line}${r.externalId === null ? "" : ` (ID ${r.externalId})`}, ${r.field}: ${r.reason}`)

const text = (kind: string) => (r: Import.ImportReport) => [
  `imported ${kind} (${r.layout} layout): ${r.rows} row(s) read, ${r.created} created, ${r.unchanged} unchanged, ${new Set(r.rejected.map((x) => x.line)).size} rejected`,
  ...rejectedLines(r).map((l) => `  rejected ${l}`)
]

/**
 * Reads the file and hands it to the library whole (`Import.patients` / `appointments` take the
 * text, at most `Import.MAX_FILE` characters), which validates every row. All or nothing unless
 * `--accept-valid`. The library reports no progress within a file: the bar shows the two steps.
 */
const importCommand = (kind: "patients" | "appointments", description: string) =>
  Command.make(kind, {
    ...scope,
    file: Args.file({ name: "file", exists: "yes" }).pipe(Args.withDescription("The CSV file (UTF-8)")),
    acceptValid: Options.boolean("accept-valid").pipe(
      Options.withDescription("Write the valid rows and report the others (default: any rejected row refuses the whole file)")
    )
  }, (o) =>
    run(
      o,
      Effect.scoped(Effect.gen(function*() {
        const progress = yield* bar(o, `importing ${kind}`, 2)
        yield* progress.update(0, `reading ${o.file}`)
        const csv = yield* Effect.tryPromise({
          try: () => readFile(o.file, "utf8"),
          catch: (e) => new UsageError({ message: `cannot read ${o.file}: ${(e as Error).message}` })
        })
        yield* progress.update(1, "validating and writing")
        const service = yield* Import.Import
        const report = yield* service[kind]({ csv, mode: o.acceptValid ? "accept_valid" : "all_or_nothing" }).pipe(asStaff(o))
        yield* progress.update(2, "done")
        return report
      })).pipe(Effect.flatMap((r) => print(o, r, text(kind))))
    )).pipe(Command.withDescription(description))

export const importCommandGroup = Command.make("import").pipe(
  Command.withDescription("Import patients or appointment history from CSV (all or nothing unless --accept-valid)"),
  Command.withSubcommands([
    importCommand("patients", "Import patients from a CSV file (ID, Full Name, Phone required)"),
    importCommand("appointments", "Import appointments (past and future) from a CSV file, matched to patients and doctors")
  ])
)
