/**
 * Recognising an import file by its header: clinicore's own export, CareNova's export (the same
 * headers, without clinicore's extra columns) and ClinicOps' data layout (its table columns,
 * snake_case). Columns are matched by name whatever their case, spacing or punctuation.
 */
import { headers } from "../../Csv.js"
import { ValidationError } from "../../Errors.js"

export type Layout = "clinicore" | "carenova" | "clinicops"
export type Kind = "patients" | "appointments"

const normal = (header: string) => header.toLowerCase().replace(/[^a-z0-9]/g, "")

/** Each field and the header names it is recognised by (normalised). */
const aliases = {
  patients: {
    externalId: ["id", "patientid", "externalid"],
    fullName: ["fullname", "name", "patientname"],
    email: ["email", "emailaddress"],
    phone: ["phone", "phonenumber", "mobile"],
    dateOfBirth: ["dateofbirth", "dob", "birthdate"],
    gender: ["gender", "sex"],
    bloodGroup: ["bloodgroup", "bloodtype"],
    address: ["address"],
    createdAt: ["createdat"]
  },
  appointments: {
    externalId: ["id", "appointmentid", "externalid"],
    patientName: ["patientname", "patient"],
    doctorName: ["doctorname", "doctor"],
    start: ["starttime", "startat", "start", "scheduledat"],
    end: ["endtime", "endat", "end"],
    date: ["appointmentdate", "date"],
    time: ["appointmenttime", "time"],
    status: ["status"],
    notes: ["notes", "note"],
    patientId: ["patientid"],
    patientPhone: ["patientphone", "phone"],
    doctorId: ["doctorid"],
    cancelReason: ["cancelreason"],
    sequence: ["sequence"],
    createdAt: ["createdat"]
  }
} as const

export type Field<K extends Kind> = keyof (typeof aliases)[K]

const required = {
  patients: [["externalId"], ["fullName"], ["phone"]],
  appointments: [["externalId"], ["start", "date"], ["status"], ["doctorName", "doctorId"], ["patientId", "patientPhone", "patientName"]]
} as const

export interface Columns<K extends Kind> {
  readonly layout: Layout
  /** The cell of `field` in `record`, trimmed; `undefined` when the column is absent or the cell empty. */
  readonly cell: (record: ReadonlyArray<string>, field: Field<K>) => string | undefined
  /** The file's own name of the column holding `field` (for reports). */
  readonly name: (field: Field<K>) => string
  readonly has: (field: Field<K>) => boolean
}

const carenova = {
  patients: headers.patients,
  appointments: headers.appointments.slice(0, 7)
}

export const recognise = <K extends Kind>(kind: K, header: ReadonlyArray<string>): Columns<K> | ValidationError => {
  const trimmed = header.map((h) => h.trim())
  const index = new Map<string, number>()
  const table = aliases[kind] as Record<string, ReadonlyArray<string>>
  for (const [field, names] of Object.entries(table)) {
    // The first alias present wins: `ID` is the external id even when `Patient ID` is there too.
    for (const name of names) {
      const at = trimmed.findIndex((h) => normal(h) === name)
      if (at >= 0 && ![...index.values()].includes(at)) {
        index.set(field, at)
        break
      }
    }
  }
  const missing = required[kind].filter((options) => !options.some((f) => index.has(f)))
  if (missing.length > 0) {
    return new ValidationError({
      fields: [{
        path: "header",
        message: `is not a recognised ${kind} layout: no column for ${
          missing.map((options) => options.join(" or ")).join(", ")
        } (expected clinicore's or CareNova's headers, e.g. ${headers[kind].join(",")})`
      }]
    })
  }
  const starts = (expected: ReadonlyArray<string>) => expected.every((h, i) => trimmed[i] === h)
  const layout: Layout = starts(headers[kind]) && trimmed.length === headers[kind].length
    ? "clinicore"
    : starts(carenova[kind])
    ? "carenova"
    : "clinicops"
  return {
    layout,
    cell: (record, field) => {
      const at = index.get(field as string)
      const value = at === undefined ? undefined : record[at]?.trim()
      return value === undefined || value === "" ? undefined : value
    },
    name: (field) => {
      const at = index.get(field as string)
      return at === undefined ? String(field) : trimmed[at]!
    },
    has: (field) => index.has(field as string)
  }
}
