/**
 * The events of a run's stream. Names are past tense; payloads are plain JSON data.
 *
 * @module
 */

import type { ControllerState, Decision, LossValue } from "../adalrs/mod.ts";
import type { RunDefinition } from "./definition.ts";

/** The compute a worker trains on, as recorded in `RunLeased`. */
export interface BackendRecord {
  /** The tfjs backend: `wasm`, `cpu`, `webgpu`, `tensorflow` (or `synthetic`). */
  name: string;
  /** The version of the package providing it. */
  version: string;
  /** Native kernels or the GPU adapter in use, in one line. */
  accelerator?: string;
  /** The WebGPU adapter, as `GPUAdapter.info` reports it (the `webgpu` backend only). */
  adapter?: {
    vendor: string;
    architecture: string;
    device: string;
    description: string;
    /** A software adapter (llvmpipe): the shaders ran on the CPU. */
    fallback: boolean;
  };
}

/** Payload of each event type. */
export interface EventPayloads {
  RunCreated: { definition: RunDefinition };
  /**
   * A worker took the run. `resume` is set when it continues from a checkpoint: the events after
   * `resume.fromSeq` (the checkpoint's event) up to this one are abandoned, and the controller
   * continues from the state it had at that checkpoint.
   */
  RunLeased: {
    workerId: string;
    attempt: number;
    backend: BackendRecord | null;
    /** Size of the model and of one step, for throughput figures. */
    model: { parameters: number; tokensPerStep: number } | null;
    resume: {
      fromSeq: number;
      step: number;
      controller: ControllerState;
      /** Newer checkpoints passed over because their files were missing or corrupt, and why. */
      skipped?: string[];
    } | null;
  };
  /**
   * Consecutive losses from `fromStep`: a whole window, or part of one (external trainers).
   * `refLosses` (`controlVariate`): a fixed reference model's loss on the same batches, one per loss.
   */
  LossWindowRecorded: {
    fromStep: number;
    losses: LossValue[];
    refLosses?: number[];
    idempotencyKey?: string;
  };
  LrDecided: { decision: Decision };
  SnapshotTaken: { snapshotId: string; step: number };
  /** Model and optimizer were restored to `snapshotId`; training continues at `step`. */
  RolledBack: { snapshotId: string; step: number };
  /** `file` is relative to the worker's checkpoint directory (older logs: a path). */
  CheckpointSaved: { step: number; file: string; sha256: string; bytes: number };
  /** A checkpoint could not be written (a full disk, a read-only directory): training went on. */
  CheckpointFailed: { step: number; reason: string };
  EvalRecorded: { step: number; valLoss: LossValue };
  RunCompleted: { step: number; valLoss: LossValue | null };
  RunFailed: { step: number; reason: string };
  RunCancelled: { step: number; reason: string };
}

/** Every event type name. */
export type EventType = keyof EventPayloads;

/** An event as the store keeps it: dense `seq` from 0 within its run. */
export type RunEvent = {
  [T in EventType]: {
    seq: number;
    runId: string;
    /** Wall time of the append: informational, never read by decisions. */
    at: string;
    type: T;
    data: EventPayloads[T];
  };
}[EventType];

/** An event before the store gives it a place in the stream. */
export type NewEvent = { [T in EventType]: { type: T; data: EventPayloads[T] } }[EventType];

/** An event of one given type. */
export type EventOf<T extends EventType> = Extract<RunEvent, { type: T }>;

/** Builds a new event; keeps call sites short and typed. */
export function newEvent<T extends EventType>(type: T, data: EventPayloads[T]): NewEvent {
  return { type, data } as NewEvent;
}

/** Run statuses; the last three are terminal. */
export type RunStatus = "queued" | "running" | "completed" | "failed" | "cancelled";

/** True once a run can no longer change. */
export function isTerminal(status: RunStatus): boolean {
  return status === "completed" || status === "failed" || status === "cancelled";
}
