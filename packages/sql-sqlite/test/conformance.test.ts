import * as Conformance from "@clinicore/testing/Conformance"
import { freshFile, makeTestLayer } from "./utils/layer.js"

Conformance.suite("sqlite conformance", makeTestLayer(freshFile()))
