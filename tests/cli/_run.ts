/**
 * Runs one of the repository's scripts the way a user's `deno task` would, without colours, and
 * collects its exit code and output.
 *
 * @module
 */

/** The repository root, the scripts' working directory. */
export const ROOT = new URL("../../", import.meta.url);

/**
 * Runs `deno run -A <args>` from the repository root.
 *
 * @param args the script and its arguments
 */
export async function runScript(args: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", ...args],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, stdout: text(out.stdout), stderr: text(out.stderr) };
}
