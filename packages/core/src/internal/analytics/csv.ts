/**
 * A report's table as CSV (RFC 4180, through csv-stringify): a header row, then one row per record.
 * Text cells are neutralised by `Csv.neutralize` (the one rule for every CSV the library writes);
 * numbers and the library's own decimals are written as they are (a negative amount stays a number).
 */
import { stringify } from "csv-stringify/sync"
import { neutralize } from "../../Csv.js"
import type { Cell, Table } from "../../Report.js"

const cell = (c: Cell): string => {
  if (c === null) return ""
  if (typeof c === "number") return String(c)
  if (typeof c === "string") return neutralize(c)
  return c.decimal
}

/** The table as CSV text, CRLF line ends, every line ended. */
export const toCsv = (table: Table): string =>
  stringify([table.header.map(neutralize), ...table.rows.map((row) => row.map(cell))], { record_delimiter: "windows" })
