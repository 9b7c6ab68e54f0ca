/**
 * Reading loss logs written by other frameworks: JSONL, CSV, and the `key:value` text lines of
 * llm.c and modded-nanogpt. Each logged training loss becomes one point; lines without a
 * training loss (evaluations, code, banners) are skipped.
 *
 * @module
 */

import { encodeLoss, type LossValue } from "../adalrs/mod.ts";

/** A parsed log: training losses in step order, with the LR where the log has one. */
export interface LossLog {
  format: "jsonl" | "csv" | "text";
  steps: number[];
  losses: LossValue[];
  lrs: (number | null)[];
}

const STEP_KEYS = ["step", "iter", "iteration", "s"];
const LOSS_KEYS = ["loss", "train_loss", "trl"];

/**
 * Parses a loss log, guessing its format from its content.
 *
 * @param text the whole file
 * @returns the training losses, in strictly increasing step order
 * @throws Error naming the line when a loss is unreadable or steps go backwards
 */
export function parseLossLog(text: string): LossLog {
  const lines = text.split(/\r?\n/);
  const first = lines.find((l) => l.trim() !== "")?.trim() ?? "";
  const format = first.startsWith("{")
    ? "jsonl"
    : /^[\w ."-]+(,[\w ."-]+)+$/.test(first)
    ? "csv"
    : "text";
  const rows = format === "jsonl"
    ? jsonlRows(lines)
    : format === "csv"
    ? csvRows(lines)
    : textRows(lines);
  const log: LossLog = { format, steps: [], losses: [], lrs: [] };
  for (const row of rows) {
    const previous = log.steps.at(-1);
    if (previous !== undefined && row.step <= previous) {
      throw new Error(`Line ${row.line}: step ${row.step} does not come after step ${previous}`);
    }
    log.steps.push(row.step);
    log.losses.push(encodeLoss(row.loss));
    log.lrs.push(row.lr);
  }
  if (log.losses.length === 0) throw new Error(`No training losses found in this ${format} log`);
  return log;
}

interface Row {
  line: number;
  step: number;
  loss: number;
  lr: number | null;
}

function jsonlRows(lines: string[]): Row[] {
  const rows: Row[] = [];
  lines.forEach((text, i) => {
    if (text.trim() === "") return;
    const record = parseRecord(text, i + 1);
    const row = fromRecord(record, i + 1);
    if (row) rows.push(row);
  });
  return rows;
}

/**
 * One JSONL line as an object. Bare `NaN`/`Infinity` (Python's json) are quoted only outside
 * strings, and only when the line is not already valid JSON: a note that mentions "NaN" stays.
 */
function parseRecord(text: string, line: number): Record<string, unknown> {
  let record: unknown;
  try {
    record = JSON.parse(text);
  } catch {
    const quoted = text.replace(
      /("(?:[^"\\]|\\.)*"?)|(-?\bInfinity\b|\bNaN\b)/g,
      (match, str: string | undefined) => str ?? `"${match}"`,
    );
    try {
      record = JSON.parse(quoted);
    } catch {
      throw new Error(`Line ${line}: not valid JSON`);
    }
  }
  if (typeof record !== "object" || record === null || Array.isArray(record)) {
    throw new Error(`Line ${line}: expected a JSON object, got ${JSON.stringify(record)}`);
  }
  return record as Record<string, unknown>;
}

function csvRows(lines: string[]): Row[] {
  const nonEmpty = lines.map((l, i) => ({ text: l.trim(), line: i + 1 })).filter((l) => l.text);
  const header = nonEmpty[0].text.split(",").map((h) => h.trim().replace(/^"|"$/g, ""));
  const hasHeader = header.some((h) => Number.isNaN(Number(h)));
  const names = hasHeader ? header : ["step", "loss", "lr"].slice(0, header.length);
  return (hasHeader ? nonEmpty.slice(1) : nonEmpty).flatMap(({ text, line }) => {
    const cells = text.split(",");
    const record = Object.fromEntries(names.map((n, i) => [n, cells[i]?.trim()]));
    const row = fromRecord(record, line);
    return row ? [row] : [];
  });
}

function textRows(lines: string[]): Row[] {
  return lines.flatMap((text, i) => {
    const record: Record<string, string> = {};
    for (const [, key, value] of text.matchAll(/(?:^|\s)([a-z_]+):(\S+)/g)) {
      record[key] = key === "step" ? value.split("/")[0] : value;
    }
    const row = fromRecord(record, i + 1);
    return row ? [row] : [];
  });
}

/** A row from a record of named fields, or null when it holds no training loss. */
function fromRecord(record: Record<string, unknown>, line: number): Row | null {
  const lossKey = LOSS_KEYS.find((k) => record[k] !== undefined && record[k] !== "");
  const stepKey = STEP_KEYS.find((k) => record[k] !== undefined && record[k] !== "");
  if (lossKey === undefined || stepKey === undefined) return null;
  const step = Number(record[stepKey]);
  // Past 2^53 steps stop being exact, and "comes after" with them.
  if (!Number.isSafeInteger(step) || step < 0) {
    throw new Error(
      `Line ${line}: step ${JSON.stringify(record[stepKey])} is not a whole number >= 0`,
    );
  }
  const loss = readNumber(record[lossKey]);
  if (loss === null) {
    throw new Error(`Line ${line}: loss ${JSON.stringify(record[lossKey])} is not a number`);
  }
  const lr = record.lr === undefined ? null : readNumber(record.lr);
  return { line, step, loss, lr: lr !== null && Number.isFinite(lr) ? lr : null };
}

function readNumber(value: unknown): number | null {
  if (typeof value === "number") return value;
  if (typeof value !== "string" || value.trim() === "") return null;
  const word = value.trim().toLowerCase().replace(/^\+/, "");
  if (word === "nan") return NaN;
  if (word === "inf" || word === "infinity") return Infinity;
  if (word === "-inf" || word === "-infinity") return -Infinity;
  const x = Number(value);
  return Number.isNaN(x) ? null : x;
}
