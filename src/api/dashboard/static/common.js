// @ts-check
/// <reference lib="dom" />
/**
 * What every dashboard page shares: calls to the JSON API (with the token on writes), small DOM
 * helpers, number formats, and the token field.
 *
 * @module
 */

const TOKEN_KEY = "adalrs-token";

/** A failed API call: its status, message, and field issues when the API listed them. */
export class ApiFailure extends Error {
  /**
   * @param {number} status
   * @param {string} message
   * @param {{ path: string, message: string }[]} issues
   */
  constructor(status, message, issues) {
    super(message);
    this.status = status;
    this.issues = issues;
  }
}

/**
 * Calls the JSON API. Writes carry `Authorization: Bearer <token>` when a token is set.
 *
 * @param {string} path e.g. `/v1/runs`
 * @param {{ method?: string, body?: unknown }} [opts]
 * @returns {Promise<any>} the parsed JSON body
 * @throws {ApiFailure} on any status but 2xx
 */
export async function api(path, opts = {}) {
  const method = opts.method ?? "GET";
  /** @type {Record<string, string>} */
  const headers = { accept: "application/json" };
  if (opts.body !== undefined) headers["content-type"] = "application/json";
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (method !== "GET" && token) headers.authorization = `Bearer ${token}`;
  const res = await fetch(path, {
    method,
    headers,
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
  });
  const text = await res.text();
  /** @type {any} */
  let body = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = { error: { message: text } };
  }
  if (!res.ok) {
    const error = body?.error ?? {};
    let message = error.message ?? `${res.status} ${res.statusText}`;
    if (res.status === 401) message += " (enter the API token at the top of the page)";
    throw new ApiFailure(res.status, message, error.issues ?? []);
  }
  return body;
}

/**
 * Creates an element.
 *
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Record<string, string | number | boolean | undefined>} [attrs] attributes; `text` sets
 *   the text content, `class` the class, booleans add or leave out the attribute
 * @param {(Node | string)[]} children
 * @returns {HTMLElementTagNameMap[K]}
 */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    if (key === "text") node.textContent = String(value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  node.append(...children);
  return node;
}

/**
 * The element with this id, or an error naming it.
 *
 * @template {HTMLElement} T
 * @param {string} id
 * @param {new (...args: any[]) => T} type
 * @returns {T}
 */
export function byId(id, type) {
  const node = document.getElementById(id);
  if (!(node instanceof type)) throw new Error(`The page has no ${type.name} #${id}`);
  return node;
}

/**
 * A number in a short form: `3.2e-4`, `2.913`, `NaN`.
 *
 * @param {number | string | null | undefined} x a number, or a non-finite loss as a string
 * @param {number} [digits] significant digits
 */
export function num(x, digits = 4) {
  if (x === null || x === undefined) return "–";
  if (typeof x === "string") return x;
  if (!Number.isFinite(x)) return String(x);
  if (x !== 0 && (Math.abs(x) < 1e-3 || Math.abs(x) >= 1e5)) return x.toExponential(digits - 2);
  return String(Number(x.toPrecision(digits)));
}

/**
 * Shows a failure: the message, and each field issue in a list.
 *
 * @param {HTMLElement} box where the errors go
 * @param {unknown} err what was thrown
 */
export function showError(box, err) {
  box.replaceChildren();
  const failure = err instanceof ApiFailure ? err : null;
  const message = err instanceof Error ? err.message : String(err);
  if (failure && failure.issues.length > 0) {
    // The message repeats the issues after its first colon; the list shows them one a line.
    box.append(el("p", { text: `${message.split(": ")[0]}:` }));
    box.append(
      el(
        "ul",
        {},
        ...failure.issues.map((i) => el("li", {}, el("code", { text: i.path }), `: ${i.message}`)),
      ),
    );
  } else box.append(el("p", { text: message }));
}

/** Wires the token field of the page header to sessionStorage. */
export function initTokenField() {
  const input = byId("token", HTMLInputElement);
  input.value = sessionStorage.getItem(TOKEN_KEY) ?? "";
  input.addEventListener("input", () => {
    if (input.value) sessionStorage.setItem(TOKEN_KEY, input.value);
    else sessionStorage.removeItem(TOKEN_KEY);
  });
}

/**
 * Calls `task` now and then every `ms` while the page is open, one call at a time; stops when it
 * returns false.
 *
 * @param {() => Promise<boolean | void>} task
 * @param {number} ms
 */
export function every(task, ms) {
  const tick = async () => {
    let again = true;
    try {
      again = (await task()) !== false;
    } catch (err) {
      console.warn("Refresh failed:", err);
    }
    if (again) setTimeout(tick, ms);
  };
  tick();
}

/** @param {string} status */
export function isTerminal(status) {
  return status === "completed" || status === "failed" || status === "cancelled";
}
