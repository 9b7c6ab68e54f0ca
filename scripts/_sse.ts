/**
 * A minimal server-sent-events reader for the CLI: yields each event of a run's stream.
 *
 * @module
 */

import type { RunEvent } from "../src/events/mod.ts";

/**
 * Follows `url` (a run's `/events/stream`) until the server ends the stream.
 *
 * @param url the stream's URL
 * @returns the run's events, in order, as they arrive
 */
export async function* followEvents(url: string): AsyncGenerator<RunEvent> {
  const res = await fetch(url);
  if (!res.ok || !res.body) throw new Error(`GET ${url}: ${res.status}`);
  const decoder = new TextDecoder();
  let buffer = "";
  for await (const chunk of res.body) {
    buffer += decoder.decode(chunk, { stream: true });
    let end: number;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const data = block.split("\n").filter((l) => l.startsWith("data:")).map((l) =>
        l.slice(5).trim()
      ).join("\n");
      if (data) yield JSON.parse(data) as RunEvent;
    }
  }
}
