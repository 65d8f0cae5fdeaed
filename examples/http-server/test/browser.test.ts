/**
 * The pages the host serves, in a real headless Chromium (Debian's `chromium`, driven by
 * `playwright-core`; no browser download): Swagger UI lists every route, and the public booking
 * page books a slot end to end on a phone-sized screen, with the keyboard; the slot is gone on
 * reload, and a second visitor trying the same slot is told it is taken and offered the next ones.
 * Screenshots go to `.tmp/`.
 */
import { existsSync, mkdirSync } from "node:fs"
import { fileURLToPath } from "node:url"
import * as HttpApi from "@effect/platform/HttpApi"
import * as Option from "effect/Option"
import { type Browser, chromium } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Api } from "../src/Api.js"
import { demoSlug, seedDemo } from "../src/Seed.js"
import { type RunningHost, startHost } from "./utils/host.js"

const executablePath = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium"
const shots = fileURLToPath(new URL("../../../.tmp/screenshots/", import.meta.url))
const phone = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, hasTouch: true }

const operations = (() => {
  let n = 0
  HttpApi.reflect(Api, { onGroup: () => {}, onEndpoint: () => void n++ })
  return n
})()

describe("pages in headless Chromium", () => {
  let host: RunningHost
  let browser: Browser
  let admin: { email: string; password: string }

  beforeAll(async () => {
    if (!existsSync(executablePath)) {
      throw new Error(`no Chromium at ${executablePath}: install Debian's 'chromium' (.ci/run does) or set CHROMIUM_PATH`)
    }
    mkdirSync(shots, { recursive: true })
    host = await startHost("sqlite", undefined)
    const seeded = await host.runtime.runPromise(seedDemo)
    admin = Option.getOrThrow(seeded)
    browser = await chromium.launch({ executablePath, args: ["--no-sandbox", "--disable-dev-shm-usage"] })
  })
  afterAll(async () => {
    await browser?.close()
    await host?.close()
  })

  it("Swagger UI loads and lists every route", async () => {
    const page = await browser.newPage()
    await page.goto(`${host.url}/docs`)
    await page.locator(".opblock").first().waitFor()
    const paths = await page.locator(".opblock-summary-path").allInnerTexts()
    expect(paths.length).toBe(operations)
    const flat = paths.map((p) => p.replace(/\u200b/g, "").trim())
    for (const p of ["/auth/login", "/patients", "/appointments", "/invoices", "/public/clinics/{slug}/requests", "/audit/verify"]) {
      expect(flat).toContain(p)
    }
    await page.screenshot({ path: `${shots}swagger-ui.png` })
    await page.close()
  })

  it("books a slot end to end; the slot is gone on reload; a second visitor is told it is taken", async () => {
    const first = await browser.newContext(phone)
    const second = await browser.newContext(phone)
    const page = await first.newPage()
    const other = await second.newPage()
    for (const p of [other, page]) {
      await p.goto(`${host.url}/book/${demoSlug}`)
      await p.locator("#slots input[type=radio]").first().waitFor()
    }
    // Every field has a label.
    for (const label of ["Service", "Doctor", "Day", "Full name", "Phone number"]) {
      await expect(page.getByLabel(label, { exact: true }).count()).resolves.toBe(1)
    }
    // Readable on a phone: nothing wider than the screen.
    expect(await page.evaluate<number>("document.documentElement.scrollWidth")).toBeLessThanOrEqual(390)

    const slot = page.locator("#slots input[type=radio]").first()
    const value = await slot.getAttribute("value")
    expect(value).toMatch(/^[0-9a-f-]{36}\|\d+$/)
    // The second visitor picks the same time, before the first one books it.
    await other.locator(`#slots input[value="${value}"]`).check()

    // The first visitor books with the keyboard only.
    await slot.focus()
    await page.keyboard.press("Space")
    expect(await slot.isChecked()).toBe(true)
    await page.getByLabel("Full name").focus()
    await page.keyboard.type("Alice Moreno")
    await page.keyboard.press("Tab")
    await page.keyboard.type("(415) 555-0101")
    await page.keyboard.press("Enter")
    const confirmation = page.locator("#confirmation")
    await confirmation.waitFor({ state: "visible" })
    await expect(confirmation.innerText()).resolves.toMatch(/hold this time for you until/)
    await page.screenshot({ path: `${shots}booking-requested.png`, fullPage: true })

    // Staff see a `requested` appointment from the public, holding its slot until it expires.
    const login = await host.call("POST", "/auth/login", { body: { clinic: demoSlug, ...admin } })
    const requested = await host.call("POST", "/appointments/search", { token: login.body.token, body: { statuses: ["requested"] } })
    expect(requested.body).toHaveLength(1)
    const [doctorId, start] = value!.split("|")
    expect(requested.body[0]).toMatchObject({ doctorId, start: Number(start), source: "public", status: "requested" })
    expect(requested.body[0].expiresAt).toBeGreaterThan(Date.now())

    // On reload the time is gone for that doctor.
    await page.reload()
    await page.locator("#slots input[type=radio]").first().waitFor()
    expect(await page.locator(`#slots input[value="${value}"]`).count()).toBe(0)

    // The second visitor, still seeing it, is told it was taken and offered the next free times.
    await other.getByLabel("Full name").fill("Bob Lee")
    await other.getByLabel("Phone number").fill("(415) 555-0199")
    await other.getByRole("button", { name: "Request appointment" }).click()
    const error = other.locator("#form-error")
    await error.waitFor({ state: "visible" })
    await expect(error.innerText()).resolves.toMatch(/no longer free/)
    await other.locator("#alternatives").waitFor({ state: "visible" })
    expect(await other.locator("#alternative-list button").count()).toBeGreaterThan(0)
    await other.screenshot({ path: `${shots}booking-taken.png`, fullPage: true })
    // Only the first request was written.
    const after = await host.call("POST", "/appointments/search", { token: login.body.token, body: { statuses: ["requested"] } })
    expect(after.body).toHaveLength(1)
    await first.close()
    await second.close()
  })
})
