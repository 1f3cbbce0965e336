// The mockserver dashboard: a view of the /_mock control API, with no state of its own.
"use strict";

// ------------------------------------------------------------------ plumbing

const KEY = (() => {
  // An admin key given as ?key= is kept for this tab and taken out of the address bar.
  const params = new URLSearchParams(location.search);
  const given = params.get("key");
  if (given) {
    sessionStorage.setItem("mockserver-admin-key", given);
    params.delete("key");
    const rest = params.toString();
    history.replaceState(null, "", location.pathname + (rest ? "?" + rest : "") + location.hash);
  }
  return sessionStorage.getItem("mockserver-admin-key") || "";
})();

const $ = (selector, root = document) => root.querySelector(selector);

function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  setAttrs(el, attrs);
  for (const child of children.flat(Infinity)) {
    if (child != null && child !== false) el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

function svg(tag, attrs, ...children) {
  const el = document.createElementNS("http://www.w3.org/2000/svg", tag);
  setAttrs(el, attrs);
  for (const child of children.flat()) {
    if (child != null && child !== false) el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

function setAttrs(el, attrs) {
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value == null || value === false) continue;
    if (name === "class") el.setAttribute("class", value);
    else if (name === "dataset") Object.assign(el.dataset, value);
    else if (name.startsWith("on")) el.addEventListener(name.slice(2), value);
    else el.setAttribute(name, value === true ? "" : value);
  }
}

async function api(path, options = {}) {
  const headers = new Headers(options.headers || {});
  if (KEY) headers.set("Authorization", "Bearer " + KEY);
  return fetch(path, { ...options, headers });
}

async function apiJson(path, options) {
  const response = await api(path, options);
  const body = await response.json().catch(() => null);
  if (!response.ok) {
    const error = new Error((body && body.error && body.error.message) || response.statusText);
    error.status = response.status;
    error.body = body;
    throw error;
  }
  return body;
}

const pad = (n, width = 2) => String(n).padStart(width, "0");

function clock(epochSeconds) {
  const d = new Date(epochSeconds * 1000);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

function ms(value) {
  if (value == null) return "";
  return value >= 1000 ? (value / 1000).toFixed(2) + " s" : value.toFixed(1) + " ms";
}

function pretty(value) {
  if (value == null) return "";
  return typeof value === "string" ? value : JSON.stringify(value, null, 2);
}

function oneLine(value, limit = 140) {
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return text.length > limit ? text.slice(0, limit - 1) + "…" : text;
}

function setConn(state, text) {
  const el = $("#conn");
  el.dataset.state = state;
  el.textContent = text || { live: "live", paused: "paused", connecting: "connecting…",
    reconnecting: "reconnecting…", denied: "admin key needed" }[state] || state;
}

// ------------------------------------------------------------------ views

const views = ["traffic", "scenarios", "jobs"];

function show(view) {
  for (const name of views) {
    $("#view-" + name).hidden = name !== view;
    $("#tab-" + name).classList.toggle("active", name === view);
  }
  if (location.hash !== "#" + view) history.replaceState(null, "", "#" + view);
  if (view === "scenarios") loadScenarios();
  if (view === "jobs") loadJobs();
}

const visible = (view) => !$("#view-" + view).hidden;

// ------------------------------------------------------------------ traffic

const traffic = { source: null, rows: new Map(), entries: new Map(), pending: new Map(), paused: false,
  selected: null, operations: new Set(), maxRows: 500 };

function filterParams() {
  const params = new URLSearchParams();
  for (const [name, value] of new FormData($("#filters"))) if (value) params.set(name, value);
  return params;
}

function connect() {
  if (traffic.source) traffic.source.close();
  $("#requests tbody").replaceChildren();
  traffic.rows.clear();
  traffic.entries.clear();
  traffic.pending.clear();
  updateCount();
  const params = filterParams();
  params.set("limit", "300");
  if (KEY) params.set("key", KEY);
  const source = new EventSource("requests/stream?" + params);
  traffic.source = source;
  setConn("connecting");
  source.onopen = () => setConn(traffic.paused ? "paused" : "live");
  source.onerror = async () => {
    setConn("reconnecting");
    const probe = await api("requests?limit=1").catch(() => null);
    if (probe && probe.status === 401) { source.close(); setConn("denied"); }
  };
  source.addEventListener("request", (ev) => receive(JSON.parse(ev.data), false));
  source.addEventListener("update", (ev) => receive(JSON.parse(ev.data), true));
  source.addEventListener("overflow", () => connect());
}

function receive(entry, isUpdate) {
  noteOperation(entry.operation);
  if (traffic.paused && !traffic.rows.has(entry.id)) {
    traffic.pending.set(entry.id, entry);
    updateCount();
    return;
  }
  place(entry);
  if (isUpdate && traffic.selected === entry.id) openDetail(entry.id);
  if (visible("jobs") && isTaskPath(entry.path)) scheduleJobs();
}

function place(entry) {
  const row = requestRow(entry);
  const old = traffic.rows.get(entry.id);
  if (old) {
    old.replaceWith(row);
  } else {
    $("#requests tbody").prepend(row);
  }
  traffic.rows.set(entry.id, row);
  traffic.entries.set(entry.id, entry);
  if (entry.id === traffic.selected) row.classList.add("selected");
  while (traffic.rows.size > traffic.maxRows) {
    const oldest = Math.min(...traffic.rows.keys());
    traffic.rows.get(oldest).remove();
    traffic.rows.delete(oldest);
    traffic.entries.delete(oldest);
  }
  updateCount();
}

function updateCount() {
  const shown = traffic.rows.size;
  const waiting = traffic.pending.size;
  $("#count").textContent = `${shown} shown` + (waiting ? ` · ${waiting} new while paused` : "");
  $("#empty").hidden = shown > 0;
}

function noteOperation(operation) {
  if (!operation || traffic.operations.has(operation)) return;
  traffic.operations.add(operation);
  const select = $("#f-operation");
  const options = [...traffic.operations].sort().map((op) => h("option", { value: op }, op));
  const current = select.value;
  select.replaceChildren(h("option", { value: "" }, "all operations"), ...options);
  select.value = current;
}

function statusCell(entry) {
  if (entry.reset) return h("span", { class: "badge reset", title: "connection reset before any byte" }, "reset");
  const family = String(entry.status)[0];
  const badge = h("span", { class: `badge s${family}xx` }, entry.status);
  const marks = [];
  if (entry.stream && !entry.complete) marks.push(h("span", { class: "mark live", title: "streaming" }, "…"));
  if (entry.cut) marks.push(h("span", { class: "mark cut", title: "cut: " + entry.cut }, "✂"));
  if (entry.stream) marks.push(h("span", { class: "mark", title: "event stream" }, "SSE"));
  return [badge, ...marks];
}

function answeredBy(entry) {
  const parts = [h("span", { class: "answered" }, entry.answered_by)];
  const scenario = entry.scenario;
  if (scenario && scenario.step != null) parts.push(h("span", { class: "muted" }, ` · step ${scenario.step}`));
  if (entry.scenario_skipped) parts.push(h("span", { class: "tag miss", title: "X-Mock-Scenario skipped" }, "skipped"));
  if (entry.headers && entry.headers.prefer) parts.push(h("span", { class: "tag" }, "Prefer"));
  return parts;
}

function requestRow(entry) {
  const latency = entry.stream ? (entry.complete ? ms(entry.duration_ms) : "streaming") : ms(entry.elapsed_ms);
  return h("tr", { dataset: { id: entry.id }, class: "row", onclick: () => openDetail(entry.id) },
    h("td", { class: "time" }, clock(entry.time)),
    h("td", { class: "method" }, entry.method),
    h("td", { class: "path", title: entry.path }, entry.path),
    h("td", { class: "op" }, entry.operation || "—"),
    h("td", { class: "model" }, entry.model || ""),
    h("td", { class: "asked", title: entry.preview || "" }, entry.preview || ""),
    h("td", { class: "status" }, statusCell(entry)),
    h("td", { class: "by" }, answeredBy(entry)),
    h("td", { class: "num" }, latency),
    h("td", { class: "test-id" }, entry.test_id || ""));
}

function setPaused(paused) {
  traffic.paused = paused;
  $("#pause").textContent = paused ? "Resume" : "Pause";
  $("#pause").classList.toggle("active", paused);
  setConn(paused ? "paused" : "live");
  if (!paused) {
    const waiting = [...traffic.pending.values()].sort((a, b) => a.id - b.id);
    traffic.pending.clear();
    waiting.forEach(place);
    updateCount();
  }
}

// ------------------------------------------------------------------ one request in full

async function openDetail(id) {
  traffic.selected = id;
  for (const [rowId, row] of traffic.rows) row.classList.toggle("selected", rowId === id);
  const pane = $("#detail");
  pane.hidden = false;
  let entry;
  try {
    entry = await apiJson("requests/" + id);
  } catch (error) {
    pane.replaceChildren(h("p", { class: "banner error" }, error.message));
    return;
  }
  if (traffic.selected !== id) return;
  pane.replaceChildren(...detailView(entry));
}

function detailView(e) {
  const response = e.response || {};
  const head = h("div", { class: "detail-head" },
    h("strong", {}, `#${e.id} ${e.method} ${e.path}`),
    h("span", { class: "status" }, statusCell(e)),
    h("span", { class: "spacer" }),
    h("button", { type: "button", class: "button", id: "to-scenario", onclick: () => toScenario(e) }, "To scenario"),
    h("button", { type: "button", class: "button quiet", id: "as-curl", onclick: () => asCurl(e) }, "Copy as curl"),
    h("button", { type: "button", class: "button quiet", onclick: closeDetail }, "Close"));
  const facts = h("dl", { class: "facts" },
    fact("time", clock(e.time)), fact("operation", e.operation || "—"), fact("model", e.model || "—"),
    fact("answered by", e.answered_by), fact("elapsed", ms(e.elapsed_ms)),
    e.stream ? fact("stream", response.complete ? ms(response.duration_ms) : "streaming…") : null,
    fact("test id", e.test_id || "—"), fact("request id", e.request_id || "—"));
  return [head, facts, whySection(e), problemSection(e), proxySection(e), streamSection(e), replySection(e),
    requestSection(e), responseSection(e)].filter(Boolean);
}

function fact(name, value) {
  return [h("dt", {}, name), h("dd", {}, value)];
}

function section(title, open, ...content) {
  return h("details", { class: "section", open }, h("summary", {}, title), ...content);
}

function closeDetail() {
  traffic.selected = null;
  $("#detail").hidden = true;
  for (const row of traffic.rows.values()) row.classList.remove("selected");
}

function whySection(e) {
  const scenario = e.scenario;
  const items = [];
  if (scenario) {
    items.push(h("p", {}, "Scenario ", h("strong", {}, scenario.name),
      scenario.step != null ? ` (step ${scenario.step})` : "", scenario.key ? `, key ${scenario.key}` : ""));
    items.push(h("ul", { class: "checks" }, (scenario.why || []).map((why) => h("li", { class: "pass" }, why))));
    if (scenario.outcome) items.push(h("p", { class: "muted" }, "Outcome: " + scenario.outcome));
  }
  if (e.scenario_skipped) {
    items.push(h("p", {}, `X-Mock-Scenario '${e.scenario_skipped.scenario}' was skipped:`),
      h("ul", { class: "checks" }, e.scenario_skipped.why.map((why) => h("li", { class: "fail" }, why))));
  }
  if (!scenario && e.nearest_scenarios && e.nearest_scenarios.length) {
    items.push(h("p", {}, "No scenario matched. The nearest, and why each failed:"));
    items.push(h("ul", { class: "misses" }, e.nearest_scenarios.map((miss) => h("li", { class: "miss-item" },
      h("strong", {}, miss.scenario),
      h("ul", { class: "checks" },
        miss.failed.map((text) => h("li", { class: "fail" }, text)),
        miss.passed.map((text) => h("li", { class: "pass" }, text)))))));
  }
  if (e.headers && e.headers.prefer) items.push(h("p", {}, "Prefer: ", h("code", {}, e.headers.prefer)));
  return items.length ? section("Why this answer", true, ...items) : null;
}

function problemSection(e) {
  const response = e.response || {};
  const items = [];
  if (e.status >= 400) {
    const message = errorMessage(response.body);
    items.push(h("p", { class: "error-text" }, `${e.status}: ${message || "(no message)"}`));
  }
  const violations = (response.headers || {})["x-mock-violations"];
  if (violations) {
    items.push(h("p", {}, "Contract violations (x-mock-violations):"),
      h("ul", { class: "checks" }, violations.split(/;\s*|\n/).filter(Boolean).map((v) => h("li", { class: "fail" }, v))));
  }
  if (response.cut) items.push(h("p", { class: "error-text" }, "Cut: " + response.cut));
  return items.length ? section("Errors and faults", true, ...items) : null;
}

function errorMessage(body) {
  if (!body || typeof body !== "object") return typeof body === "string" ? body : "";
  const error = body.error;
  if (error && typeof error === "object") return error.message || JSON.stringify(error);
  if (typeof error === "string") return error;
  return body.message || body.description || "";
}

function proxySection(e) {
  if (!e.proxy) return null;
  const rows = Object.entries(e.proxy).map(([name, value]) => [name, typeof value === "string" ? value : JSON.stringify(value)]);
  return section("Forwarded to the upstream", true, headersTable(Object.fromEntries(rows)));
}

function isData(event) {
  return "data" in event || "raw" in event;
}

function eventKind(event) {
  if (!isData(event)) return "ping";
  const data = event.data;
  if (event.event === "error" || event.event === "response.failed" || (data && typeof data === "object" && "error" in data)) return "error";
  if (event.not_json) return "broken";
  if (data === "[DONE]" || event.event === "message_stop" || event.event === "response.completed") return "done";
  return "content";
}

function streamSection(e) {
  const response = e.response || {};
  if (response.kind !== "stream") return null;
  const events = response.events || [];
  const dataEvents = events.filter(isData);
  let gap = 0;
  for (let i = 1; i < dataEvents.length; i++) gap = Math.max(gap, dataEvents[i].t_ms - dataEvents[i - 1].t_ms);
  const stats = h("p", { class: "stats" },
    stat("events", dataEvents.length), stat("TTFT", ms(response.ttft_ms)), stat("duration", ms(response.duration_ms)),
    stat("largest gap", ms(gap)), response.cut ? h("span", { class: "stat cut" }, "✂ " + response.cut) : null,
    response.complete ? null : h("span", { class: "stat live" }, "still streaming"),
    response.truncated ? h("span", { class: "stat" }, "(only the first 256 KiB kept)") : null);
  const rows = [];
  let previous = null;
  events.forEach((event, index) => {
    const kind = eventKind(event);
    const delta = previous == null ? "" : "+" + (event.t_ms - previous).toFixed(1);
    previous = event.t_ms;
    const shown = isData(event) ? oneLine(event.raw || gist(event.data), 200) : ": " + (event.comment || "");
    rows.push(h("tr", { class: "event " + kind },
      h("td", { class: "num" }, index), h("td", { class: "num" }, event.t_ms.toFixed(1)),
      h("td", { class: "num muted" }, delta), h("td", {}, event.event || (kind === "ping" ? "ping" : "")),
      h("td", { class: "data" }, shown)));
  });
  return section(`Stream timeline (${dataEvents.length} events)`, true, stats, timeline(response),
    h("div", { class: "events-wrap" }, h("table", { class: "grid events" },
      h("thead", {}, h("tr", {}, h("th", { class: "num" }, "#"), h("th", { class: "num" }, "t ms"),
        h("th", { class: "num" }, "gap"), h("th", {}, "event"), h("th", {}, "data"))),
      h("tbody", {}, rows))));
}

function gist(data) {
  // The part of an event that changes from one to the next: a delta, a content part, an error.
  if (!data || typeof data !== "object") return data;
  if ("error" in data) return { error: data.error };
  const choice = Array.isArray(data.choices) && data.choices[0];
  if (choice && (choice.delta || "text" in choice)) {
    const out = choice.delta ? { delta: choice.delta } : { text: choice.text };
    if (choice.finish_reason) out.finish_reason = choice.finish_reason;
    if (data.usage) out.usage = data.usage;
    return out;
  }
  if (Array.isArray(data.choices) && data.usage) return { usage: data.usage };
  if (data.delta !== undefined) return { delta: data.delta, ...(data.usage ? { usage: data.usage } : {}) };
  const candidate = Array.isArray(data.candidates) && data.candidates[0];
  if (candidate) return { parts: (candidate.content || {}).parts, ...(candidate.finishReason ? { finishReason: candidate.finishReason } : {}) };
  if (data.content_block) return { content_block: data.content_block };
  return data;
}

function stat(name, value) {
  return h("span", { class: "stat" }, h("span", { class: "muted" }, name + " "), value);
}

function timeline(response) {
  const events = response.events || [];
  const end = Math.max(response.duration_ms || 0, ...events.map((e) => e.t_ms), 1);
  const width = 640, height = 78, left = 10, right = 10, axis = 54;
  const x = (t) => left + (width - left - right) * (t / end);
  const marks = events.map((event) => {
    const kind = eventKind(event);
    const top = kind === "ping" ? axis - 8 : axis - 22;
    return svg("line", { x1: x(event.t_ms), x2: x(event.t_ms), y1: top, y2: axis, class: "tick " + kind },
      svg("title", {}, `${event.t_ms.toFixed(1)} ms ${event.event || kind}`));
  });
  const parts = [svg("line", { x1: left, x2: width - right, y1: axis, y2: axis, class: "axis" }), ...marks,
    svg("text", { x: left, y: height - 6, class: "label" }, "0"),
    svg("text", { x: width - right, y: height - 6, class: "label end" }, ms(end))];
  if (response.ttft_ms != null) {
    const at = x(response.ttft_ms);
    parts.push(svg("line", { x1: at, x2: at, y1: 12, y2: axis + 4, class: "ttft" }),
      svg("text", { x: Math.min(at + 4, width - 120), y: 11, class: "label ttft-label" }, "TTFT " + ms(response.ttft_ms)));
  }
  if (response.cut) {
    const at = x(response.duration_ms != null ? response.duration_ms : end);
    parts.push(svg("line", { x1: at, x2: at, y1: 20, y2: axis + 6, class: "cut" }),
      svg("text", { x: Math.max(at - 4, 40), y: 30, class: "label cut-label end" }, "✂ cut"));
  }
  return svg("svg", { viewBox: `0 0 ${width} ${height}`, class: "timeline", role: "img",
    "aria-label": "stream timeline" }, parts);
}

function replySection(e) {
  const reply = e.reply;
  if (!reply) return null;
  const items = [];
  const text = reply.text != null ? reply.text : (reply.text_chunks || []).join("");
  if (text) items.push(h("pre", { class: "reassembled text" }, text));
  if (reply.refusal) items.push(h("p", {}, "Refusal: ", h("em", {}, reply.refusal)));
  if (reply.reasoning) items.push(h("p", { class: "muted" }, "Reasoning: " + reply.reasoning));
  for (const call of reply.tool_calls || []) {
    const args = call.arguments != null ? pretty(call.arguments)
      : call.arguments_raw != null ? call.arguments_raw : (call.arguments_chunks || []).join("");
    let shown = args;
    try { shown = pretty(JSON.parse(args)); } catch (_) { /* keep the text as sent */ }
    items.push(h("div", { class: "tool-call" }, h("code", {}, call.name + "(…)"),
      call.arguments_chunks ? h("span", { class: "muted" }, ` in ${call.arguments_chunks.length} fragments`) : null,
      h("pre", {}, shown)));
  }
  if (reply.finish) items.push(h("p", { class: "muted" }, "Finish: " + reply.finish));
  return items.length ? section(e.stream ? "Reassembled from the stream" : "Reply", true, ...items) : null;
}

function headersTable(headers) {
  return h("table", { class: "grid kv" }, h("tbody", {}, Object.entries(headers || {}).map(([name, value]) =>
    h("tr", {}, h("th", {}, name), h("td", {}, value)))));
}

function requestSection(e) {
  const query = Object.keys(e.query || {}).length ? [h("h4", {}, "Query"), headersTable(e.query)] : [];
  return section("Request", false, h("h4", {}, "Headers"), headersTable(e.headers), ...query,
    h("h4", {}, "Body"), h("pre", { class: "body" }, pretty(e.body) || "(empty)"));
}

function responseSection(e) {
  const response = e.response || {};
  let body;
  if (response.kind === "reset") body = "(no response: the connection was reset)";
  else if (response.kind === "stream") body = "(an event stream: see the timeline)";
  else if (response.binary) body = `(binary, ${response.body_bytes} bytes)`;
  else if (e.proxy && !response.body_bytes) body = "(relayed from the upstream as it came; not kept)";
  else body = pretty(response.body) + (response.truncated ? `\n… (${response.body_bytes} bytes in all)` : "");
  return section(`Response ${response.status || ""}`, false, h("h4", {}, "Headers"), headersTable(response.headers),
    h("h4", {}, "Body"), h("pre", { class: "body" }, body || "(empty)"));
}

// ------------------------------------------------------------------ from request to scenario, curl

function dialog(title, text, actions) {
  $("#dialog-title").textContent = title;
  $("#dialog-text").value = text;
  $("#dialog-actions").replaceChildren(...actions);
  $("#dialog-problems").replaceChildren();
  $("#dialog-status").textContent = "";
  const box = $("#dialog");
  if (!box.open) box.showModal();
}

async function toScenario(entry) {
  const response = await api(`requests/${entry.id}/scenario`);
  const yaml = await response.text();
  const name = (yaml.match(/^name: (.*)$/m) || [])[1] || "scenario";
  dialog(`Scenario from request #${entry.id}`, yaml, [
    h("button", { type: "button", class: "button", id: "scenario-add", onclick: addDialogScenario }, "Add to server"),
    h("button", { type: "button", class: "button quiet", onclick: () => download(name + ".yaml", $("#dialog-text").value) },
      "Download")]);
}

async function addDialogScenario() {
  const response = await api("scenarios", { method: "POST", headers: { "content-type": "application/yaml" },
    body: $("#dialog-text").value });
  const body = await response.json().catch(() => ({}));
  if (response.ok) {
    $("#dialog-problems").replaceChildren();
    $("#dialog-status").textContent = `Added: ${body.added.join(", ")}. The next matching request gets this answer.`;
  } else {
    showProblems($("#dialog-problems"), body.error, null);
    $("#dialog-status").textContent = "Not added.";
  }
}

function download(name, text) {
  const link = h("a", { href: URL.createObjectURL(new Blob([text], { type: "application/yaml" })), download: name });
  document.body.append(link);
  link.click();
  link.remove();
}

async function asCurl(entry) {
  const text = await (await api(`requests/${entry.id}/curl`)).text();
  dialog(`Request #${entry.id} as curl`, text, [h("button", { type: "button", class: "button", id: "curl-copy",
    onclick: async () => {
      try {
        await navigator.clipboard.writeText($("#dialog-text").value);
        $("#dialog-status").textContent = "Copied.";
      } catch (_) {
        $("#dialog-text").select();
        $("#dialog-status").textContent = "Selected: press Ctrl+C to copy.";
      }
    } }, "Copy")]);
}

// ------------------------------------------------------------------ scenarios

const scenarios = { editing: null, list: [] };

async function loadScenarios() {
  let listing;
  try {
    listing = await apiJson("scenarios");
  } catch (error) {
    $("#reload-error").hidden = false;
    $("#reload-error").textContent = error.message;
    return;
  }
  scenarios.list = listing.data;
  const dirs = $("#scenario-dirs");
  dirs.textContent = "from " + listing.directories.map((d) => d.split("/").pop()).join(", ");
  dirs.title = listing.directories.join("\n");
  $("#reload-error").hidden = !listing.reload_error;
  $("#reload-error").textContent = listing.reload_error
    ? "A scenario file has errors; the last good set is still in use:\n" + listing.reload_error : "";
  $("#scenarios tbody").replaceChildren(...listing.data.map(scenarioRow));
  const select = $("#f-scenario");
  const current = select.value;
  select.replaceChildren(h("option", { value: "" }, "any scenario"),
    ...listing.data.map((s) => h("option", { value: s.name }, s.name)));
  select.value = current;
}

function shortSource(s) {
  if (s.added) return "added at run time";
  const file = s.source.split("/").pop();
  return `${file}:${s.line}`;
}

function matchSummary(s) {
  const match = (s.definition && s.definition.match) || {};
  if (s.selected_by_header_only) return "X-Mock-Scenario only";
  const parts = Object.entries(match).map(([name, value]) => `${name}: ${oneLine(value, 48)}`);
  return parts.join(" · ") || "every request";
}

function answerSummary(s) {
  const d = s.definition || {};
  const kinds = ["reply", "fault", "raw", "stream", "task", "pass", "rate_limit", "on_tool_result"].filter((k) => k in d);
  if (d.sequence) return `sequence of ${d.sequence.length} (${s.mode})`;
  return kinds.join(" + ") || "default";
}

function scenarioRow(s) {
  const positions = Object.entries(s.positions || {}).map(([key, position]) => `${key || "(no key)"}: ${position}`);
  return h("tr", { dataset: { name: s.name }, class: s.enabled ? "" : "disabled" },
    h("td", {}, h("input", { type: "checkbox", class: "enable", checked: s.enabled, title: "enabled",
      onchange: (ev) => toggleScenario(s.name, ev.target.checked) })),
    h("td", {}, h("strong", {}, s.name), s.description ? h("div", { class: "muted small" }, s.description) : null),
    h("td", { title: s.source }, shortSource(s)),
    h("td", { class: "small" }, matchSummary(s)),
    h("td", { class: "small" }, answerSummary(s)),
    h("td", { class: "num hits" }, s.hits),
    h("td", { class: "small" }, positions.join(", ")),
    h("td", { class: "actions" },
      h("button", { type: "button", class: "button small edit", onclick: () => editScenario(s.name) }, "Edit"),
      h("button", { type: "button", class: "button small quiet", onclick: () => deleteScenario(s.name) }, "Delete")));
}

async function toggleScenario(name, enabled) {
  await api(`scenarios/${encodeURIComponent(name)}/${enabled ? "enable" : "disable"}`, { method: "POST" });
  loadScenarios();
}

async function deleteScenario(name) {
  await api(`scenarios/${encodeURIComponent(name)}`, { method: "DELETE" });
  if (scenarios.editing === name) closeEditor();
  loadScenarios();
}

async function editScenario(name) {
  const scenario = await apiJson(`scenarios/${encodeURIComponent(name)}`);
  openEditor(name, `Edit ${name}`, scenario.yaml);
}

function openEditor(name, title, text) {
  scenarios.editing = name;
  $("#editor").hidden = false;
  $("#editor-title").textContent = title;
  $("#editor-text").value = text;
  $("#editor-problems").replaceChildren();
  $("#editor-status").textContent = name ? "Saving replaces it on the running server (the file is not changed)." :
    "Saving adds it to the running server.";
  renderGutter([]);
}

function closeEditor() {
  scenarios.editing = null;
  $("#editor").hidden = true;
}

function renderGutter(badLines) {
  const count = $("#editor-text").value.split("\n").length;
  const bad = new Set(badLines);
  const lines = [];
  for (let n = 1; n <= count; n++) lines.push(h("span", { class: bad.has(n) ? "bad" : null, dataset: { line: n } }, n + "\n"));
  $("#editor-gutter").replaceChildren(...lines);
}

function showProblems(list, error, textarea) {
  const problems = (error && error.problems) || [];
  const items = problems.length ? problems : [{ line: 0, reason: (error && error.message) || "rejected" }];
  list.replaceChildren(...items.map((p) => h("li", { class: "fail", dataset: { line: p.line },
    onclick: () => textarea && selectLine(textarea, p.line) },
  p.line ? h("span", { class: "line-ref" }, `line ${p.line}: `) : null, p.reason)));
  return problems.map((p) => p.line).filter(Boolean);
}

function selectLine(textarea, line) {
  const lines = textarea.value.split("\n");
  const start = lines.slice(0, line - 1).reduce((n, l) => n + l.length + 1, 0);
  textarea.focus();
  textarea.setSelectionRange(start, start + (lines[line - 1] || "").length);
}

async function saveEditor() {
  const name = scenarios.editing;
  const text = $("#editor-text").value;
  const options = { method: name ? "PUT" : "POST", headers: { "content-type": "application/yaml" }, body: text };
  const response = await api(name ? `scenarios/${encodeURIComponent(name)}` : "scenarios", options);
  const body = await response.json().catch(() => ({}));
  if (!response.ok) {
    const lines = showProblems($("#editor-problems"), body.error, $("#editor-text"));
    renderGutter(lines);
    $("#editor-status").textContent = "Not saved: the running scenarios are unchanged.";
    return;
  }
  $("#editor-problems").replaceChildren();
  renderGutter([]);
  const saved = name ? body.name : body.added[0];
  scenarios.editing = saved;
  $("#editor-title").textContent = `Edit ${saved}`;
  $("#editor-status").textContent = `Saved ${saved}.`;
  loadScenarios();
}

const NEW_SCENARIO = `name: my-scenario
description: what it is for
match:
  operation: createChatCompletion
  message: hello
reply:
  text: Hello from a scenario.
`;

// ------------------------------------------------------------------ jobs

const jobs = { timer: null, scheduled: null, cards: new Map() };

function isTaskPath(path) {
  return /^\/(mj|suno|kling|luma|pika|runway|hailuo|minimax|v1\/videos|v1\/video)/.test(path || "");
}

function scheduleJobs() {
  clearTimeout(jobs.scheduled);
  jobs.scheduled = setTimeout(loadJobs, 250);
}

async function loadJobs() {
  clearTimeout(jobs.timer);
  let listing;
  try {
    listing = await apiJson("jobs?limit=60");
  } catch (error) {
    $("#jobs").replaceChildren(h("p", { class: "banner error" }, error.message));
    return;
  }
  $("#jobs-count").textContent = `${listing.count} most recent of ${listing.total} jobs`;
  $("#jobs-empty").hidden = listing.count > 0;
  renderJobs(listing.data);
  const running = listing.data.some((job) => !["succeeded", "failed", "cancelled"].includes(job.phase));
  if (running && visible("jobs")) jobs.timer = setTimeout(loadJobs, 1500);
}

function renderJobs(list) {
  // Cards that did not change stay as they are (a video someone is watching keeps playing).
  const container = $("#jobs");
  const cards = new Map();
  const nodes = list.map((job) => {
    const signature = JSON.stringify([job.phase, job.percent, job.polls, job.assets, job.fail_reason, job.body]);
    const known = jobs.cards.get(job.id);
    const card = known && known.signature === signature ? known.card : jobCard(job);
    cards.set(job.id, { card, signature });
    return card;
  });
  jobs.cards = cards;
  if (container.querySelector(".banner")) container.replaceChildren();
  nodes.forEach((node, index) => {
    if (container.children[index] !== node) container.insertBefore(node, container.children[index] || null);
  });
  while (container.children.length > nodes.length) container.lastElementChild.remove();
}

function jobCard(job) {
  const percent = job.phase === "succeeded" ? 100 : job.percent;
  return h("article", { class: "job " + job.phase, dataset: { id: job.id, family: job.family } },
    h("header", {}, h("strong", {}, job.family), h("span", { class: "muted" }, " " + job.kind),
      h("span", { class: "spacer" }), h("span", { class: "pill " + job.phase }, job.phase)),
    h("div", { class: "progress", title: percent + "%" }, h("div", { class: "bar", style: `width:${percent}%` })),
    h("p", { class: "small" }, h("code", {}, job.id)),
    job.prompt ? h("p", { class: "prompt" }, job.prompt) : null,
    job.fail_reason ? h("p", { class: "error-text small" }, job.fail_reason) : null,
    h("p", { class: "muted small" }, `submitted ${clock(job.submitted_at)} · ${job.polls} polls`),
    h("div", { class: "assets" }, job.assets.map((asset) => assetView(asset, job.assets))),
    h("details", { class: "section" }, h("summary", {}, "As a poll answers it"), h("pre", { class: "body" }, pretty(job.body))));
}

function assetView(asset, all) {
  if (asset.kind === "image") {
    return h("a", { href: asset.url, target: "_blank", rel: "noopener" },
      h("img", { src: asset.url, alt: "image asset", loading: "lazy", class: "thumb" }));
  }
  // Media is rendered on request by the mock: fetch it when played, not when the list is drawn.
  if (asset.kind === "audio") return h("audio", { src: asset.url, controls: true, preload: "none" });
  const poster = all.find((other) => other.kind === "image");
  return h("video", { src: asset.url, controls: true, preload: "none", poster: poster && poster.url, class: "thumb" });
}

// ------------------------------------------------------------------ wiring

function start() {
  for (const name of views) $("#tab-" + name).addEventListener("click", () => show(name));
  $("#filters").addEventListener("change", connect);
  let typing = null;
  $("#filters").addEventListener("input", (ev) => {
    if (ev.target.tagName !== "INPUT") return;
    clearTimeout(typing);
    typing = setTimeout(connect, 300);
  });
  $("#filters").addEventListener("submit", (ev) => { ev.preventDefault(); connect(); });
  $("#pause").addEventListener("click", () => setPaused(!traffic.paused));
  $("#clear-journal").addEventListener("click", async () => { await api("requests", { method: "DELETE" }); connect(); closeDetail(); });
  $("#new-scenario").addEventListener("click", () => openEditor(null, "New scenario", NEW_SCENARIO));
  $("#reset-positions").addEventListener("click", async () => { await api("state", { method: "DELETE" }); loadScenarios(); });
  $("#reload-scenarios").addEventListener("click", async () => {
    if (!window.confirm("Go back to the scenario files on disk? Scenarios added or edited here are dropped, "
      + "every scenario is enabled again and sequence positions start over.")) return;
    await api("scenarios/reset", { method: "POST" });
    loadScenarios();
  });
  $("#editor-save").addEventListener("click", saveEditor);
  $("#editor-close").addEventListener("click", closeEditor);
  $("#editor-text").addEventListener("input", () => renderGutter([]));
  $("#editor-text").addEventListener("scroll", () => { $("#editor-gutter").scrollTop = $("#editor-text").scrollTop; });
  $("#dialog-close").addEventListener("click", () => $("#dialog").close());
  // A page kept in the back/forward cache would hold its feed's connection (browsers allow six per server).
  addEventListener("pagehide", () => { if (traffic.source) traffic.source.close(); });
  addEventListener("pageshow", (ev) => { if (ev.persisted) connect(); });
  connect();
  loadScenarios();
  const view = location.hash.slice(1);
  show(views.includes(view) ? view : "traffic");
}

start();
