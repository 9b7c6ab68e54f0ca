/**
 * Bearer-token protection for writes, on when `ADALRS_TOKEN` is set.
 *
 * @module
 */

import type { MiddlewareHandler } from "hono";
import { timingSafeEqual } from "node:crypto";
import { ApiError } from "./errors.ts";

/**
 * Requires `Authorization: Bearer <token>` on every request that is not GET, HEAD or OPTIONS.
 *
 * @param token the expected token; when undefined or empty, every request passes
 */
export function requireTokenForWrites(token: string | undefined): MiddlewareHandler {
  const expected = new TextEncoder().encode(token ?? "");
  return async function tokenForWrites(c, next) {
    const safe = c.req.method === "GET" || c.req.method === "HEAD" || c.req.method === "OPTIONS";
    if (expected.length > 0 && !safe) {
      const header = c.req.header("authorization") ?? "";
      const given = new TextEncoder().encode(header.replace(/^Bearer\s+/i, ""));
      // Compare in constant time; a length mismatch is compared against itself to take as long.
      const same = given.length === expected.length
        ? timingSafeEqual(given, expected)
        : !timingSafeEqual(expected, expected);
      if (!header.match(/^Bearer\s+/i) || !same) {
        throw new ApiError(401, "This write needs the header Authorization: Bearer <ADALRS_TOKEN>");
      }
    }
    await next();
  };
}
