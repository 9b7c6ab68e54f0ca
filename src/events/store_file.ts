/**
 * Noticing that the local store's file was removed or replaced under a running service. SQLite
 * keeps writing to the file it opened: after a `rm` or a restore over it, every write would be
 * acknowledged and then gone at the next start. The service checks the path still names the
 * file it opened before it acknowledges a write.
 *
 * @module
 */

/** Checks a store file is still the one opened. */
export interface StoreFileWatch {
  readonly path: string;
  /** Null while the path still names the opened file; otherwise what happened to it. */
  check(): Promise<string | null>;
}

/**
 * Remembers which file `path` names now (device and inode), to compare later.
 *
 * @param path the KV file the service opened
 */
export async function watchStoreFile(path: string): Promise<StoreFileWatch> {
  const opened = await Deno.stat(path);
  let lost: string | null = null;
  return {
    path,
    async check() {
      // Once lost, always lost: a file put back at the path is still not the one open.
      if (lost !== null) return lost;
      try {
        const now = await Deno.stat(path);
        if (now.ino !== opened.ino || now.dev !== opened.dev) {
          lost = `The store file ${path} was replaced while the service ran`;
        }
      } catch (err) {
        if (!(err instanceof Deno.errors.NotFound)) throw err;
        lost = `The store file ${path} was removed while the service ran`;
      }
      return lost;
    },
  };
}
