import { existsSync, readFileSync } from "node:fs"
import * as Fixtures from "@clinicore/testing/Fixtures"
import * as Clinicore from "@clinicore/core/Clinicore"
import { Patients } from "@clinicore/core/Patients"
import { expect, layer } from "@effect/vitest"
import * as SqlClient from "@effect/sql/SqlClient"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import { freshFile, makeTestLayer } from "./utils/layer.js"

const filename = freshFile()

layer(Clinicore.layer.pipe(Layer.provideMerge(makeTestLayer(filename))), { excludeTestServices: true })("sqlite files", (it) => {
  it.effect("connections run in WAL mode with foreign keys and a busy timeout", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const [journal] = yield* sql<{ journal_mode: string }>`PRAGMA journal_mode`
      const [fk] = yield* sql<{ foreign_keys: number }>`PRAGMA foreign_keys`
      const [busy] = yield* sql<{ timeout: number }>`PRAGMA busy_timeout`
      expect([journal!.journal_mode, fk!.foreign_keys, busy!.timeout]).toEqual(["wal", 1, 5000])
    }))

  it.effect("the national id never reaches the main file or the WAL in plaintext", () =>
    Effect.gen(function*() {
      const a = yield* Fixtures.clinic("Files")
      const canary = "CANARY77441199"
      const patients = yield* Patients
      const created = yield* patients.create({ fullName: "Canary Bird", phone: "+1 212 555 0150", nationalId: canary }).pipe(a.asAdmin)
      yield* patients.update({ id: created.id, fullName: "Canary Bird II" }).pipe(a.asAdmin)
      const files = [filename, `${filename}-wal`].filter(existsSync)
      expect(files).toContain(`${filename}-wal`)
      const contents = files.map((file) => readFileSync(file))
      // The row itself is on disk (so the search below can fail), only the id is not.
      expect(contents.some((bytes) => bytes.includes(Buffer.from("Canary Bird")))).toBe(true)
      for (const bytes of contents) {
        expect(bytes.includes(Buffer.from(canary))).toBe(false)
        expect(bytes.includes(Buffer.from(canary, "utf16le"))).toBe(false)
      }
      const read = yield* patients.get(created.id).pipe(a.asAdmin)
      expect(Option.map(read.nationalId, Redacted.value)).toEqual(Option.some(canary))
    }))
})
