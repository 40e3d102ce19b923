// Runs the contract in the runtime that runs this file (Node, Bun, Deno) and prints its results as
// one JSON line. Arguments: the package entry to import, the API base URL, the runtime's name.
import { runContract } from './contract.mjs';

const [entry, baseURL, runtime] = globalThis.Deno?.args ?? process.argv.slice(2);
const api = await import(entry);
const report = await runContract(api, baseURL, runtime);
const version = globalThis.Bun ? `bun ${globalThis.Bun.version}` : globalThis.Deno ? `deno ${globalThis.Deno.version.deno}` : `node ${process.version}`;
console.log(JSON.stringify({ ...report, version }));
