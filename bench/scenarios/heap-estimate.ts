// Run as `node --expose-gc heap-estimate.ts FILE`: FILE holds a JSON array of assistants. Prints
// the V8 heap growth per parsed assistant, the part of the hot layer its byte counter leaves out.
// workerd is V8 too, so this is a fair estimate, but it is Node's heap, not the Durable Object's.
import { readFileSync } from "node:fs";

const COPIES = 200;
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error("run with --expose-gc");

const file = process.argv[2];
if (!file) throw new Error("usage: heap-estimate.ts FILE");
const texts = (JSON.parse(readFileSync(file, "utf8")) as unknown[]).map((a) => JSON.stringify(a));

gc();
const before = process.memoryUsage().heapUsed;
const held: unknown[] = [];
for (let c = 0; c < COPIES; c++) for (const t of texts) held.push(JSON.parse(t));
gc();
const after = process.memoryUsage().heapUsed;
const perAssistant = (after - before) / (COPIES * texts.length);
console.log(JSON.stringify({ perAssistant: Math.round(perAssistant), held: held.length }));
