/**
 * The AdaLRS controller: a pure, deterministic reducer from losses to learning-rate decisions.
 *
 * @module
 */

export * from "./config.ts";
export * from "./controller.ts";
export * from "./decision.ts";
export * from "./follow.ts";
export * from "./loss_value.ts";
export * from "./noise_window.ts";
export * from "./state.ts";
export * from "./velocity.ts";
