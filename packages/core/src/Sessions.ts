/**
 * Credentials for hosts that sign people and programs in themselves: login sessions (email and
 * password → a bearer token with an expiry; logout revokes it) and per-clinic API keys bound to a
 * role. Both are random secrets shown once and stored only as a SHA-256 digest, in a tenant table
 * of their clinic (the clinic id is part of the credential, so finding it needs no cross-clinic
 * read). `authenticate` turns a credential back into the `Actor` principal it stands for: a
 * session into its staff user, an API key into a system principal bound to the key's role
 * (`Actor.withRole`), which holds exactly what that role holds in the clinic's matrix, re-read on
 * every call.
 *
 * Managing API keys is admin-only (the `admin` requirement, audited like every operation); these
 * operations are checked through the same path as the registry's (`guarded`) but are not in the
 * library registry because the service is optional: hosts with their own identity provider leave it
 * out of their layer.
 *
 * @since 0.1.0
 */
import { createHash, randomBytes, randomUUID, timingSafeEqual } from "node:crypto"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import { Accounts } from "./Accounts.js"
import { type Actor, Principal } from "./Actor.js"
import { type Inactive, NotFound, type PermissionDenied, Unauthenticated, type ValidationError } from "./Errors.js"
import { FieldCrypto } from "./FieldCrypto.js"
import { ClinicId, type StaffId } from "./Ids.js"
import { type Deps, guarded } from "./internal/operation.js"
import { decode } from "./internal/validation.js"
import type { OperationSpec } from "./Operations.js"
import { PersonName, Role } from "./StaffAccount.js"
import { Storage } from "./Storage.js"

/** @since 0.1.0 @category ids */
export const CredentialId = Schema.UUID.pipe(Schema.brand("CredentialId"))
/** @since 0.1.0 @category ids */
export type CredentialId = typeof CredentialId.Type

/** A stored credential: never the secret, only its digest. @since 0.1.0 @category models */
export interface CredentialRow {
  readonly id: CredentialId
  readonly clinicId: ClinicId
  readonly kind: "session" | "api_key"
  /** SHA-256 of the secret, hex. */
  readonly secretHash: string
  /** The signed-in account (sessions). */
  readonly staffId: StaffId | null
  /** The role the key is bound to (API keys). */
  readonly role: Role | null
  /** The key's label (API keys). */
  readonly name: string | null
  readonly createdAt: number
  readonly expiresAt: number | null
  readonly revokedAt: number | null
}

/**
 * The credentials' storage port. Runs on the connection of the current `Storage.transaction`;
 * every method is scoped by the clinic id.
 *
 * @since 0.1.0 @category ports
 */
export interface SessionRepository {
  readonly insert: (row: CredentialRow) => Effect.Effect<void>
  readonly findById: (clinicId: ClinicId, id: CredentialId) => Effect.Effect<Option.Option<CredentialRow>>
  readonly list: (clinicId: ClinicId, kind: CredentialRow["kind"]) => Effect.Effect<ReadonlyArray<CredentialRow>>
  readonly revoke: (clinicId: ClinicId, id: CredentialId, at: number) => Effect.Effect<void>
  /** Deletes the clinic's sessions that expired or were revoked before `before`. */
  readonly prune: (clinicId: ClinicId, before: number) => Effect.Effect<void>
}

/** @since 0.1.0 @category tags */
export class SessionStorage extends Context.Tag("@clinicore/core/SessionStorage")<SessionStorage, SessionRepository>() {}

/** An API key as listed (never its secret). @since 0.1.0 @category models */
export class ApiKey extends Schema.Class<ApiKey>("@clinicore/core/ApiKey")({
  id: CredentialId,
  name: Schema.String,
  role: Role,
  createdAt: Schema.Number,
  revokedAt: Schema.NullOr(Schema.Number)
}) {}

/** @since 0.1.0 @category models */
export const CreateApiKey = Schema.Struct({ name: PersonName, role: Role })
/** @since 0.1.0 @category models */
export type CreateApiKey = typeof CreateApiKey.Encoded

/** A new session: the token is shown once. @since 0.1.0 @category models */
export interface Session {
  readonly token: string
  readonly expiresAt: number
  readonly clinicId: ClinicId
  readonly staffId: StaffId
}

/** @since 0.1.0 @category models */
export interface Options {
  /** How long a session lasts (default 12 hours). */
  readonly sessionTtl?: Duration.DurationInput | undefined
}

type Refusal = PermissionDenied | Inactive | Unauthenticated

/** @since 0.1.0 @category models */
export interface Sessions {
  /** Email and password to a new session; the same `Unauthenticated` for every wrong credential. */
  readonly login: (input: { readonly clinic: string; readonly email: string; readonly password: string }) => Effect.Effect<
    Session,
    Unauthenticated | Inactive
  >
  /** Revokes the session of this token (`Unauthenticated` when it names none that is live). */
  readonly logout: (token: string) => Effect.Effect<void, Unauthenticated>
  /** The principal a session token or API key stands for, if it is live. */
  readonly authenticate: (credential: string) => Effect.Effect<Principal, Unauthenticated>
  /** Admin only: a new API key bound to a role; the key is shown once. */
  readonly createApiKey: (input: CreateApiKey) => Effect.Effect<
    { readonly apiKey: ApiKey; readonly key: string },
    ValidationError | Refusal,
    Actor
  >
  /** Admin only. */
  readonly listApiKeys: () => Effect.Effect<ReadonlyArray<ApiKey>, Refusal, Actor>
  /** Admin only: the key stops working on the very next call. */
  readonly revokeApiKey: (id: string) => Effect.Effect<ApiKey, ValidationError | NotFound | Refusal, Actor>
}

/** @since 0.1.0 @category tags */
export const Sessions: Context.Tag<Sessions, Sessions> = Context.GenericTag<Sessions>("@clinicore/core/Sessions")

const specs = {
  "Sessions.createApiKey": { key: "admin", audit: "write", entity: "ApiKey" },
  "Sessions.listApiKeys": { key: "admin", audit: "none", entity: "ApiKey" },
  "Sessions.revokeApiKey": { key: "admin", audit: "write", entity: "ApiKey" }
} as const satisfies Record<string, OperationSpec>

const prefixes = { session: "cs", api_key: "ck" } as const

const digest = (secret: string) => createHash("sha256").update(secret, "utf8").digest("hex")

/** `<prefix>_<clinic uuid>_<credential uuid>_<secret>`: everything needed to find the row in its clinic. */
const parse = (credential: string) => {
  const parts = credential.split("_")
  if (parts.length !== 4) return undefined
  const [prefix, clinicId, id, secret] = parts as [string, string, string, string]
  const kind = prefix === prefixes.session ? "session" as const : prefix === prefixes.api_key ? "api_key" as const : undefined
  if (kind === undefined || !Schema.is(ClinicId)(clinicId) || !Schema.is(CredentialId)(id) || !/^[A-Za-z0-9-]{43}$/.test(secret)) {
    return undefined
  }
  return { kind, clinicId, id, secret }
}

const toApiKey = (row: CredentialRow) =>
  new ApiKey({ id: row.id, name: row.name ?? "", role: row.role ?? "nurse", createdAt: row.createdAt, revokedAt: row.revokedAt })

/** @since 0.1.0 @category constructors */
export const make = (
  options: Options = {}
): Effect.Effect<Sessions, never, Storage | FieldCrypto | SessionStorage | Accounts> =>
  Effect.gen(function*() {
    const deps: Deps = { storage: yield* Storage, fieldCrypto: yield* FieldCrypto }
    const { storage } = deps
    const repo = yield* SessionStorage
    const accounts = yield* Accounts
    const ttl = Duration.toMillis(Duration.decode(options.sessionTtl ?? Duration.hours(12)))

    const issue = (kind: CredentialRow["kind"], clinicId: ClinicId) => {
      const id = CredentialId.make(randomUUID())
      const secret = randomBytes(32).toString("base64url").replaceAll("_", "-")
      return { id, secret, credential: `${prefixes[kind]}_${clinicId}_${id}_${secret}` }
    }

    /** The live row a credential names; every miss is the same `Unauthenticated`. */
    const live = (credential: string) =>
      Effect.gen(function*() {
        const parsed = parse(credential)
        if (parsed === undefined) return yield* new Unauthenticated()
        const clinicId = ClinicId.make(parsed.clinicId)
        const now = yield* Clock.currentTimeMillis
        const row = yield* repo.findById(clinicId, CredentialId.make(parsed.id)).pipe(storage.transaction(clinicId))
        if (Option.isNone(row)) return yield* new Unauthenticated()
        const r = row.value
        const expected = Buffer.from(r.secretHash, "hex")
        const given = Buffer.from(digest(parsed.secret), "hex")
        const matches = expected.length === given.length && timingSafeEqual(expected, given)
        if (!matches || r.kind !== parsed.kind || r.revokedAt !== null || (r.expiresAt !== null && r.expiresAt <= now)) {
          return yield* new Unauthenticated()
        }
        return r
      })

    const adminOp = <A, E>(name: keyof typeof specs, body: (clinicId: ClinicId) => Effect.Effect<A, E>, entityIdOf?: (a: A) => string | null) =>
      guarded(deps, name, specs[name], ({ clinic }) => body(clinic.id), entityIdOf)

    return {
      login: (input) =>
        Effect.gen(function*() {
          const principal = yield* accounts.login(input)
          if (principal._tag !== "User") return yield* new Unauthenticated()
          const now = yield* Clock.currentTimeMillis
          const { credential, id, secret } = issue("session", principal.clinicId)
          yield* storage.transaction(principal.clinicId)(Effect.zipRight(
            repo.prune(principal.clinicId, now),
            repo.insert({
              id,
              clinicId: principal.clinicId,
              kind: "session",
              secretHash: digest(secret),
              staffId: principal.staffId,
              role: null,
              name: null,
              createdAt: now,
              expiresAt: now + ttl,
              revokedAt: null
            })
          ))
          return { token: credential, expiresAt: now + ttl, clinicId: principal.clinicId, staffId: principal.staffId }
        }).pipe(Effect.withSpan("Sessions.login")),
      logout: (token) =>
        Effect.gen(function*() {
          const row = yield* live(token)
          if (row.kind !== "session") return yield* new Unauthenticated()
          const now = yield* Clock.currentTimeMillis
          yield* repo.revoke(row.clinicId, row.id, now).pipe(storage.transaction(row.clinicId))
        }).pipe(Effect.withSpan("Sessions.logout")),
      authenticate: (credential) =>
        Effect.flatMap(live(credential), (row): Effect.Effect<Principal, Unauthenticated> =>
          row.kind === "session" && row.staffId !== null
            ? Effect.succeed(Principal.User({ clinicId: row.clinicId, staffId: row.staffId }))
            : row.kind === "api_key" && row.role !== null
            ? Effect.succeed(Principal.System({ clinicId: row.clinicId, job: `api-key:${row.id}`, role: row.role }))
            : Effect.fail(new Unauthenticated())).pipe(Effect.withSpan("Sessions.authenticate")),
      createApiKey: (input) =>
        adminOp("Sessions.createApiKey", (clinicId) =>
            Effect.gen(function*() {
              const valid = yield* decode(CreateApiKey, input)
              const now = yield* Clock.currentTimeMillis
              const { credential, id, secret } = issue("api_key", clinicId)
              const row: CredentialRow = {
                id,
                clinicId,
                kind: "api_key",
                secretHash: digest(secret),
                staffId: null,
                role: valid.role,
                name: valid.name,
                createdAt: now,
                expiresAt: null,
                revokedAt: null
              }
              yield* repo.insert(row)
              return { apiKey: toApiKey(row), key: credential }
            }), (a) => a.apiKey.id),
      listApiKeys: () =>
        adminOp("Sessions.listApiKeys", (clinicId) => Effect.map(repo.list(clinicId, "api_key"), (rows) => rows.map(toApiKey))),
      revokeApiKey: (id) =>
          adminOp("Sessions.revokeApiKey", (clinicId) =>
            Effect.gen(function*() {
              const valid = yield* decode(CredentialId, id)
              const row = yield* repo.findById(clinicId, valid)
              if (Option.isNone(row) || row.value.kind !== "api_key") return yield* new NotFound({ entity: "ApiKey", id: valid })
              if (row.value.revokedAt !== null) return toApiKey(row.value)
              const now = yield* Clock.currentTimeMillis
              yield* repo.revoke(clinicId, valid, now)
              return toApiKey({ ...row.value, revokedAt: now })
            }))
    }
  })

/** @since 0.1.0 @category layers */
export const layer = (
  options: Options = {}
): Layer.Layer<Sessions, never, Storage | FieldCrypto | SessionStorage | Accounts> => Layer.effect(Sessions, make(options))
