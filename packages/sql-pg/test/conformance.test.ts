import * as Conformance from "@clinicore/testing/Conformance"
import { inject } from "vitest"
import { makeTestLayer, withFreshDatabase } from "./utils/layer.js"

Conformance.suite("pg conformance", withFreshDatabase(inject("pgAdminUrl"), makeTestLayer))
