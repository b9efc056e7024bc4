/**
 * DESIGN.md's rule that layers depend downward only, checked on every relative import and
 * re-export in src/ (types included): a folder may import from itself and from the folders
 * below it in LAYERS, never from one above.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/** Bottom first. hosts sits below switch: a switch is an IP node for its tunnels' underlay. */
const LAYERS = ['wire', 'capture', 'sim', 'hosts', 'switch', 'openflow', 'controller', 'tenants', 'trace', 'topology', 'feed', 'cli'] as const;
/** Files at the top of src/ (the public API, netloom/vitest) stand above every folder. */
const TOP = LAYERS.length;

const SRC = resolve(__dirname, '../src');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

function rankOf(file: string): number {
  const parts = relative(SRC, file).split('/');
  if (parts.length === 1) return TOP;
  const rank = (LAYERS as readonly string[]).indexOf(parts[0]!);
  if (rank < 0) throw new Error(`src/${parts[0]} is in no layer: add it to LAYERS (and to DESIGN.md's order)`);
  return rank;
}

/** Relative module specifiers of `import … from`, `export … from` and `import(…)`. */
const SPECIFIER = /(?:\bfrom\s+|\bimport\s*\(\s*)'(\.{1,2}\/[^']+)'/g;

describe('layering', () => {
  it('every import in src/ points to the same layer or one below', () => {
    const upward: string[] = [];
    let imports = 0;
    for (const file of sources(SRC)) {
      const rank = rankOf(file);
      for (const [, specifier] of readFileSync(file, 'utf8').matchAll(SPECIFIER)) {
        imports++;
        const target = resolve(dirname(file), specifier!);
        if (rankOf(target) > rank) upward.push(`src/${relative(SRC, file)} imports src/${relative(SRC, target)}`);
      }
    }
    expect(imports).toBeGreaterThan(500);
    expect(upward).toEqual([]);
  });
});
