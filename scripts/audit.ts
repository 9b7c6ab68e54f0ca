/**
 * Audit a run from the command line:
 *
 *     deno task replay  <run-id | log.jsonl>            re-derive every decision; exit 1 if any differs
 *     deno task what-if <run-id | log.jsonl> window=40 reference=pair ...
 *     deno task export  <run-id> [--out run.jsonl]
 *     deno task import  <loss-log> [--name N] [--lr 3e-3] [--schedule cosine] [window=40 ...]
 *
 * Runs are read from the local store (`--kv`, default `data/adalrs.kv`); a `.jsonl` file made
 * by `export` is replayed without any store.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { ADALRS_DEFAULTS, type AdalrsConfig } from "../src/adalrs/mod.ts";
import { EventStore, type RunEvent } from "../src/events/mod.ts";
import { AdalrsOverridesSchema } from "../src/api/schemas.ts";
import {
  exportJsonl,
  importLossLog,
  parseJsonl,
  type ReplayReport,
  replayRun,
} from "../src/replay/mod.ts";

const { values, positionals } = parseArgs({
  args: Deno.args,
  allowPositionals: true,
  options: {
    kv: { type: "string", default: "data/adalrs.kv" },
    out: { type: "string" },
    name: { type: "string" },
    lr: { type: "string" },
    schedule: { type: "string" },
    json: { type: "boolean", default: false },
  },
});
const [command, target, ...settings] = positionals;

try {
  Deno.exitCode = await main();
} catch (err) {
  console.error(`error: ${(err as Error).message}`);
  Deno.exitCode = 2;
}

async function main(): Promise<number> {
  if (!command || !target) {
    console.error("usage: audit.ts replay|what-if|export|import <run-id | file> [key=value ...]");
    return 2;
  }
  switch (command) {
    case "replay":
    case "what-if": {
      const overrides = command === "what-if" ? parseOverrides(settings) : {};
      const report = replayRun(await loadEvents(target), overrides);
      if (values.json) console.log(JSON.stringify(report, null, 2));
      else printReport(report);
      return command === "replay" && report.different > 0 ? 1 : 0;
    }
    case "export": {
      const text = exportJsonl(await loadEvents(target));
      if (values.out) await Deno.writeTextFile(values.out, text);
      else await Deno.stdout.write(new TextEncoder().encode(text));
      if (values.out) console.error(`wrote ${text.split("\n").length - 1} events to ${values.out}`);
      return 0;
    }
    case "import":
      return await importFile(target);
    default:
      console.error(`Unknown command ${command}: use replay, what-if, export or import`);
      return 2;
  }
}

async function importFile(file: string): Promise<number> {
  const text = await Deno.readTextFile(file);
  const schedule = values.schedule as "constant" | "cosine" | "wsd" | undefined;
  if (schedule && !["constant", "cosine", "wsd"].includes(schedule)) {
    throw new Error(`--schedule must be constant, cosine or wsd, not ${schedule}`);
  }
  const lr = values.lr === undefined ? undefined : Number(values.lr);
  if (lr !== undefined && !(lr > 0)) {
    throw new Error(`--lr must be a positive number, not ${values.lr}`);
  }
  await using store = await openStore();
  const view = await importLossLog(store.store, text, {
    name: values.name ?? file.split("/").slice(-2).join("/"),
    lr,
    schedule,
    adalrs: parseOverrides(settings),
    tags: { source: file },
  });
  console.log(`imported ${view.progress.step} losses as external run ${view.id}`);
  printReport(replayRun(await store.store.read(view.id)));
  return 0;
}

async function loadEvents(target: string): Promise<RunEvent[]> {
  if (target.endsWith(".jsonl")) return parseJsonl(await Deno.readTextFile(target));
  await using store = await openStore();
  const events = await store.store.read(target);
  if (events.length === 0) throw new Error(`Run ${target} is not in ${values.kv}`);
  return events;
}

async function openStore() {
  const store = new EventStore(await Deno.openKv(values.kv));
  return { store, [Symbol.asyncDispose]: () => Promise.resolve(store.kv.close()) };
}

/** `key=value` pairs into validated controller overrides. */
function parseOverrides(pairs: string[]): Partial<AdalrsConfig> {
  const raw: Record<string, unknown> = {};
  for (const pair of pairs) {
    const [key, value] = pair.split("=");
    if (!(key in ADALRS_DEFAULTS) || value === undefined) {
      throw new Error(
        `Expected key=value with key one of ${
          Object.keys(ADALRS_DEFAULTS).join(", ")
        }; got ${pair}`,
      );
    }
    raw[key] = value === "true"
      ? true
      : value === "false"
      ? false
      : Number.isNaN(Number(value))
      ? value
      : Number(value);
  }
  const parsed = AdalrsOverridesSchema.safeParse(raw);
  if (!parsed.success) {
    throw new Error(parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; "));
  }
  return parsed.data;
}

function printReport(report: ReplayReport): void {
  const fmt = (x: number | undefined) => (x === undefined ? "—" : x.toExponential(2));
  console.log(
    "  #  steps          rule                  v          e          m before → after  replay",
  );
  for (const d of report.decisions) {
    const s = d.derived.window.stats;
    const mark = Object.keys(report.overrides).length > 0
      ? ""
      : d.identical
      ? "identical"
      : `DIFFERENT (${d.differences.slice(0, 3).join(", ")})`;
    console.log(
      `${String(d.derived.index).padStart(3)}  ${
        `${d.derived.window.fromStep}-${d.derived.window.toStep}`.padEnd(13)
      }  ` +
        `${d.derived.rule.padEnd(20)}  ${fmt(s?.v).padStart(9)}  ${fmt(s?.e).padStart(9)}  ` +
        `${d.derived.mBefore.toPrecision(3).padStart(8)} → ${
          d.derived.mAfter.toPrecision(3).padEnd(6)
        }  ${mark}${d.abandoned ? " (abandoned)" : ""}`,
    );
  }
  const what = Object.keys(report.overrides).length > 0
    ? `what-if ${JSON.stringify(report.overrides)}: ${report.decisions.length} decisions`
    : `${report.decisions.length} decisions: ${report.identical} identical, ${report.different} different`;
  console.log(
    `${report.runId}: ${what}; final multiplier ${report.final.multiplier.toPrecision(4)}`,
  );
}
