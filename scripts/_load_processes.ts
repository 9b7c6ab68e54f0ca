/**
 * The service and external trainers as real processes, for the load script and fault tests:
 * start `main.ts` on its own loopback port, kill it, start trainer clients, read their acks.
 *
 * @module
 */

import type { ClientSummary } from "./_load_client.ts";

const CONFIG = new URL("../deno.json", import.meta.url).pathname;
const MAIN = new URL("../main.ts", import.meta.url).pathname;
const CLIENT = new URL("./_load_client.ts", import.meta.url).pathname;

/** A free TCP port on 127.0.0.1 (free when asked; the OS could hand it out again later). */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

/** A running `main.ts`, with the address it printed. */
export interface Service {
  process: Deno.ChildProcess;
  url: string;
  /** Everything it printed so far. */
  output: () => string;
}

/**
 * Starts `main.ts --workers 0` on `port` and waits until it listens.
 *
 * @param dataDir its `--data` folder (KV file and checkpoints)
 * @param extraArgs more flags, e.g. `["--workers", "2"]`
 */
export async function startService(
  dataDir: string,
  port: number,
  extraArgs: string[] = [],
  env: Record<string, string> = {},
): Promise<Service> {
  const process = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--config", CONFIG, MAIN, "--data", dataDir, "--port", String(port)]
      .concat(extraArgs.length ? extraArgs : ["--workers", "0"]),
    stdout: "piped",
    stderr: "piped",
    env,
  }).spawn();
  let text = "";
  drain(process.stdout, (chunk) => (text += chunk));
  drain(process.stderr, (chunk) => (text += chunk));
  const deadline = Date.now() + 60_000;
  while (!/listening on http:\/\/\S+/.test(text)) {
    if (Date.now() > deadline) throw new Error(`The service did not start: ${text}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  const url = text.match(/listening on (http:\/\/[^\s]+)/)![1];
  return { process, url, output: () => text };
}

/**
 * Reads a child's output as text as it comes, so that its pipe never fills and blocks it.
 *
 * @param stream the child's stdout or stderr
 * @param sink called with each decoded chunk
 */
export async function drain(
  stream: ReadableStream<Uint8Array>,
  sink: (text: string) => void,
): Promise<void> {
  const decoder = new TextDecoder();
  try {
    for await (const chunk of stream) sink(decoder.decode(chunk, { stream: true }));
  } catch { /* the child is gone */ }
}

/** Kills the service (SIGKILL by default: no shutdown code runs) and waits for it to be gone. */
export async function killService(service: Service, signal: Deno.Signal = "SIGKILL") {
  try {
    service.process.kill(signal);
  } catch { /* already gone */ }
  await service.process.status;
}

/** A trainer client process following some external runs. */
export function startClient(
  url: string,
  runIds: string[],
  opts: { abort?: number; seed?: number; deadlineMs?: number } = {},
): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--config",
      CONFIG,
      CLIENT,
      "--url",
      url,
      "--runs",
      runIds.join(","),
      "--abort",
      String(opts.abort ?? 0),
      "--seed",
      String(opts.seed ?? 1),
      "--deadline",
      String(opts.deadlineMs ?? 120_000),
    ],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

/** What a client printed: the keys of the windows it got answers for, and its summary. */
export async function clientResult(
  client: Deno.ChildProcess,
): Promise<{ code: number; acks: string[]; summary: ClientSummary | null; stderr: string }> {
  const out = await client.output();
  const lines = new TextDecoder().decode(out.stdout).split("\n").filter(Boolean);
  const parsed = lines.map((l) => JSON.parse(l));
  return {
    code: out.code,
    acks: parsed.filter((p) => p.ack).map((p) => p.ack as string),
    summary: parsed.find((p) => p.summary) ?? null,
    stderr: new TextDecoder().decode(out.stderr),
  };
}
