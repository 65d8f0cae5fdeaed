// The public booking page: vanilla JS over the public routes of one clinic
// (GET /public/clinics/:slug, GET …/slots, POST …/requests). Days are the clinic's days, in its
// time zone, whatever the visitor's own zone is.
"use strict"
;(() => {
  const slug = decodeURIComponent(location.pathname.replace(/^\/book\//, "").replace(/\/+$/, ""))
  const base = `/public/clinics/${encodeURIComponent(slug)}`
  const $ = (id) => document.getElementById(id)
  const DAY = 86_400_000
  let catalog
  let day // "YYYY-MM-DD" in the clinic's zone
  let slots = []

  const show = (el, on) => { el.hidden = !on }
  const setText = (el, text) => { el.textContent = text }

  // --- time in the clinic's zone -------------------------------------------------------------
  const parts = (t, timeZone) => {
    const out = {}
    for (const p of new Intl.DateTimeFormat("en-US", {
      timeZone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit"
    }).formatToParts(t)) out[p.type] = p.value
    return out
  }
  const offsetAt = (t, timeZone) => {
    const p = parts(t, timeZone)
    return Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour, +p.minute, +p.second) - Math.floor(t / 1000) * 1000
  }
  /** The instant a clinic-local date starts (midnight, or the first instant after a skipped one). */
  const dayStart = (iso) => {
    const [y, m, d] = iso.split("-").map(Number)
    const guess = Date.UTC(y, m - 1, d)
    let t = guess - offsetAt(guess, catalog.clinic.timeZone)
    t = guess - offsetAt(t, catalog.clinic.timeZone)
    return t
  }
  const localDate = (t) => {
    const p = parts(t, catalog.clinic.timeZone)
    return `${p.year}-${p.month}-${p.day}`
  }
  const addDays = (iso, n) => {
    const [y, m, d] = iso.split("-").map(Number)
    return new Date(Date.UTC(y, m - 1, d + n)).toISOString().slice(0, 10)
  }
  const fmt = (t, options) => new Intl.DateTimeFormat(undefined, { timeZone: catalog.clinic.timeZone, ...options }).format(t)
  const timeOf = (t) => fmt(t, { hour: "numeric", minute: "2-digit" })
  const dayName = (iso) => fmt(dayStart(iso) + DAY / 2, { weekday: "long", day: "numeric", month: "long", year: "numeric" })
  const when = (t) => fmt(t, { weekday: "long", day: "numeric", month: "long", hour: "numeric", minute: "2-digit" })
  const doctorName = (id) => (catalog.doctors.find((d) => d.id === id) || { name: "a doctor" }).name

  // --- API -----------------------------------------------------------------------------------
  const api = async (path, init) => {
    const response = await fetch(base + path, { headers: { "content-type": "application/json" }, ...init })
    const body = response.status === 204 ? null : await response.json().catch(() => null)
    return { status: response.status, body }
  }
  const fetchSlots = async (from, to) => {
    const q = new URLSearchParams({ serviceId: $("service").value, from: String(from), to: String(to) })
    if ($("doctor").value) q.set("doctorId", $("doctor").value)
    const { body, status } = await api(`/slots?${q}`)
    if (status === 429) throw new Error(`Too many requests: please wait ${body?.retryAfterSeconds ?? 60} seconds and try again.`)
    if (status !== 200) throw new Error("Could not load the free times. Please try again.")
    return body
  }

  // --- rendering -----------------------------------------------------------------------------
  const slotOption = (slot, name, onPick) => {
    const label = document.createElement("label")
    label.className = "slot"
    const input = document.createElement("input")
    input.type = "radio"
    input.name = name
    input.value = `${slot.doctorId}|${slot.start}`
    input.addEventListener("change", onPick)
    const text = document.createElement("span")
    text.textContent = timeOf(slot.start)
    const who = document.createElement("small")
    who.textContent = doctorName(slot.doctorId)
    text.appendChild(who)
    label.append(input, text)
    return label
  }

  const renderSlots = () => {
    const list = $("slots")
    list.replaceChildren(...slots.map((s) => slotOption(s, "slot", clearErrors)))
    show($("no-slots"), slots.length === 0)
    setText($("day-label"), `${dayName(day)} · ${slots.length} free ${slots.length === 1 ? "time" : "times"}`)
  }

  const loadDay = async (iso) => {
    day = iso
    $("day").value = iso
    $("prev-day").disabled = iso <= localDate(Date.now())
    clearErrors()
    show($("alternatives"), false)
    try {
      slots = await fetchSlots(Math.max(dayStart(iso), Date.now()), dayStart(addDays(iso, 1)))
    } catch (error) {
      slots = []
      fail(error.message)
    }
    renderSlots()
  }

  /** The first day from `iso` on (within two weeks) with a free time. */
  const nextFreeDay = async (iso) => {
    for (let i = 0; i < 14; i++) {
      const d = addDays(iso, i)
      const found = await fetchSlots(Math.max(dayStart(d), Date.now()), dayStart(addDays(d, 1)))
      if (found.length > 0) return d
    }
    return iso
  }

  const populateDoctors = () => {
    const service = catalog.services.find((s) => s.id === $("service").value)
    const doctors = catalog.doctors.filter((d) => !service || service.doctorIds.length === 0 || service.doctorIds.includes(d.id))
    const select = $("doctor")
    const any = new Option("Any doctor", "")
    select.replaceChildren(any, ...doctors.map((d) => new Option(`${d.name} (${d.specialty})`, d.id)))
  }

  // --- errors --------------------------------------------------------------------------------
  const fail = (message) => {
    setText($("form-error"), message)
    show($("form-error"), true)
  }
  const clearErrors = () => {
    show($("form-error"), false)
    for (const id of ["name", "phone"]) {
      show($(`${id}-error`), false)
      $(id).removeAttribute("aria-invalid")
    }
  }
  const fieldError = (id, message) => {
    setText($(`${id}-error`), message)
    show($(`${id}-error`), true)
    $(id).setAttribute("aria-invalid", "true")
  }

  /** A refused time: say why, and offer the next free ones after it. */
  const offerAlternatives = async (start, why) => {
    fail(why)
    let later = []
    for (let i = 0; i < 7 && later.length < 3; i++) {
      const d = addDays(day, i)
      const found = await fetchSlots(Math.max(dayStart(d), Date.now()), dayStart(addDays(d, 1)))
      later = later.concat(found.filter((s) => s.start > start)).slice(0, 3)
    }
    const list = $("alternative-list")
    list.replaceChildren(...later.map((s) => {
      const b = document.createElement("button")
      b.type = "button"
      b.textContent = `${when(s.start)} · ${doctorName(s.doctorId)}`
      b.addEventListener("click", async () => {
        await loadDay(localDate(s.start))
        const input = document.querySelector(`#slots input[value="${s.doctorId}|${s.start}"]`)
        if (input) { input.checked = true; input.focus() }
      })
      return b
    }))
    show($("alternatives"), later.length > 0)
    await loadDay(day)
    fail(why)
    show($("alternatives"), later.length > 0)
  }

  const submit = async (event) => {
    event.preventDefault()
    clearErrors()
    const chosen = document.querySelector("#slots input:checked")
    const name = $("name").value.trim()
    const phone = $("phone").value.trim()
    let bad = false
    if (!name) { fieldError("name", "Please enter your full name."); bad = true }
    if (!phone) { fieldError("phone", "Please enter a phone number."); bad = true }
    if (!chosen) { fail("Please choose a time."); bad = true }
    if (bad) return
    const [doctorId, start] = chosen.value.split("|")
    $("submit").disabled = true
    try {
      const { body, status } = await api("/requests", {
        method: "POST",
        body: JSON.stringify({
          doctorId,
          serviceId: $("service").value,
          start: Number(start),
          patient: { fullName: name, phone },
          idempotencyKey: crypto.randomUUID()
        })
      })
      if (status === 201) return confirm(body)
      if (status === 409 && (body?.reason?._tag === "slot_taken" || body?.reason?._tag === "not_bookable")) {
        return await offerAlternatives(Number(start), `Sorry, ${when(Number(start))} is no longer free: someone else took it a moment ago.`)
      }
      if (status === 409 && body?.reason?._tag === "too_many_requests") {
        return fail("The clinic has too many requests waiting. Please call the clinic to book.")
      }
      if (status === 400 && Array.isArray(body?.fields)) {
        for (const f of body.fields) {
          if (f.path.startsWith("patient.fullName")) fieldError("name", `Name ${f.message}.`)
          else if (f.path.startsWith("patient.phone")) fieldError("phone", `Phone number: ${f.message}.`)
          else fail(`${f.path}: ${f.message}`)
        }
        return
      }
      if (status === 429) return fail(`Too many requests: please wait ${body?.retryAfterSeconds ?? 60} seconds and try again.`)
      fail("The request could not be sent. Please try again or call the clinic.")
    } catch {
      fail("The request could not be sent. Please check your connection and try again.")
    } finally {
      $("submit").disabled = false
    }
  }

  const confirm = (appointment) => {
    show($("booking"), false)
    setText($("confirmation-text"),
      `You asked for ${when(appointment.start)} with ${doctorName(appointment.doctorId)}. The clinic will confirm it.`)
    setText($("confirmation-hold"), appointment.expiresAt
      ? `We hold this time for you until ${when(appointment.expiresAt)}; if the clinic has not confirmed it by then, the request expires.`
      : "")
    show($("confirmation"), true)
    $("confirmation").focus()
  }

  const start = async () => {
    const { body, status } = await api("")
    if (status !== 200) {
      setText($("load-error"), status === 429 ? "Too many requests: please wait a minute and reload." : "This booking page is not available.")
      show($("load-error"), true)
      return
    }
    catalog = body
    document.title = `Book an appointment · ${catalog.clinic.name}`
    setText($("clinic-name"), `Book an appointment at ${catalog.clinic.name}`)
    setText($("clinic-zone"), `Times are shown in the clinic's time zone (${catalog.clinic.timeZone}).`)
    $("service").replaceChildren(...catalog.services.map((s) => new Option(`${s.name} (${s.durationMinutes} min)`, s.id)))
    populateDoctors()
    show($("booking"), true)
    const today = localDate(Date.now())
    $("day").min = today
    $("service").addEventListener("change", () => { populateDoctors(); loadDay(day) })
    $("doctor").addEventListener("change", () => loadDay(day))
    $("prev-day").addEventListener("click", () => loadDay(addDays(day, -1)))
    $("next-day").addEventListener("click", () => loadDay(addDays(day, 1)))
    $("day").addEventListener("change", () => { if ($("day").value) loadDay($("day").value < today ? today : $("day").value) })
    $("next-free-day").addEventListener("click", async () => loadDay(await nextFreeDay(addDays(day, 1))))
    $("booking").addEventListener("submit", submit)
    $("book-another").addEventListener("click", () => {
      show($("confirmation"), false)
      show($("booking"), true)
      loadDay(day)
    })
    $("confirmation").tabIndex = -1
    if (catalog.services.length > 0) await loadDay(await nextFreeDay(today))
  }

  start().catch(() => {
    setText($("load-error"), "This booking page could not be loaded. Please try again later.")
    show($("load-error"), true)
  })
})()
