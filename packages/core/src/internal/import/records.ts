/**
 * Reading an import file with `csv-parse` (RFC 4180, any line ends, a BOM ignored): the header
 * and the records, each with the line it starts on; cells restored from export's neutralising.
 */
import { parse } from "csv-parse/sync"
import { restore } from "../../Csv.js"
import { ValidationError } from "../../Errors.js"

export interface Record {
  readonly line: number
  readonly cells: ReadonlyArray<string>
}

export const read = (text: string): { readonly header: ReadonlyArray<string>; readonly records: ReadonlyArray<Record> } | ValidationError => {
  let parsed: Array<{ record: Array<string>; raw: string }>
  try {
    parsed = parse(text, { bom: true, raw: true, relax_column_count: true }) as unknown as Array<{ record: Array<string>; raw: string }>
  } catch (error) {
    return new ValidationError({ fields: [{ path: "csv", message: `is not valid CSV: ${error instanceof Error ? error.message : String(error)}` }] })
  }
  if (parsed.length === 0) return new ValidationError({ fields: [{ path: "csv", message: "is empty: a header row is required" }] })
  const records: Array<Record> = []
  let line = 1
  for (const { raw, record } of parsed) {
    if (line > 1 && record.some((cell) => cell.trim() !== "")) records.push({ line, cells: record.map(restore) })
    // `raw` may or may not end with the record's own line end, depending on the file's line ends.
    line += (raw.replace(/\r?\n$|\r$/, "").match(/\n/g)?.length ?? 0) + 1
  }
  return { header: parsed[0]!.record, records }
}
