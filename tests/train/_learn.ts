import { createTrainer } from "../../src/train/mod.ts";
for (const lr of [3e-3, 1e-2, 3e-2]) {
  const tr = await createTrainer({ model: { layers: 1, width: 32, heads: 2, contextLength: 16 }, data: { corpus: "moby-dick" }, batchSize: Number(Deno.args[0] ?? 4), seed: 1, optimizer: {}, backend: "wasm" });
  const out = [];
  for (let s = 0; s < 600; s++) { const l = await tr.step(s, lr); if (s % 100 === 99) out.push(`${s}:${l.toFixed(2)}/${(await tr.evaluate(8)).toFixed(3)}`); }
  console.log(lr, out.join(" "));
  tr.dispose();
}
