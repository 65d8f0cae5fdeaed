/**
 * A table as CSV (RFC 4180, through csv-stringify): a header row, then one row per record. Text
 * that a spreadsheet would run as a formula is neutralised: a text cell starting with `=`, `+`,
 * `-`, `@`, a tab or a carriage return gets a leading `'`. Numbers and the library's own decimals
 * are written as they are.
 */
import { stringify } from "csv-stringify/sync"
import type { Cell, Table } from "../../Report.js"

const formulaStart = /^[=+\-@\t\r]/

/** A text cell a spreadsheet will show as text. */
export const neutralise = (text: string): string => (formulaStart.test(text) ? `'${text}` : text)

const cell = (c: Cell): string => {
  if (c === null) return ""
  if (typeof c === "number") return String(c)
  if (typeof c === "string") return neutralise(c)
  return c.decimal
}

/** The table as CSV text, CRLF line ends, every line ended. */
export const toCsv = (table: Table): string =>
  stringify([table.header.map(neutralise), ...table.rows.map((row) => row.map(cell))], { record_delimiter: "windows" })
