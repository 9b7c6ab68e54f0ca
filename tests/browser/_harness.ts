/**
 * Browser tests' harness: the app served on 127.0.0.1 over a temporary on-disk KV, a real worker
 * process training synthetic runs, and headless Chromium (Debian's) driven by playwright-core.
 * Every console error and page error is collected, so a test can fail on any.
 *
 * @module
 */

import { type BrowserContext, chromium, type Page } from "playwright-core";
import { createApp } from "../../src/api/mod.ts";
import type { EventStore } from "../../src/events/mod.ts";
import { CHROMIUM_PATH } from "../../scripts/setup.ts";
export { longExternalRun } from "../../scripts/bench/_long_run.ts";
import { diskStore, startWorker, stopWorker, syntheticDefinition } from "../workers/_worker.ts";

/** Where Debian's `chromium` package puts the browser (`task test` installs it). */
export const CHROMIUM = CHROMIUM_PATH;
const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
const ARTIFACTS = new URL("./artifacts/", import.meta.url);

/** Options of {@linkcode openDashboard}. */
export interface DashboardOptions {
  /** Protect writes with this token, as `ADALRS_TOKEN` does. */
  token?: string;
  /** Start a worker process (default true). */
  worker?: boolean;
}

/** A served dashboard and a browser page on it; dispose with `await using`. */
export interface Dashboard extends AsyncDisposable {
  base: string;
  store: EventStore;
  page: Page;
  /** Console errors and uncaught page errors seen so far. */
  errors: string[];
  /** Saves a full-page screenshot under `tests/browser/artifacts/<name>.png`. */
  shot(name: string): Promise<void>;
}

/** Fails with a clear message when Chromium is not installed. */
async function requireChromium(): Promise<void> {
  try {
    await Deno.stat(CHROMIUM);
  } catch {
    throw new Error(
      `Chromium is not installed at ${CHROMIUM}; the browser tests need it: ` +
        "apt-get install -y chromium (deno task test installs it when run as root)",
    );
  }
}

/**
 * Serves the app, starts a worker and opens a browser page.
 *
 * @param opts a token to require on writes; whether to start a worker
 */
export async function openDashboard(opts: DashboardOptions = {}): Promise<Dashboard> {
  await requireChromium();
  const { store, dir, kvPath } = await diskStore();
  const worker = opts.worker === false
    ? null
    : startWorker(kvPath, `browser-${crypto.randomUUID()}`);
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    createApp(store, { token: opts.token }).fetch,
  );
  const profile = await Deno.makeTempDir({ prefix: "adalrs-chromium-" });
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ARGS,
      viewport: { width: 1280, height: 900 },
      // Bounded everywhere: a Chromium that dies under a test must fail it, not hang the suite.
      timeout: 60_000,
    });
    context.setDefaultTimeout(20_000);
  } catch (err) {
    await server.shutdown();
    if (worker) await stopWorker(worker);
    store.kv.close();
    throw err;
  }
  const page = context.pages()[0] ?? await context.newPage();
  const errors: string[] = [];
  page.on("console", (msg) => {
    if (msg.type() === "error") errors.push(`console: ${msg.text()} (${msg.location().url})`);
  });
  page.on("pageerror", (err) => errors.push(`page: ${err.message}`));
  await Deno.mkdir(ARTIFACTS, { recursive: true });
  return {
    base: `http://127.0.0.1:${server.addr.port}`,
    store,
    page,
    errors,
    async shot(name) {
      await page.screenshot({ path: new URL(`${name}.png`, ARTIFACTS).pathname, fullPage: true });
    },
    async [Symbol.asyncDispose]() {
      const closed = await withTimeout(context.close(), 20_000, "closing Chromium").then(
        () => true,
        (err) => (errors.push(String(err)), false),
      );
      // A Chromium that will not close still holds the page's event stream open, and the server's
      // shutdown waits for every open connection: kill it, and bound the shutdown all the same.
      if (!closed) await killProcessesNaming(profile);
      const stopped = await withTimeout(server.shutdown(), 20_000, "stopping the server").then(
        () => null,
        (err: Error) => err,
      );
      if (worker) await stopWorker(worker);
      store.kv.close();
      await Deno.remove(profile, { recursive: true }).catch(() => {});
      await Deno.remove(dir, { recursive: true }).catch(() => {});
      if (stopped) throw stopped;
    },
  };
}

/**
 * Kills every process whose command line names `marker`: Chromium's processes name their profile
 * folder, which is unique to one dashboard.
 */
async function killProcessesNaming(marker: string): Promise<void> {
  for await (const entry of Deno.readDir("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    const cmdline = await Deno.readTextFile(`/proc/${entry.name}/cmdline`).catch(() => "");
    if (!cmdline.includes(marker)) continue;
    try {
      Deno.kill(Number(entry.name), "SIGKILL");
    } catch { /* already gone */ }
  }
}

/**
 * A synthetic managed run that makes upscale trials happen: 10x below the optimum, short windows.
 *
 * @param steps compute steps
 * @param stepDelayMs milliseconds each step takes
 */
export function trialRun(steps: number, stepDelayMs: number, name = "trials") {
  return syntheticDefinition(steps, stepDelayMs, { name, evalEvery: 100, checkpointEvery: 200 });
}

/**
 * Polls `check` until it holds, or fails after `timeoutMs`.
 *
 * @param check a condition, e.g. on a locator's text
 * @param timeoutMs how long to wait
 */
export async function until(check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  // A check that never settles (the browser died mid-call) counts against the same deadline.
  while (!(await withTimeout(check(), Math.max(1, deadline - Date.now()), "a check"))) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * `promise`, or a rejection naming `what` once `ms` have passed.
 *
 * @param promise what to wait for
 * @param ms how long
 * @param what named in the error
 */
export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Timed out after ${ms} ms: ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
