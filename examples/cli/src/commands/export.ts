import { createWriteStream, openSync, renameSync, rmSync, type WriteStream } from "node:fs"
import { type Actor, Export } from "@clinicore/core"
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import { asStaff, type Common, print, run, scope, UsageError } from "../Host.js"
import { bar } from "../Progress.js"

/**
 * `--range`: `today`, `this_week`, `this_month`, or `YYYY-MM-DD..YYYY-MM-DD` (local dates of the
 * clinic, both included). Anything else is passed on as it is, for the library to name what is wrong.
 */
const range = (raw: string): unknown => {
  const [from, to, ...rest] = raw.split("..")
  return to !== undefined && rest.length === 0 ? { from, to } : raw
}

const filters = {
  status: Options.text("status").pipe(
    Options.withDescription("Keep only this status (repeat it for several)"),
    Options.repeated
  ),
  range: Options.text("range").pipe(
    Options.withDescription("today, this_week, this_month or YYYY-MM-DD..YYYY-MM-DD (the clinic's local dates, both included)"),
    Options.optional
  ),
  out: Options.text("out").pipe(Options.withDescription("Write to this file (default: stdout)"), Options.optional)
}

const doctor = Options.text("doctor").pipe(Options.withDescription("Only this doctor's appointments (id)"), Options.optional)

type Out = Common & { readonly out: Option.Option<string> }

type Filters = Out & {
  readonly status: ReadonlyArray<string>
  readonly range: Option.Option<string>
}

const given = <K extends string>(key: K, value: unknown): { [P in K]?: unknown } =>
  value === undefined || (Array.isArray(value) && value.length === 0) ? {} : ({ [key]: value } as { [P in K]?: unknown })

const input = (o: Filters, extra: Record<string, unknown> = {}) => ({
  ...given("statuses", o.status),
  ...given("range", Option.getOrUndefined(Option.map(o.range, range))),
  ...extra
})

/** Writes `text` and waits for the stream to drain when its buffer is full (a slow disk or pipe slows the export down). */
const write = (to: NodeJS.WritableStream, text: string): Effect.Effect<void, Error> =>
  Effect.async<void, Error>((resume) => {
    const onError = (e: Error) => resume(Effect.fail(e))
    to.once("error", onError)
    const done = () => {
      to.removeListener("error", onError)
      resume(Effect.void)
    }
    if (to.write(text)) done()
    else to.once("drain", done)
  })

/** Opens `<file>.partial` at once, so a path that cannot be written is a usage error before any work. */
const open = (partial: string, file: string): Effect.Effect<WriteStream, UsageError> =>
  Effect.try({
    try: () => {
      const stream = createWriteStream(partial, { fd: openSync(partial, "w") })
      // Errors after opening reach the pending write through its own listener; this keeps a late one from crashing the process.
      stream.on("error", () => {})
      return stream
    },
    catch: (e) => new UsageError({ message: `cannot write --out ${file}: ${(e as Error).message}` })
  })

const close = (to: WriteStream): Effect.Effect<void, Error> =>
  Effect.async<void, Error>((resume) => {
    to.end((e?: Error | null) => resume(e ? Effect.fail(e) : Effect.void))
  })

/**
 * Counts CSV records in chunks as they pass: line ends outside quoted cells (a quoted cell may hold
 * a line break). Presentation only: how many rows the progress bar and the summary show.
 */
interface Counter {
  readonly add: (text: string) => void
  readonly rows: () => number
}

/** CSV data rows: records after the header. */
const csvRows = (): Counter => {
  let quoted = false
  let records = 0
  return {
    add: (text) => {
      for (let i = 0; i < text.length; i++) {
        const c = text.charCodeAt(i)
        if (c === 34) quoted = !quoted
        else if (c === 10 && !quoted) records++
      }
    },
    rows: () => Math.max(0, records - 1)
  }
}

/** iCalendar events. */
const events = (): Counter => {
  let n = 0
  return { add: (text) => void (n += text.split("BEGIN:VEVENT").length - 1), rows: () => n }
}

export interface Summary {
  readonly kind: string
  readonly rows: number
  readonly bytes: number
  readonly file: string | null
}

/**
 * Streams `chunks` to `--out` (written to `<file>.partial`, renamed when complete, removed on
 * failure) or to stdout, chunk by chunk: nothing is held in memory. A bar of rows written is drawn
 * on a terminal when writing to a file.
 */
const save = <E, R>(o: Out, kind: string, chunks: Stream.Stream<string, E, R>, counter: Counter) =>
  Effect.scoped(Effect.gen(function*() {
    const file = Option.getOrUndefined(o.out)
    const progress = file === undefined ? undefined : yield* bar(o, `exporting ${kind}`, 0)
    const partial = file === undefined ? undefined : `${file}.partial`
    const fileStream = partial === undefined ? undefined : yield* open(partial, file!)
    const target: NodeJS.WritableStream = fileStream ?? process.stdout
    if (fileStream !== undefined && partial !== undefined) {
      yield* Effect.addFinalizer((exit) =>
        exit._tag === "Failure"
          ? Effect.sync(() => {
            fileStream.destroy()
            rmSync(partial, { force: true })
          })
          : Effect.void
      )
    }
    let bytes = 0
    yield* Stream.runForEach(chunks, (text) =>
      Effect.gen(function*() {
        yield* write(target, text)
        bytes += Buffer.byteLength(text, "utf8")
        counter.add(text)
        const rows = counter.rows()
        if (progress !== undefined) yield* progress.update(rows, "rows", rows)
      }))
    if (fileStream !== undefined && partial !== undefined && file !== undefined) {
      yield* close(fileStream)
      yield* Effect.sync(() => renameSync(partial, file))
    }
    return { kind, rows: counter.rows(), bytes, file: file ?? null } satisfies Summary
  }))

/**
 * The summary: with `--out`, on stdout (a line, or the JSON document with `--json`); without, stdout
 * carries the export itself, so only `--json` adds the summary, as a JSON line on stderr.
 */
const summarise = (o: Out, s: Summary) =>
  s.file !== null
    ? print(o, s, (x) => `exported ${x.rows} ${x.kind === "calendar" ? "event(s)" : "row(s)"} (${x.bytes} bytes) to ${x.file}`)
    : o.json
    ? Effect.sync(() => void process.stderr.write(`${JSON.stringify(s)}\n`))
    : Effect.void

const csvCommand = (
  name: "patients" | "appointments" | "invoices" | "payments",
  description: string,
  call: (service: Export.Export, o: Filters & { readonly doctor?: Option.Option<string> }) => Stream.Stream<string, Export.ExportError, Actor.Actor>
) =>
  Command.make(name, { ...scope, ...filters, ...(name === "appointments" ? { doctor } : {}) }, (o) =>
    run(
      o,
      Effect.flatMap(Export.Export, (service) => save(o, name, call(service, o), csvRows())).pipe(
        asStaff(o),
        Effect.flatMap((s) => summarise(o, s))
      )
    )).pipe(Command.withDescription(description))

/* The library decodes the filters: a status or range it does not know is its ValidationError. */
const patients = csvCommand("patients", "Patients created in --range (all by default) as CSV, newest first", (s, o) =>
  s.patients(input(o) as Export.PatientExport))
const appointments = csvCommand("appointments", "Appointments starting in --range, with --status, of --doctor, as CSV", (s, o) =>
  s.appointments(input(o, given("doctorId", Option.getOrUndefined(o.doctor ?? Option.none()))) as Export.AppointmentExport))
const invoices = csvCommand("invoices", "Invoices created in --range with --status, as CSV", (s, o) =>
  s.invoices(input(o) as Export.InvoiceExport))
const payments = csvCommand("payments", "Payments created in --range with --status, as CSV", (s, o) =>
  s.payments(input(o) as Export.PaymentExport))

const calendar = Command.make("calendar", {
  ...scope,
  doctor: Options.text("doctor").pipe(Options.withDescription("The doctor's id")),
  range: Options.text("range").pipe(
    Options.withDescription("today, this_week, this_month or YYYY-MM-DD..YYYY-MM-DD (at most 366 days)")
  ),
  out: filters.out
}, (o) =>
  run(
    o,
    Effect.flatMap(Export.Export, (service) =>
      save(
        o,
        "calendar",
        Stream.fromEffect(service.calendar({ doctorId: o.doctor, range: range(o.range) } as Export.CalendarExport)),
        events()
      )).pipe(
        asStaff(o),
        Effect.flatMap((s) => summarise(o, s))
      )
  )).pipe(Command.withDescription("A doctor's appointments in --range as iCalendar (.ics)"))

export const exportCommand = Command.make("export").pipe(
  Command.withDescription("Export: patients, appointments, invoices, payments as CSV (streamed), a doctor's calendar as .ics"),
  Command.withSubcommands([patients, appointments, invoices, payments, calendar])
)
