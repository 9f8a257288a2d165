#!/usr/bin/env node
// Assembles a WebAssembly text file into a binary module (build step; wabt is a dev dependency).
// usage: node tools/build/wat2wasm.mjs IN.wat OUT.wasm
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import initWabt from 'wabt';

const [input, output] = process.argv.slice(2);
if (!input || !output) {
  console.error('usage: wat2wasm.mjs IN.wat OUT.wasm');
  process.exit(2);
}
const wabt = await initWabt();
const module = wabt.parseWat(input, readFileSync(input, 'utf8'), { simd: true, threads: true });
const { buffer } = module.toBinary({});
new WebAssembly.Module(buffer); // validates with the engine that will run it (wabt's own check rejects shared memory)
mkdirSync(dirname(output), { recursive: true });
writeFileSync(output, buffer);

