/**
 * Refusing requests a browser could be tricked into sending: a page on another site posting to
 * the service on loopback (cross-site request forgery), or reaching it under its own host name
 * through a DNS record that points at 127.0.0.1 (DNS rebinding). Binding to loopback stops
 * neither; these checks do, on by default.
 *
 * @module
 */

import type { MiddlewareHandler } from "hono";
import { ApiError } from "./errors.ts";

/** Host names a local service answers to unless told others. */
export const LOOPBACK_HOSTS = ["localhost", "127.0.0.1", "[::1]"];

/** Options of {@linkcode refuseForeignRequests}. */
export interface GuardOptions {
  /** Host names (no port) the service answers to; `"*"` among them allows any. */
  allowedHosts?: string[];
  /** Origins besides the service's own that may write, e.g. `https://dashboard.example`. */
  allowedOrigins?: string[];
}

/** Paths a load balancer or orchestrator probes under whatever host name it uses. */
const PROBES = new Set(["/health", "/ready"]);

/**
 * Refuses, with a JSON error naming what to change:
 * - a `Host` not in `allowedHosts` (421), except on `/health` and `/ready`;
 * - a write whose `Origin` is another site's, or whose `Sec-Fetch-Site` says cross-site (403);
 * - a write whose body is declared as anything but JSON, or sent without a type (415): the
 *   types a page may send another site without asking first are exactly the non-JSON ones.
 *
 * @param opts allowed hosts (@default {@linkcode LOOPBACK_HOSTS}) and origins (@default none)
 */
export function refuseForeignRequests(opts: GuardOptions = {}): MiddlewareHandler {
  const hosts = new Set((opts.allowedHosts ?? LOOPBACK_HOSTS).map((h) => h.toLowerCase()));
  const origins = new Set(opts.allowedOrigins ?? []);
  return async function foreignRequests(c, next) {
    const url = new URL(c.req.url);
    if (!hosts.has("*") && !hosts.has(url.hostname) && !PROBES.has(url.pathname)) {
      throw new ApiError(
        421,
        `This service does not answer to the host name ${JSON.stringify(url.hostname)}; ` +
          `start it with --allowed-hosts ${url.hostname} if it should`,
      );
    }
    const method = c.req.method;
    if (method !== "GET" && method !== "HEAD" && method !== "OPTIONS") {
      const origin = c.req.header("origin");
      if (origin !== undefined && origin !== url.origin && !origins.has(origin)) {
        throw new ApiError(
          403,
          `Writes from the origin ${JSON.stringify(origin)} are refused; start the service ` +
            `with --allowed-origins ${origin} to allow them`,
        );
      }
      if (origin === undefined && c.req.header("sec-fetch-site") === "cross-site") {
        throw new ApiError(403, "Cross-site writes are refused");
      }
      await requireJsonBody(
        c.req.header("content-type"),
        c.req.header("content-length"),
        c.req.raw,
      );
    }
    await next();
  };
}

async function requireJsonBody(
  type: string | undefined,
  length: string | undefined,
  req: Request,
) {
  if (type === undefined) {
    if (req.body === null || length === "0") return;
    // `curl -X POST` sends no body and neither a Content-Length nor a Transfer-Encoding, and the
    // server still hands over a body stream: an empty one. (Such a request has no body on the
    // wire, so reading it costs nothing.)
    const unannounced = length === undefined && !req.headers.has("transfer-encoding");
    if (unannounced && (await req.clone().text()) === "") return;
  }
  const essence = (type ?? "").split(";")[0].trim().toLowerCase();
  if (essence === "application/json" || /^application\/[\w.+-]+\+json$/.test(essence)) return;
  throw new ApiError(
    415,
    type === undefined
      ? "A request body needs the header Content-Type: application/json"
      : `Content-Type ${JSON.stringify(type)} is not accepted: send application/json`,
  );
}
