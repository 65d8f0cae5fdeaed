/** The whole API: every group of `groups/index.ts`, its OpenAPI description, and its handlers. */
import * as HttpApi from "@effect/platform/HttpApi"
import type * as HttpApiGroup from "@effect/platform/HttpApiGroup"
import * as OpenApi from "@effect/platform/OpenApi"
import * as Layer from "effect/Layer"
import { modules } from "./groups/index.js"
import { Id } from "./Http.js"

type Module = (typeof modules)[number]

/** @since 0.1.0 */
export const Api = modules.reduce(
  (api: HttpApi.HttpApi.Any, m) => (api as HttpApi.HttpApi<typeof Id>).add(m.group as HttpApiGroup.HttpApiGroup.Any),
  HttpApi.make(Id)
) as unknown as HttpApi.HttpApi<typeof Id, Module["group"]>

/** The OpenAPI document's title and description. */
export const ApiDocumented = Api.annotateContext(OpenApi.annotations({
  title: "clinicore",
  version: "0.1.0",
  description: "The clinicore HTTP host: every library service as routes. Staff routes take a bearer credential " +
    "(a session token from POST /auth/login, or an API key); platform routes take CLINICORE_PLATFORM_TOKEN; " +
    "public booking routes take none."
}))

/** Every group's handlers. */
type Out<L> = L extends Layer.Layer<infer A, infer _E, infer _R> ? A : never
type Err<L> = L extends Layer.Layer<infer _A, infer E, infer _R> ? E : never
type In<L> = L extends Layer.Layer<infer _A, infer _E, infer R> ? R : never

export const GroupsLive: Layer.Layer<Out<Module["live"]>, Err<Module["live"]>, In<Module["live"]>> =
  Layer.mergeAll(...(modules.map((m) => m.live) as unknown as [Layer.Layer<unknown>])) as never
