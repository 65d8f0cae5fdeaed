/**
 * Import keys: (clinic, kind, external id) → the entity an import created, unique.
 */
import type * as Transfer from "@clinicore/core/TransferStorage"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type { Context } from "./context.js"
import { orDie } from "./rows.js"

/** @internal */
export const make = ({ dialect, sql }: Context): Transfer.ImportKeyRepository => ({
  find: (clinicId, kind, externalId) =>
    orDie(sql<{ entity_id: string }>`SELECT entity_id FROM import_keys
      WHERE clinic_id = ${clinicId} AND kind = ${kind} AND external_id = ${externalId}`).pipe(
        Effect.map((rows) => Option.map(Option.fromNullable(rows[0]), (r) => String(r.entity_id)))
      ),
  claim: (clinicId, kind, externalId, entityId, at) =>
    orDie(sql<{ entity_id: string }>`INSERT INTO import_keys (clinic_id, kind, external_id, entity_id, imported_at)
      VALUES (${clinicId}, ${kind}, ${externalId}, ${entityId}, ${dialect.instant(at)})
      ON CONFLICT (clinic_id, kind, external_id) DO NOTHING RETURNING entity_id`).pipe(Effect.map((rows) => rows.length > 0))
})
