/** Reading columns the same way whichever driver returned them. */
export const ms = (v: unknown): number => (v instanceof Date ? v.getTime() : Number(v))
export const bool = (v: unknown): boolean => v === true || v === 1 || v === 1n
export const json = (v: unknown): unknown => (typeof v === "string" ? JSON.parse(v) : v)
export const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v))
export type Row = Record<string, unknown>
/** Only the kinds with a count above zero (for `Dependents`). */
export const nonZero = (counts: Record<string, unknown>): Readonly<Record<string, number>> =>
  Object.fromEntries(Object.entries(counts).map(([k, v]) => [k, Number(v)] as const).filter(([, v]) => v > 0))
