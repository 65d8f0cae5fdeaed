/**
 * CSV as clinicore writes and reads it: RFC 4180 (through `csv-stringify` / `csv-parse`), a header
 * row, CRLF line ends, instants in ISO 8601 UTC, and every cell neutralised against formula
 * injection.
 *
 * Neutralising: a cell that a spreadsheet could run as a formula (its first character `=`, `+`,
 * `-`, `@`, a tab or a carriage return) is written with a leading apostrophe, as is a cell that
 * itself starts with an apostrophe. Reading strips exactly one leading apostrophe when the next
 * character is one of those, so what an export wrote reads back exactly.
 *
 * @since 0.2.0
 */
import { stringify } from "csv-stringify/sync"

const triggers = new Set(["=", "+", "-", "@", "\t", "\r", "'"])

/**
 * The cell as written: prefixed with `'` when it starts with `=`, `+`, `-`, `@`, tab, CR or `'`.
 *
 * @since 0.2.0 @category neutralising
 */
export const neutralize = (cell: string): string => cell.length > 0 && triggers.has(cell[0]!) ? `'${cell}` : cell

/**
 * The cell as it was before `neutralize`: one leading `'` removed when a neutralised character
 * follows it. A foreign file's `'abc` stays as it is.
 *
 * @since 0.2.0 @category neutralising
 */
export const restore = (cell: string): string => cell.length > 1 && cell[0] === "'" && triggers.has(cell[1]!) ? cell.slice(1) : cell

/**
 * Whether a spreadsheet could read the cell as a formula (the property `neutralize` guarantees
 * false for every cell it wrote).
 *
 * @since 0.2.0 @category neutralising
 */
export const isFormulaLike = (cell: string): boolean => cell.length > 0 && "=+-@\t\r".includes(cell[0]!)

/** A cell value before neutralising: `null` is an empty cell, numbers are written as they are. @since 0.2.0 @category models */
export type Cell = string | number | null

/** An instant as written: ISO 8601 in UTC with milliseconds. @since 0.2.0 @category formatting */
export const instant = (epochMs: number | null): string | null => epochMs === null ? null : new Date(epochMs).toISOString()

/**
 * Lines of CSV for `rows` (and the header first when given), RFC 4180 with CRLF, each cell
 * neutralised.
 *
 * @since 0.2.0 @category formatting
 */
export const lines = (rows: ReadonlyArray<ReadonlyArray<Cell>>): string =>
  rows.length === 0 ? "" : stringify(
    rows.map((row) => row.map((cell) => cell === null ? "" : typeof cell === "number" ? String(cell) : neutralize(cell))),
    { record_delimiter: "\r\n", quoted_match: /[\r\n]/ }
  )

/**
 * The headers of clinicore's exports. Patients and appointments begin with CareNova's headers so
 * its users recognise the files; clinicore's own columns follow.
 *
 * @since 0.2.0 @category layouts
 */
export const headers = {
  patients: ["ID", "Full Name", "Email", "Phone", "Date of Birth", "Gender", "Blood Group", "Address", "Created At"],
  appointments: [
    "ID",
    "Patient Name",
    "Doctor Name",
    "Start Time",
    "End Time",
    "Status",
    "Notes",
    "Patient ID",
    "Patient Phone",
    "Doctor ID",
    "Service ID",
    "Cancel Reason",
    "Sequence",
    "Created At"
  ],
  invoices: [
    "ID",
    "Number",
    "Patient ID",
    "Patient Name",
    "Appointment ID",
    "Status",
    "Currency",
    "Subtotal",
    "Tax",
    "Total",
    "Paid",
    "Balance",
    "Issued At",
    "Due Date",
    "Created At"
  ],
  payments: [
    "ID",
    "Invoice ID",
    "Invoice Number",
    "Appointment ID",
    "Amount",
    "Refunded",
    "Currency",
    "Method",
    "Status",
    "Provider Reference",
    "Paid At",
    "Created At"
  ]
} as const
