/**
 * What both sweep CLIs need around the experiment: a service to run on, the commit, and the
 * command line as typed.
 *
 * @module
 */

import { connectService, defaultWorkers, type Service, startEmbedded } from "../../service/mod.ts";

/** Options of {@linkcode openService}. */
export interface OpenServiceOptions {
  /** An existing service; when unset one is started here. */
  url?: string;
  dataDir: string;
  /** Workers to start here. @default one per core, at most `parallelRuns` */
  workers?: number;
  /** Runs that could train at once (caps the default worker count). */
  parallelRuns: number;
  backend: string;
}

/**
 * The service at `url`, or one started here with its workers. Each embedded worker gets an
 * equal share of the cores as BLAS threads (`ADALRS_BLAS_THREADS`, unless already set).
 *
 * @param opts where, and how many workers
 */
export async function openService(opts: OpenServiceOptions): Promise<Service> {
  if (opts.url) return await connectService(opts.url);
  const workers = opts.workers ?? defaultWorkers(opts.parallelRuns);
  return await startEmbedded({ dataDir: opts.dataDir, workers, backend: opts.backend });
}

/**
 * The checked-out commit and whether the working tree has uncommitted changes.
 *
 * @returns `{ commit: "unknown", dirty: false }` outside a git checkout
 */
export async function gitState(): Promise<{ commit: string; dirty: boolean }> {
  const git = async (...args: string[]) => {
    const out = await new Deno.Command("git", { args, stdout: "piped", stderr: "null" }).output();
    if (!out.success) throw new Error(`git ${args.join(" ")} failed`);
    return new TextDecoder().decode(out.stdout).trim();
  };
  try {
    const commit = await git("rev-parse", "HEAD");
    const status = await git("status", "--porcelain", "--untracked-files=no");
    return { commit, dirty: status.length > 0 };
  } catch {
    return { commit: "unknown", dirty: false };
  }
}

/**
 * The command line as a user would retype it.
 *
 * @param task the deno task, e.g. `experiment`
 * @param args the arguments
 */
export function commandLine(task: string, args: readonly string[]): string {
  const quote = (a: string) => /^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replaceAll("'", `'\\''`)}'`;
  return ["npx -y deno@2.9.6 task", task, ...args.map(quote)].join(" ");
}
