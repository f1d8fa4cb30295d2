// Fails when folders under src/ import each other in a circle, so that the layering stays one-way
// (the picture is in src/README.md). madge and dependency-cruiser find cycles between files; this
// finds them between folders: a folder is the first path segment under src/, and files directly in
// src/ form the root. Prints each cycle with one importing file per edge.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

// `--graph` prints every folder edge; `--src DIR` checks another tree (the tests use it).
const args = process.argv.slice(2);
const showGraph = args.includes("--graph");
const srcArg = args.indexOf("--src");
const srcDir = srcArg >= 0 ? resolve(args[srcArg + 1]) : resolve(dirname(fileURLToPath(import.meta.url)), "..", "src");

function sourceFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.(ts|mts|js|mjs)$/.test(entry.name) && !entry.name.endsWith(".d.ts") ? [path] : [];
  });
}

function folderOf(file) {
  const parts = relative(srcDir, file).split(sep);
  return parts.length === 1 ? "(root)" : parts[0];
}

/** Folder → imported folder → the first file found importing it. */
const edges = new Map();
for (const file of sourceFiles(srcDir)) {
  const from = folderOf(file);
  const info = ts.preProcessFile(readFileSync(file, "utf8"), true, true);
  for (const { fileName } of info.importedFiles) {
    if (!fileName.startsWith(".")) continue;
    const target = resolve(dirname(file), fileName);
    if (!target.startsWith(srcDir + sep)) continue;
    const to = folderOf(target);
    if (to === from) continue;
    if (!edges.has(from)) edges.set(from, new Map());
    if (!edges.get(from).has(to)) edges.get(from).set(to, relative(srcDir, file));
  }
}

if (showGraph) {
  for (const [from, tos] of [...edges].sort()) {
    for (const [to, file] of [...tos].sort()) console.log(`${from} -> ${to}  (${file})`);
  }
}

// Strongly connected components (Tarjan); each one with more than one folder holds a cycle.
const folders = [...new Set([...edges.keys(), ...[...edges.values()].flatMap((tos) => [...tos.keys()])])].sort();
const index = new Map();
const low = new Map();
const stack = [];
const onStack = new Set();
const components = [];
let counter = 0;
function connect(folder) {
  index.set(folder, counter);
  low.set(folder, counter);
  counter += 1;
  stack.push(folder);
  onStack.add(folder);
  for (const to of edges.get(folder)?.keys() ?? []) {
    if (!index.has(to)) {
      connect(to);
      low.set(folder, Math.min(low.get(folder), low.get(to)));
    } else if (onStack.has(to)) {
      low.set(folder, Math.min(low.get(folder), index.get(to)));
    }
  }
  if (low.get(folder) === index.get(folder)) {
    const component = [];
    let member;
    do {
      member = stack.pop();
      onStack.delete(member);
      component.push(member);
    } while (member !== folder);
    if (component.length > 1) components.push(component);
  }
}
for (const folder of folders) if (!index.has(folder)) connect(folder);

/** One shortest cycle through `start` inside its component, by breadth-first search. */
function cycleThrough(start, members) {
  const previous = new Map([[start, null]]);
  const queue = [start];
  while (queue.length > 0) {
    const folder = queue.shift();
    for (const to of edges.get(folder)?.keys() ?? []) {
      if (!members.has(to)) continue;
      if (to === start) {
        const path = [folder];
        while (previous.get(path[0]) !== null) path.unshift(previous.get(path[0]));
        return [...path, start];
      }
      if (!previous.has(to)) {
        previous.set(to, folder);
        queue.push(to);
      }
    }
  }
  return [start];
}

if (components.length === 0) {
  if (!showGraph) console.log(`No folder cycles under src/ (${folders.length} folders).`);
  process.exit(0);
}
for (const component of components) {
  const members = new Set(component);
  const cycle = cycleThrough(component.sort()[0], members);
  console.error(`Folder cycle under src/: ${cycle.join(" -> ")}`);
  for (let i = 0; i + 1 < cycle.length; i += 1) {
    console.error(`  ${cycle[i]} -> ${cycle[i + 1]}: ${edges.get(cycle[i]).get(cycle[i + 1])}`);
  }
  if (component.length > 2) console.error(`  (these folders are all in one circle: ${component.join(", ")})`);
}
process.exit(1);
