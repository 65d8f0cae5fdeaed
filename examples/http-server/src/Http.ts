/**
 * What every route group shares: the HTTP status of each domain error, the authentication and
 * rate-limit middlewares, and the helpers that build a group and its handlers against the one API
 * id. Domain errors go out as they are (their `_tag` and fields: the offending fields of a
 * `ValidationError`, the permission key of a `PermissionDenied`, the reason of a `Conflict`).
 */
import { Actor, Errors, Import } from "@clinicore/core"
import * as HttpApi from "@effect/platform/HttpApi"
import * as HttpApiGroup from "@effect/platform/HttpApiGroup"
import * as HttpApiMiddleware from "@effect/platform/HttpApiMiddleware"
import * as HttpApiSchema from "@effect/platform/HttpApiSchema"
import * as HttpApiSecurity from "@effect/platform/HttpApiSecurity"
import * as OpenApi from "@effect/platform/OpenApi"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import type * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as ExecutionStrategy from "effect/ExecutionStrategy"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"

/** The API's id: every group's handlers are built against it. */
export const Id = "clinicore" as const

const status = <A>(code: number, description: string) => HttpApiSchema.annotations<A>({ status: code, description })

/** 400: bad input, naming every offending field; nothing was written. */
export const BadRequest = Errors.ValidationError.annotations(status<Errors.ValidationError>(400, "Bad input: `fields` names each offending field"))
/** 401: no valid credential. */
export const Unauthorized = Errors.Unauthenticated.annotations(status<Errors.Unauthenticated>(401, "No valid session token or API key"))
/** 403: the role lacks the key (`permission` names it), or the principal may not act. */
export const Forbidden = Errors.PermissionDenied.annotations(status<Errors.PermissionDenied>(403, "`permission` names the missing key"))
/** 403: the account or the clinic is not active. */
export const InactiveError = Errors.Inactive.annotations(status<Errors.Inactive>(403, "The account or the clinic is not active"))
/** 404: not in the caller's clinic (another clinic's id answers exactly like a random one). */
export const NotFoundError = Errors.NotFound.annotations(status<Errors.NotFound>(404, "Not found in this clinic"))
/** 409: conflicts with what is stored; `reason` says how. */
export const ConflictError = Errors.Conflict.annotations(status<Errors.Conflict>(409, "`reason._tag` says what conflicts"))

/** 429: the host's rate limit (login and public routes). */
export class TooManyRequests extends Schema.TaggedError<TooManyRequests>()("TooManyRequests", {
  retryAfterSeconds: Schema.Number
}, status<TooManyRequests>(429, "Rate limited: retry after `retryAfterSeconds`")) {}

/** Signed-in staff (session token) or a program (API key bound to a role), as a bearer credential. */
export class Authentication extends HttpApiMiddleware.Tag<Authentication>()("Authentication", {
  failure: Unauthorized,
  provides: Actor.Actor,
  security: { bearer: HttpApiSecurity.bearer }
}) {}

/** The host's own platform credential (`CLINICORE_PLATFORM_TOKEN`). */
export class PlatformAuthentication extends HttpApiMiddleware.Tag<PlatformAuthentication>()("PlatformAuthentication", {
  failure: Unauthorized,
  provides: Actor.Actor,
  security: { platformToken: HttpApiSecurity.bearer }
}) {}

/** An in-process limit per client address (login and the public routes). */
export class RateLimited extends HttpApiMiddleware.Tag<RateLimited>()("RateLimited", {
  failure: TooManyRequests
}) {}

/** A group of a clinic's staff routes: every domain error mapped, a credential required. */
export const staffGroup = <const Name extends string>(name: Name, description: string) =>
  HttpApiGroup.make(name)
    .addError(BadRequest)
    .addError(Forbidden)
    .addError(InactiveError)
    .addError(NotFoundError)
    .addError(ConflictError)
    .middleware(Authentication)
    .annotate(OpenApi.Description, description)

/** The one-group API a group's handlers are built against (same id as the whole API). */
export const apiOf = <G extends HttpApiGroup.HttpApiGroup.Any>(group: G) => HttpApi.make(Id).add(group)

/** An id in a path: any string, so a malformed one is the service's 400 and an unknown one its 404. */
export const IdPath = Schema.Struct({ id: Schema.String })

/** What a payload must look like on the wire, from the core's own input schema (its rules apply in the service). */
export const wire = <A, I, R>(schema: Schema.Schema<A, I, R>) => Schema.encodedSchema(schema)

/** 422: an all-or-nothing import refused because of rejected rows; `report` names each row (nothing written). */
export const ImportRejectedError = Import.ImportRejected.annotations(
  status<Import.ImportRejected>(422, "Import refused: `report.rejected` names each rejected row (line, column, reason); nothing written")
)

/** A CSV body on the wire (request or response). */
export const CsvText = HttpApiSchema.Text({ contentType: "text/csv" }).annotations({ description: "CSV text (UTF-8)" })

/**
 * A text stream as a streamed response body: its first chunk is pulled before the response starts,
 * so a refusal (401, 403, 400) is still an error answer; the rest is written as the reader takes it
 * (stopping early, e.g. the client hanging up, closes the stream and rolls its transaction back).
 */
export const streamed = <E>(
  stream: Stream.Stream<string, E, Actor.Actor>,
  options: { readonly contentType: string; readonly filename: string }
): Effect.Effect<HttpServerResponse.HttpServerResponse, E, Actor.Actor | Scope.Scope> =>
  Effect.gen(function*() {
    const actor = yield* Actor.Actor
    // A child of the request's scope: closed at the latest when the request is done, even if the
    // body is never read (the client went away before the response was written).
    const scope = yield* Effect.flatMap(Effect.scope, (request) => Scope.fork(request, ExecutionStrategy.sequential))
    const pull = yield* Stream.toPull(Stream.provideService(stream, Actor.Actor, actor)).pipe(Scope.extend(scope))
    const first = yield* pull.pipe(
      Effect.map(Option.some),
      Effect.catchAll(Option.match({ onNone: () => Effect.succeed(Option.none<Chunk.Chunk<string>>()), onSome: Effect.fail })),
      Effect.onExit((exit) => Exit.isSuccess(exit) ? Effect.void : Scope.close(scope, exit))
    )
    const body = Option.match(first, {
      onNone: () => Stream.empty,
      onSome: (chunk) => Stream.concat(Stream.fromChunk(chunk), Stream.repeatEffectChunkOption(pull))
    }).pipe(
      Stream.ensuring(Scope.close(scope, Exit.void)),
      Stream.encodeText
    )
    return HttpServerResponse.stream(body, {
      contentType: options.contentType,
      headers: { "content-disposition": `attachment; filename="${options.filename}"`, "cache-control": "no-store" }
    })
  })

/** A whole text as a download. */
export const download = (text: string, options: { readonly contentType: string; readonly filename: string }) =>
  HttpServerResponse.text(text, {
    contentType: options.contentType,
    headers: { "content-disposition": `attachment; filename="${options.filename}"`, "cache-control": "no-store" }
  })
