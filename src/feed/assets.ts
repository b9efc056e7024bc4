/**
 * The viewer's files as the server sends them: read once from dist/viewer/ (built by
 * `npm run build` from src/feed/viewer/), by URL path. Missing files (a checkout that was never
 * built) leave the server with its endpoint page only. Owns no sockets.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface Asset {
  type: string;
  body: Buffer;
}

/** Both src/feed/ (tests, tsx) and dist/feed/ (the package) find it here. */
export const VIEWER_DIR = fileURLToPath(new URL('../../dist/viewer/', import.meta.url));

const FILES: [path: string, file: string, type: string][] = [
  ['/', 'index.html', 'text/html; charset=utf-8'],
  ['/viewer.js', 'viewer.js', 'text/javascript; charset=utf-8'],
  ['/viewer.js.map', 'viewer.js.map', 'application/json'],
  ['/licenses.txt', 'licenses.txt', 'text/plain; charset=utf-8'],
  ['/viewer.css', 'viewer.css', 'text/css; charset=utf-8'],
];

/** The viewer's files by path, or undefined when the viewer is not built. */
export function loadViewer(dir = VIEWER_DIR): Map<string, Asset> | undefined {
  if (!existsSync(`${dir}index.html`) || !existsSync(`${dir}viewer.js`)) return undefined;
  const assets = new Map<string, Asset>();
  for (const [path, file, type] of FILES) if (existsSync(`${dir}${file}`)) assets.set(path, { type, body: readFileSync(`${dir}${file}`) });
  return assets;
}
