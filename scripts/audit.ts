/**
 * Audit a run from the command line:
 *
 *     deno task replay  <run-id | log.jsonl>            re-derive every decision; exit 1 if any differs
 *     deno task what-if <run-id | log.jsonl> window=40 reference=pair ...
 *     deno task export  <run-id> [--out run.jsonl]
 *     deno task leads   <run-id | log.jsonl ...> [--all]  each paired verdict's branches, window by window
 *     deno task import  <loss-log> [--name N] [--lr 3e-3] [--schedule cosine] [window=40 ...]
 *
 * Runs are read from (and imported into) a running service at `--url`, or a store file on disk
 * at `--kv`. With neither, the local service at http://127.0.0.1:8000 when it answers, else
 * `data/adalrs.kv` when it exists. A `.jsonl` file made by `export` needs no service or store.
 *
 * @module
 */

import { ADALRS_DEFAULTS } from "../src/adalrs/mod.ts";
import {
  type CommandSpec,
  parseAdalrsSettings,
  parseCommandLine,
  pathExists,
} from "../src/cli/mod.ts";
import {
  getRun,
  listRuns,
  readEvents,
  type ServiceEndpoint,
  serviceWriter,
} from "../src/client/mod.ts";
import { connectService } from "../src/service/mod.ts";
import { EventStore, type RunEvent } from "../src/events/mod.ts";
import {
  type BranchLeads,
  branchLeads,
  exportJsonl,
  importLossLog,
  parseJsonl,
  type ReplayReport,
  replayRun,
  type RunWriter,
  storeWriter,
} from "../src/replay/mod.ts";

const DEFAULT_URL = "http://127.0.0.1:8000";
const DEFAULT_KV = "data/adalrs.kv";
const SETTINGS = `settings: key=value with key one of ${Object.keys(ADALRS_DEFAULTS).join(", ")}`;
const WHERE = {
  url: { kind: "string", help: `a running service [default: ${DEFAULT_URL} when it answers]` },
  kv: { kind: "string", help: `a store file on disk [default: ${DEFAULT_KV}, when no service]` },
  json: { kind: "boolean", help: "the report as JSON" },
} as const;

/** Each subcommand's usage; the task names are those of deno.json. */
const COMMANDS = {
  replay: {
    usage: "deno task replay <run-id | run.jsonl> [--url URL | --kv PATH] [--json]",
    about: "Re-derives every LR decision of a run from its losses and compares each with the " +
      "recorded one, every number exactly; exits 1 if any differs.",
    positionals: { min: 1, max: 1, names: "a run id or an exported .jsonl file" },
    flags: WHERE,
  },
  "what-if": {
    usage: "deno task what-if <run-id | run.jsonl> [key=value ...] [--url URL | --kv PATH]",
    about: "Re-folds a run's losses with other controller settings and prints the decisions " +
      "they would have made.",
    positionals: { min: 1, max: 100, names: "a run id or .jsonl file, then key=value settings" },
    flags: WHERE,
    notes: [SETTINGS, "example: deno task what-if <run-id> window=20 reference=trigger"],
  },
  export: {
    usage: "deno task export <run-id> [--out run.jsonl] [--url URL | --kv PATH]",
    about: "Writes a run's event log as JSON Lines (stdout without --out); `replay` reads it " +
      "back without any store.",
    positionals: { min: 1, max: 1, names: "a run id" },
    flags: { ...WHERE, out: { kind: "string", help: "the file to write [default: stdout]" } },
  },
  leads: {
    usage: "deno task leads <run-id | run.jsonl ...> [--all] [--url URL | --kv PATH] [--json]",
    about: "For every paired verdict of the runs, how far the trial branch stood ahead of the " +
      "control branch at each settling window, in errors (the verdict's own z): the evidence " +
      "behind `earlyAccept`, which keeps an upscale ahead by that many errors before the last.",
    positionals: { min: 0, max: 1000, names: "run ids or exported .jsonl files" },
    flags: { ...WHERE, all: { kind: "boolean", help: "every run of the service or store" } },
    notes: ["example: deno task leads --all --kv data/experiments/full-cosine/adalrs.kv"],
  },
  import: {
    usage: "deno task import <loss-log> [--lr 3e-3] [--schedule cosine] [--name N] " +
      "[key=value ...] [--url URL | --kv PATH]",
    about: "Turns a loss log (JSONL step+loss, CSV step,loss, llm.c text) into an external run " +
      "and prints the decisions AdaLRS would have made on it.",
    positionals: { min: 1, max: 100, names: "a loss log file, then key=value settings" },
    flags: {
      ...WHERE,
      name: { kind: "string", help: "the run's name [default: the file's last two path parts]" },
      lr: { kind: "number", above: 0, help: "the original peak LR [default: the log's lr column]" },
      schedule: {
        kind: "string",
        choices: ["constant", "cosine", "wsd"],
        help: "the original schedule [default: constant]",
      },
    },
    notes: [SETTINGS],
  },
} satisfies Record<string, CommandSpec>;

const [command, ...args] = Deno.args;
if (!(command in COMMANDS)) {
  console.error(`error: unknown command ${command}: use replay, what-if, export, leads or import`);
  Deno.exit(2);
}
const spec: CommandSpec = COMMANDS[command as keyof typeof COMMANDS];
const { values: raw, positionals } = parseCommandLine(spec, args);
const values = raw as {
  url?: string;
  kv?: string;
  json: boolean;
  all?: boolean;
  out?: string;
  name?: string;
  lr?: number;
  schedule?: "constant" | "cosine" | "wsd";
};
const [target, ...settings] = positionals;

try {
  Deno.exitCode = await main();
} catch (err) {
  console.error(`error: ${(err as Error).message}`);
  Deno.exitCode = 2;
}

async function main(): Promise<number> {
  switch (command) {
    case "replay":
    case "what-if": {
      const overrides = command === "what-if" ? parseAdalrsSettings(settings) : {};
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
    case "leads":
      return await printLeads();
    default:
      return await importFile(target);
  }
}

/** `leads`: each run's paired verdicts, one line each, then how often an early lead held. */
async function printLeads(): Promise<number> {
  if (positionals.length === 0 && !values.all) {
    throw new Error("name the runs (ids or .jsonl files), or pass --all");
  }
  const runs: { name: string; verdicts: BranchLeads[] }[] = [];
  const files = positionals.filter((p) => p.endsWith(".jsonl"));
  for (const file of files) {
    runs.push({ name: file, verdicts: branchLeads(parseJsonl(await Deno.readTextFile(file))) });
  }
  const ids = positionals.filter((p) => !p.endsWith(".jsonl"));
  if (ids.length > 0 || values.all) {
    await using source = await openSource();
    for (const id of values.all ? await source.ids() : ids) {
      const events = await source.events(id);
      const created = events[0];
      const name = created?.type === "RunCreated" ? created.data.definition.name : id;
      runs.push({ name: `${id} ${name}`, verdicts: branchLeads(events) });
    }
  }
  if (values.json) {
    console.log(JSON.stringify(runs, null, 2));
    return 0;
  }
  for (const { name, verdicts } of runs.filter((r) => r.verdicts.length > 0)) {
    console.log(name);
    for (const v of verdicts) {
      const leads = v.leads.map((l) => `${l.window}: ${(l.difference / l.e).toFixed(1)}`);
      console.log(
        `  #${v.index} step ${v.step} ${v.direction.padEnd(4)} ${v.rule.padEnd(13)} ` +
          `m ${v.mTrial.toPrecision(3)} → ${v.mAfter.toPrecision(3)}  errors by settling window ` +
          leads.join(", "),
      );
    }
  }
  const ups = runs.flatMap((r) => r.verdicts).filter((v) => v.direction === "up");
  const early = (v: BranchLeads, by: number) =>
    v.leads.some((l) => l.window < v.settle && l.difference < -by * l.e);
  const kept = ups.filter((v) => v.rule === "trial-accept");
  const others = ups.filter((v) => v.rule !== "trial-accept");
  console.log(
    `${ups.length} upscale verdicts: ${kept.length} kept, ${
      kept.filter((v) => early(v, 2)).length
    } of them ahead by 2 errors before their last settling window; of the ${others.length} ` +
      `not kept, ${others.filter((v) => early(v, 2)).length} were ahead by 2 errors there and ` +
      `${others.filter((v) => early(v, 1)).length} by 1`,
  );
  return 0;
}

async function importFile(file: string): Promise<number> {
  const text = await Deno.readTextFile(file);
  const overrides = parseAdalrsSettings(settings);
  await using source = await openSource({ create: true });
  const view = await importLossLog(source.writer, text, {
    name: values.name ?? file.split("/").slice(-2).join("/"),
    lr: values.lr,
    schedule: values.schedule,
    adalrs: overrides,
    tags: { source: file },
  });
  console.log(`imported ${view.progress.step} losses as external run ${view.id} (${source.where})`);
  printReport(replayRun(await source.events(view.id)));
  return 0;
}

async function loadEvents(target: string): Promise<RunEvent[]> {
  if (target.endsWith(".jsonl")) return parseJsonl(await Deno.readTextFile(target));
  await using source = await openSource();
  return await source.events(target);
}

/** Where runs are read and written: a service over HTTP or a store file. */
interface Source extends AsyncDisposable {
  /** For messages: `service http://…` or `store data/adalrs.kv`. */
  where: string;
  /** A run's events as the store holds them; fails naming where it looked. */
  events(runId: string): Promise<RunEvent[]>;
  /** Every run's id, newest first. */
  ids(): Promise<string[]>;
  writer: RunWriter;
}

/**
 * `--url`, `--kv`, or the default: the local service when it answers, else the local store.
 * `create`: an import may start a new store file at `--kv`.
 */
async function openSource(opts: { create?: boolean } = {}): Promise<Source> {
  if (values.url !== undefined && values.kv !== undefined) {
    throw new Error("give --url or --kv, not both");
  }
  if (values.kv !== undefined) return await storeSource(values.kv, opts.create ?? false);
  if (values.url !== undefined) {
    const service = await connectService(values.url).catch(() => {
      throw new Error(
        `no adalrs service answers at ${values.url}; start one (deno task start) or read a ` +
          "store file with --kv PATH",
      );
    });
    return serviceSource(service);
  }
  const local = await connectService(DEFAULT_URL).catch(() => null);
  if (local) return serviceSource(local);
  if (pathExists(DEFAULT_KV)) return await storeSource(DEFAULT_KV, false);
  throw new Error(
    `no run store found: nothing answers at ${DEFAULT_URL} and there is no ${DEFAULT_KV} here. ` +
      "Start the service (deno task start), or pass --url URL of a running service, or " +
      "--kv PATH of a store file (a service started with --data DIR keeps DIR/adalrs.kv)",
  );
}

function serviceSource(service: ServiceEndpoint): Source {
  const where = `service ${service.url}`;
  return {
    where,
    async events(runId) {
      try {
        await getRun(service, runId);
      } catch {
        throw new Error(`run ${runId} is not on the ${where}; list its runs at ${service.url}/`);
      }
      // The API flags abandoned events for readers; the log itself (and an export) has no flag.
      return (await readEvents(service, runId)).map((event) => {
        const { abandoned: _, ...plain } = event as RunEvent & { abandoned?: boolean };
        return plain as RunEvent;
      });
    },
    ids: async () => (await listRuns(service)).map((run) => run.id),
    writer: serviceWriter(service),
    [Symbol.asyncDispose]: () => Promise.resolve(),
  };
}

async function storeSource(path: string, create: boolean): Promise<Source> {
  if (!create && !path.includes("://") && !(pathExists(path))) {
    throw new Error(
      `there is no store at ${path} (a service started with --data DIR keeps DIR/adalrs.kv; ` +
        "or use --url for a running service)",
    );
  }
  const store = new EventStore(await Deno.openKv(path));
  return {
    where: `store ${path}`,
    async events(runId) {
      const events = await store.read(runId);
      if (events.length === 0) {
        throw new Error(`run ${runId} is not in ${path}; is it on another store or service?`);
      }
      return events;
    },
    ids: async () => (await store.list()).map((run) => run.id),
    writer: storeWriter(store),
    [Symbol.asyncDispose]: () => Promise.resolve(store.kv.close()),
  };
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
