/**
 * The CLI as the tests run it in a process: this checkout's source bundled once before the tests
 * (test/setup.ts), so the hundreds of runs do not each compile every source file again under tsx
 * (about 0.9 s of CPU a run). The bundle sits two folders below the checkout, as src/cli/main.ts
 * does, so the paths the sources find from their own place (package.json, topologies/,
 * dist/viewer/) are the same; tmp/ is git-ignored and never packed.
 */
import { build } from 'esbuild';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');

/** The bundled CLI: `spawn(process.execPath, [CLI, ...args])` runs `netloom ...args`. */
export const CLI = join(root, 'tmp', 'cli', 'netloom.mjs');

export async function buildCli(): Promise<void> {
  await build({ entryPoints: [join(root, 'src', 'cli', 'main.ts')], outfile: CLI, bundle: true, platform: 'node', format: 'esm', packages: 'external', logLevel: 'warning' });
}
