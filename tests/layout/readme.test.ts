import assert from "node:assert/strict";
import { AdalrsBaseSchema } from "../../src/events/definition.ts";

// The README's Layout section is the map a new engineer reads first: it must name every folder of
// the tree, and nothing that is not there.

const ROOT = new URL("../../", import.meta.url);

/** The paths the Layout block names, by indentation: `src/` then `  adalrs/` is `src/adalrs/`. */
async function layoutPaths(): Promise<string[]> {
  const readme = await Deno.readTextFile(new URL("README.md", ROOT));
  const block = readme.match(/## Layout\n\n```\n([\s\S]*?)```/)?.[1];
  assert.ok(block, "README.md has a Layout section with a code block");
  const parents: string[] = [];
  const paths: string[] = [];
  for (const line of block.split("\n")) {
    const match = line.match(/^( *)(\S+)/);
    if (!match || match[1].length % 2 !== 0) continue;
    const depth = match[1].length / 2;
    // A continuation line is indented past the names: only names ending in / or .ts count.
    if (!/(\/|\.ts)$/.test(match[2]) || depth > parents.length) continue;
    parents.length = depth;
    const path = parents.join("") + match[2];
    paths.push(path);
    if (path.endsWith("/")) parents.push(match[2]);
  }
  return paths;
}

async function folders(path: string): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(new URL(path || ".", ROOT))) {
    if (entry.isDirectory && !entry.name.startsWith(".")) names.push(`${path}${entry.name}/`);
  }
  return names.sort();
}

Deno.test("README's Layout names every folder of src/ and src/research/, and no other", async () => {
  const listed = await layoutPaths();
  for (const parent of ["src/", "src/research/"]) {
    const named = listed.filter((p) =>
      p.startsWith(parent) && p.endsWith("/") && /^[^/]+\/$/.test(p.slice(parent.length))
    );
    assert.deepEqual(named.sort(), await folders(parent), `the folders of ${parent}`);
  }
});

Deno.test("README's Layout names every top-level folder, and each path it names exists", async () => {
  const listed = await layoutPaths();
  const local = ["node_modules/", "data/"]; // installed or written at run time, not in git
  const top = (await folders("")).filter((f) => !local.includes(f));
  const left = top.filter((f) => !listed.some((p) => p.startsWith(f)));
  assert.deepEqual(left, [], "folders the Layout leaves out");
  for (const path of listed) {
    assert.ok(await Deno.stat(new URL(path, ROOT)).catch(() => null), `${path} does not exist`);
  }
});

Deno.test("README's controller table and docs/controller.md's settings table name every setting", async () => {
  const settings = Object.keys(AdalrsBaseSchema.shape);
  for (const file of ["README.md", "docs/controller.md"]) {
    const text = await Deno.readTextFile(new URL(file, ROOT));
    // A table row starts with the setting's name in backticks (several may share a row).
    const rows = text.split("\n").filter((line) => line.startsWith("| `"));
    const named = new Set(
      rows.flatMap((row) => [...row.split("|")[1].matchAll(/`(\w+)`/g)].map((m) => m[1])),
    );
    assert.deepEqual(settings.filter((s) => !named.has(s)), [], `settings ${file} leaves out`);
  }
});
