/** Half-open intervals `[start, end)` of epoch milliseconds, as flat sorted arrays. */

export type Interval = readonly [start: number, end: number]

/** Sorted, merged, non-empty intervals (touching ones merge: [9,12) + [12,13) = [9,13)). */
export const normalize = (intervals: ReadonlyArray<Interval>): Array<Interval> => {
  const sorted = intervals.filter(([s, e]) => e > s).sort((a, b) => a[0] - b[0])
  const out: Array<[number, number]> = []
  for (const [s, e] of sorted) {
    const last = out[out.length - 1]
    if (last !== undefined && s <= last[1]) last[1] = Math.max(last[1], e)
    else out.push([s, e])
  }
  return out
}

/** `a` minus `b`; both normalized. */
export const subtract = (a: ReadonlyArray<Interval>, b: ReadonlyArray<Interval>): Array<Interval> => {
  const out: Array<Interval> = []
  let j = 0
  for (const [s0, e] of a) {
    let s = s0
    while (j < b.length && b[j]![1] <= s) j++
    let k = j
    while (k < b.length && b[k]![0] < e) {
      const [bs, be] = b[k]!
      if (bs > s) out.push([s, bs])
      s = Math.max(s, be)
      if (s >= e) break
      k++
    }
    if (s < e) out.push([s, e])
  }
  return out
}

/** Index of the last interval with start <= t, or -1. */
const lastStartingAtOrBefore = (xs: ReadonlyArray<Interval>, t: number): number => {
  let lo = 0
  let hi = xs.length - 1
  let found = -1
  while (lo <= hi) {
    const mid = (lo + hi) >> 1
    if (xs[mid]![0] <= t) {
      found = mid
      lo = mid + 1
    } else hi = mid - 1
  }
  return found
}

/** Whether `[s, e)` lies inside one interval of the normalized `xs`. */
export const covers = (xs: ReadonlyArray<Interval>, s: number, e: number): boolean => {
  const i = lastStartingAtOrBefore(xs, s)
  return i >= 0 && xs[i]![1] >= e
}

/** Whether `[s, e)` overlaps any interval of the normalized `xs`. */
export const overlapsAny = (xs: ReadonlyArray<Interval>, s: number, e: number): boolean => {
  const i = lastStartingAtOrBefore(xs, e - 1)
  return i >= 0 && xs[i]![1] > s
}
