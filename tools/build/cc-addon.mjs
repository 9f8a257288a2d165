#!/usr/bin/env node
// Compiles a Node-API addon from one C file (build step of the Lasso solver's native kernels).
// usage: node tools/build/cc-addon.mjs IN.c OUT.node
//
// The addon is optional: the library falls back to its WebAssembly kernels without it. So where it cannot be built
// (no C compiler, or a compile error) this prints one line saying why and exits 0, leaving no OUT.node behind.
// The compiler is $CC, else `cc`; the Node-API headers come from the node-api-headers package (a dev dependency).
// AUDIO_CONCEPTS_NATIVE_KERNELS=0 skips it on purpose.
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';

const [input, output] = process.argv.slice(2);
if (!input || !output) {
  console.error('usage: cc-addon.mjs IN.c OUT.node');
  process.exit(2);
}
rmSync(output, { force: true });
const skip = (why) => {
  console.log(`native kernels not built (${why}): the Lasso solver will use its WebAssembly kernels`);
  process.exit(0);
};
if (process.env.AUDIO_CONCEPTS_NATIVE_KERNELS === '0') skip('AUDIO_CONCEPTS_NATIVE_KERNELS=0');

const { include_dir: headers } = createRequire(import.meta.url)('node-api-headers');
const cc = process.env.CC || 'cc';
mkdirSync(dirname(output), { recursive: true });
// -shared without linking libnode: the addon's napi_* symbols resolve against the node binary that loads it.
// -std=c11 (not gnu11) also means -ffp-contract=off: no fused multiply-adds, so results round as in WebAssembly.
// macOS's linker wants to be told that those symbols come from the host.
const host = process.platform === 'darwin' ? ['-undefined', 'dynamic_lookup'] : [];
const args = ['-O3', '-std=c11', '-fPIC', '-shared', ...host, '-Wall', '-Werror', `-I${headers}`, '-o', output, input];
const run = spawnSync(cc, args, { encoding: 'utf8' });
if (run.error) skip(`${cc}: ${run.error.code === 'ENOENT' ? 'no C compiler found; install gcc' : run.error.message}`);
if (run.status !== 0) {
  process.stdout.write(run.stderr);
  rmSync(output, { force: true });
  skip(`${cc} ${args.join(' ')} failed`);
}
