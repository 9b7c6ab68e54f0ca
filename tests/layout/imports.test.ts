import assert from "node:assert/strict";
import { dirname, join, relative, resolve } from "node:path";

// The layering rules of the README's Layout, checked on the import graph: every relative import
// specifier (static, re-export, type-only or a dynamic import of a literal) of every TypeScript
// file, followed transitively.

const ROOT = resolve(dirname(new URL(import.meta.url).pathname), "../..");

/** The service and everything it is made of; none of it may reach the research folder. */
const PRODUCT = [
  "main.ts",
  "workers/",
  "src/adalrs/",
  "src/api/",
  "src/cli/",
  "src/client/",
  "src/service/",
  "src/events/",
  "src/plot/",
  "src/random/",
  "src/replay/",
  "src/schedule/",
  "src/synthetic/",
  "src/train/",
];
const RESEARCH = "src/research/";

const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)["']([^"']+)["']/gm;

/** Relative imports of one file, as paths from the repository root. */
async function importsOf(file: string): Promise<string[]> {
  const text = await Deno.readTextFile(join(ROOT, file));
  const found: string[] = [];
  for (const [, specifier] of text.matchAll(SPECIFIER)) {
    if (!specifier.startsWith(".")) continue; // npm: and bare packages are not ours
    found.push(relative(ROOT, resolve(ROOT, dirname(file), specifier)));
  }
  return found;
}

/** Every repository file `entry` reaches through imports, with one path to each. */
async function reach(entry: string): Promise<Map<string, string[]>> {
  const paths = new Map<string, string[]>([[entry, [entry]]]);
  const queue = [entry];
  while (queue.length > 0) {
    const file = queue.shift()!;
    for (const next of await importsOf(file)) {
      if (paths.has(next)) continue;
      paths.set(next, [...paths.get(file)!, next]);
      if (/\.tsx?$/.test(next)) queue.push(next);
    }
  }
  return paths;
}

async function typescriptFiles(prefix: string): Promise<string[]> {
  if (!prefix.endsWith("/")) return [prefix];
  const files: string[] = [];
  for await (const entry of Deno.readDir(join(ROOT, prefix))) {
    const path = `${prefix}${entry.name}`;
    if (entry.isDirectory) files.push(...await typescriptFiles(`${path}/`));
    else if (entry.name.endsWith(".ts")) files.push(path);
  }
  return files.sort();
}

/** Each file under `from` that reaches a file under `to`, with the import chain that does. */
async function violations(from: string[], to: string): Promise<string[]> {
  const found: string[] = [];
  for (const prefix of from) {
    for (const file of await typescriptFiles(prefix)) {
      for (const [target, chain] of await reach(file)) {
        if (target.startsWith(to)) {
          found.push(chain.join(" -> "));
          break;
        }
      }
    }
  }
  return found;
}

Deno.test("the import scan follows main.ts to the API and the worker to the trainer", async () => {
  // Guards the rules below against a scan that silently finds nothing.
  assert.ok((await reach("main.ts")).has("src/api/app.ts"));
  assert.ok((await reach("workers/worker.ts")).has("src/train/trainer.ts"));
  const chain = (await violations(["scripts/experiment.ts"], RESEARCH))[0];
  assert.match(chain ?? "", /^scripts\/experiment\.ts -> src\/research\//);
});

Deno.test("no product module imports research code (src/research/)", async () => {
  assert.deepEqual(await violations(PRODUCT, RESEARCH), []);
});

Deno.test("the event layer does not depend on the training engine (src/train/)", async () => {
  assert.deepEqual(await violations(["src/events/"], "src/train/"), []);
});
