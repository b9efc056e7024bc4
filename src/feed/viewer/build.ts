/**
 * Builds the viewer (app/) into dist/viewer/: one ES module bundled by esbuild with its npm
 * libraries (d3), minified, with a source map, beside the page, its stylesheet and the licenses
 * of the libraries bundled in it. Nothing is fetched at run time: the server serves these files. Run by `npm run build` and before
 * the tests (test/setup.ts); `node`-side only, never shipped to the browser.
 */
import { build } from 'esbuild';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const app = fileURLToPath(new URL('./app/', import.meta.url));
export const VIEWER_OUT = fileURLToPath(new URL('../../../dist/viewer/', import.meta.url));

export async function buildViewer(out = VIEWER_OUT): Promise<void> {
  mkdirSync(out, { recursive: true });
  const result = await build({
    entryPoints: [join(app, 'main.ts')],
    outfile: join(out, 'viewer.js'),
    bundle: true,
    format: 'esm',
    target: ['chrome110', 'firefox115'],
    minify: true,
    sourcemap: true,
    legalComments: 'none',
    metafile: true,
    logLevel: 'warning',
  });
  // Each npm package bundled, with its license text (d3's ISC asks that the notice go with copies).
  const packages = new Set<string>();
  for (const input of Object.keys(result.metafile.inputs)) {
    const m = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input);
    if (m !== null) packages.add(m[1]!);
  }
  const notices = [...packages].sort().map((name) => {
    const dir = join(app, '..', '..', '..', '..', 'node_modules', name);
    const version = (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string }).version;
    const license = ['LICENSE', 'LICENSE.md', 'LICENSE.txt'].map((f) => join(dir, f)).find((f) => existsSync(f));
    return `${name} ${version}\n\n${license === undefined ? '(no license file in the package)' : readFileSync(license, 'utf8').trim()}\n`;
  });
  writeFileSync(join(out, 'licenses.txt'), `The viewer bundles these npm packages:\n\n${notices.join('\n---\n\n')}`);
  copyFileSync(join(app, 'index.html'), join(out, 'index.html'));
  copyFileSync(join(app, 'viewer.css'), join(out, 'viewer.css'));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await buildViewer();
