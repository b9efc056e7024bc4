/**
 * The package as a user gets it. A copy of this tree is packed by npm (so its `prepare` build
 * runs on exactly these sources, and the shared dist/ is left alone), the tarball is installed
 * into a fresh project, and there the README's library examples, taken from README.md as written,
 * type-check against the shipped declarations and pass in vitest. The project borrows this
 * checkout's vitest and TypeScript through a symlink: installing them would only test npm.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

const root = join(import.meta.dirname, '..', '..');

// npm run from `npm test` sees npm_config_local_prefix and friends pointing at this checkout:
// the nested npm commands must find the temporary projects instead.
const KEPT_NPM_SETTINGS = new Set(['npm_config_cache', 'npm_config_registry', 'npm_config_cafile', 'npm_config_userconfig']);
const env = {
  ...Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^(npm_|FORCE_COLOR$)/i.test(key) || KEPT_NPM_SETTINGS.has(key.toLowerCase()))),
  NO_COLOR: '1',
};

const run = (command: string, args: string[], cwd: string): SpawnSyncReturns<string> =>
  spawnSync(command, args, { cwd, env, encoding: 'utf8', timeout: 120_000 });

const npmVersion = run('npm', ['--version'], root);
const npmMissing = npmVersion.error !== undefined || npmVersion.status !== 0;
if (npmMissing) console.warn('test/api/packed.test.ts: skipped: npm is not on the PATH, so the package cannot be packed and installed');

/** npm's words for "the registry cannot be reached, and the dependency is not in the cache". */
const OFFLINE = /ENOTCACHED|ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENETUNREACH/;

/** The TypeScript blocks of the README's "The library" section, in order. */
function libraryExamples(): string[] {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const start = readme.indexOf('\n## The library\n');
  const section = readme.slice(start, readme.indexOf('\n## ', start + 1));
  return [...section.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
}

/**
 * A vitest file holding each example verbatim in its own test; only the imports move to the top
 * (ESM wants them there), merged per module so two examples may import the same name; a module
 * imported for its effect (`import 'netloom/vitest';`) is imported once.
 */
function vitestFile(examples: string[]): string {
  const imported = new Map<string, Set<string>>([['vitest', new Set(['expect', 'it'])]]);
  const tests = examples.map((example, i) => {
    const body = example.split('\n').filter((line) => {
      const bare = /^import '([^']+)';$/.exec(line);
      if (bare !== null) {
        if (!imported.has(bare[1]!)) imported.set(bare[1]!, new Set());
        return false;
      }
      const named = /^import \{ (.+) \} from '([^']+)';$/.exec(line);
      if (named === null) return true;
      const names = imported.get(named[2]!) ?? new Set<string>();
      for (const name of named[1]!.split(',')) names.add(name.trim());
      imported.set(named[2]!, names);
      return false;
    });
    expect(body.filter((line) => line.startsWith('import '))).toEqual([]);
    return `it('the README, "The library", example ${i + 1}', async () => {\n${body.join('\n')}\n});\n`;
  });
  const imports = [...imported].map(([module, names]) => (names.size === 0 ? `import '${module}';` : `import { ${[...names].join(', ')} } from '${module}';`));
  return `${imports.join('\n')}\n\n${tests.join('\n')}`;
}

function mapFiles(folder: string): string[] {
  return readdirSync(folder, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.map')).map((f) => join(folder, f));
}

describe.skipIf(npmMissing)('the packed package in a fresh project', () => {
  it('packs, installs, and runs the README library examples verbatim, with stack frames in shipped sources', async (context) => {
    const work = mkdtempSync(join(tmpdir(), 'netloom-packed-'));
    try {
      // The tree as npm would pack it: package.json, what "files" names (dist/ is rebuilt by prepare), the build settings.
      const stage = join(work, 'netloom');
      mkdirSync(stage);
      const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string; files: string[] };
      for (const entry of ['package.json', 'README.md', 'tsconfig.json', 'tsconfig.build.json', ...manifest.files.filter((f) => f !== 'dist')]) {
        cpSync(join(root, entry), join(stage, entry), { recursive: true });
      }
      symlinkSync(join(root, 'node_modules'), join(stage, 'node_modules'), 'dir');
      const packed = run('npm', ['pack', '--json', '--pack-destination', work], stage);
      expect(packed.status, packed.stderr).toBe(0);
      const [tarball] = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('['))) as { filename: string; files: { path: string }[] }[];
      const shipped = tarball!.files.map((f) => f.path);
      expect(shipped).toEqual(expect.arrayContaining(['package.json', 'README.md', 'dist/index.js', 'dist/index.js.map', 'dist/index.d.ts', 'dist/index.d.ts.map', 'dist/cli/main.js', 'dist/vitest.js', 'dist/vitest.d.ts', 'src/index.ts', 'src/vitest.ts', 'topologies/vxlan.yaml']));
      expect(shipped.filter((f) => !/^(dist|src|topologies)\//.test(f)).sort()).toEqual(['README.md', 'package.json']);
      expect(tarball!.filename).toBe(`netloom-${manifest.version}.tgz`);

      // A user's project: no netloom sources, no topologies, nothing but the tarball installed.
      const project = join(work, 'project');
      mkdirSync(project);
      writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'netloom-user', private: true, type: 'module' }));
      // --ignore-scripts: a registry install never runs prepare, so the package must work without it.
      const install = run('npm', ['install', join(work, tarball!.filename), '--prefix', project, '--prefer-offline', '--ignore-scripts', '--no-audit', '--no-fund'], project);
      if (install.status !== 0 && OFFLINE.test(install.stderr)) {
        console.warn(`test/api/packed.test.ts: skipped: npm cannot fetch netloom's dependencies (offline, and not in npm's cache):\n${install.stderr}`);
        context.skip();
      }
      expect(install.status, install.stderr).toBe(0);
      const installed = join(project, 'node_modules', 'netloom');
      expect(existsSync(join(installed, 'topologies', 'vxlan.yaml'))).toBe(true);
      // The viewer comes built: a feed started from the package serves it.
      for (const file of ['index.html', 'viewer.js', 'viewer.css', 'licenses.txt']) expect(existsSync(join(installed, 'dist', 'viewer', file)), file).toBe(true);
      // vitest is an optional peer: never installed with netloom, needed only by netloom/vitest.
      const installedManifest = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; peerDependenciesMeta: Record<string, { optional: boolean }> };
      expect([Object.keys(installedManifest.dependencies).includes('vitest'), installedManifest.peerDependenciesMeta['vitest'], existsSync(join(project, 'node_modules', 'vitest'))]).toEqual([false, { optional: true }, false]);

      // Every source map and declaration map points at a file the package ships, or carries its
      // text (the viewer's bundle holds the d3 modules it was built from).
      const maps = mapFiles(join(installed, 'dist'));
      expect(maps.length).toBeGreaterThan(100);
      const missing = maps.flatMap((map) => {
        const { sources, sourceRoot = '', sourcesContent = [] } = JSON.parse(readFileSync(map, 'utf8')) as { sources: string[]; sourceRoot?: string; sourcesContent?: (string | null)[] };
        return sources
          .map((s, i) => [resolve(dirname(map), sourceRoot, s), typeof sourcesContent[i] === 'string'] as const)
          .filter(([s, carried]) => !carried && (!s.startsWith(join(installed, 'src')) || !existsSync(s)))
          .map(([s]) => s);
      });
      expect(missing).toEqual([]);

      // A library error's first stack frame is in a shipped .ts file, at the throw (netloom loads without vitest).
      const thrown = run(process.execPath, ['--enable-source-maps', '--input-type=module', '-e', "import { loadTopologyFile } from 'netloom'; try { loadTopologyFile('nowhere.yaml'); } catch (e) { console.log(e.stack); }"], project);
      const frame = /\n\s+at loadTopologyFile \((.+?):(\d+):\d+\)/.exec(thrown.stdout);
      expect(frame?.[1], thrown.stdout + thrown.stderr).toBe(join(installed, 'src', 'topology', 'load.ts'));
      expect(readFileSync(frame![1]!, 'utf8').split('\n')[Number(frame![2]) - 1]).toContain('throw new TopologyError');

      // The README's examples, as written, against the installed package: types first, then vitest.
      const examples = libraryExamples();
      expect(examples.length).toBe(4);
      writeFileSync(join(project, 'readme.test.ts'), vitestFile(examples));
      writeFileSync(
        join(project, 'tsconfig.json'),
        JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, skipLibCheck: true, types: [] }, include: ['readme.test.ts'] }),
      );
      symlinkSync(join(root, 'node_modules', 'vitest'), join(project, 'node_modules', 'vitest'), 'dir');
      const typecheck = run(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', project], project);
      expect(typecheck.stdout + typecheck.stderr).toBe('');
      const vitest = run(process.execPath, [join(project, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--root', project], project);
      expect(vitest.status, vitest.stdout + vitest.stderr).toBe(0);
      expect(vitest.stdout).toMatch(/Tests\s+4 passed \(4\)/);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }, 180_000);
});
