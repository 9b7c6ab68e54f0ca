/**
 * Checkpoint files: written atomically (temporary file, fsync, rename), named by run and step,
 * and verified by sha256 before they are loaded.
 *
 * @module
 */

import { createHash } from "node:crypto";

/** Where a checkpoint landed and how to recognise it. */
export interface SavedCheckpoint {
  /**
   * Relative to the checkpoint directory (`<run>/step-<n>.ckpt`): the event log, which anyone
   * may read, does not show where the server keeps its files.
   */
  file: string;
  sha256: string;
  bytes: number;
}

/** A checkpoint file could not be written; the message names it relative to its directory. */
export class CheckpointWriteError extends Error {}

/** Hex sha256 of some bytes. */
export function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/**
 * Writes a checkpoint so that a crash leaves either no file or a complete one.
 *
 * @param dir the checkpoint directory
 * @param runId the run (our own ids: letters and digits only)
 * @param step the step the checkpoint resumes at
 * @param bytes the serialized model and optimizer
 */
export async function writeCheckpoint(
  dir: string,
  runId: string,
  step: number,
  bytes: Uint8Array,
): Promise<SavedCheckpoint> {
  if (!/^[a-z0-9]+$/.test(runId)) throw new Error(`Refusing checkpoint path for run id ${runId}`);
  const file = `${runId}/step-${step}.ckpt`;
  const temporary = `${dir}/${file}.partial`;
  try {
    await Deno.mkdir(`${dir}/${runId}`, { recursive: true });
    using handle = await Deno.open(temporary, { write: true, create: true, truncate: true });
    for (let written = 0; written < bytes.length;) {
      written += await handle.write(bytes.subarray(written));
    }
    await handle.sync();
    await Deno.rename(temporary, `${dir}/${file}`);
  } catch (err) {
    await Deno.remove(temporary).catch(() => {});
    throw new CheckpointWriteError(`Could not write checkpoint ${file}: ${withoutPath(err)}`);
  }
  return { file, sha256: sha256(bytes), bytes: bytes.length };
}

/**
 * Where a recorded checkpoint file is: a name relative to the checkpoint directory, or, in logs
 * written before checkpoint names were relative, the path as recorded.
 */
export function checkpointPath(dir: string, file: string): string {
  return /^[a-z0-9]+\/step-\d+\.ckpt$/.test(file) ? `${dir}/${file}` : file;
}

/**
 * Reads a checkpoint back, refusing one whose content is not what was recorded.
 *
 * @param dir the checkpoint directory
 * @param file the name recorded in `CheckpointSaved`
 * @param expectedSha256 the digest recorded with it
 * @throws Error when the file is missing, truncated or corrupt
 */
export async function readCheckpoint(
  dir: string,
  file: string,
  expectedSha256: string,
): Promise<Uint8Array> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(checkpointPath(dir, file));
  } catch (err) {
    throw new Error(`Checkpoint ${file} cannot be read: ${withoutPath(err)}`);
  }
  const actual = sha256(bytes);
  if (actual !== expectedSha256) {
    throw new Error(
      `Checkpoint ${file} is corrupt: sha256 ${actual.slice(0, 12)}… is not the recorded ` +
        `${expectedSha256.slice(0, 12)}… (${bytes.length} bytes)`,
    );
  }
  return bytes;
}

/**
 * A file-system error's cause without the operation and absolute path Deno appends ("Not a
 * directory (os error 20): mkdir '/srv/…'"): these messages land in the event log.
 */
function withoutPath(err: unknown): string {
  return (err as Error).message.replace(/:\s*\w+\s+'.*$/s, "");
}
