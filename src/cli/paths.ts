/**
 * Whether a path exists, for commands that act on a file or store only when it is there.
 * No npm imports: `scripts/setup.ts` uses it before `deno install`.
 *
 * @module
 */

/**
 * Whether anything (file, folder, link target) exists at `path`.
 *
 * @param path the path to look at
 */
export function pathExists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}
