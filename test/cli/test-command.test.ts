/** `netloom test`: topologies' expectations as a test suite, its output, exit codes and JUnit report. */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI } from '../cli.js';

const root = join(import.meta.dirname, '..', '..');
const netloom = (args: string[], cwd: string) => {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
};
const lesson = (name: string) => readFileSync(join(root, 'topologies', `${name}.yaml`), 'utf8');

const BROKEN = `name: broken
nodes:
  h1: { kind: host, interfaces: { eth0: { ipv4: 10.0.0.1/24 } } }
links:
  - endpoints: [h1:eth0, s9:p1]
`;

const TWO_HOSTS = (s1: string, c1 = '', ping = 'ping') => `name: two-hosts
nodes:${c1}
  h1: { kind: host, interfaces: { eth0: { ipv4: 10.0.0.1/24 } } }
  h2: { kind: host, interfaces: { eth0: { ipv4: 10.0.0.2/24 } } }
  s1: ${s1}
links:
  - endpoints: [h1:eth0, s1:p1]
  - endpoints: [h2:eth0, s1:p2]
traffic:
  - ping: { name: ${ping}, from: h1, to: h2, count: 3, start: 100ms }
expect:
  - delivered: { traffic: ${ping}, min: 3 }
  - path: { from: h1, to: h2, disposition: DELIVERED }
`;

// A controller app given as a module path, resolved against the topology file as `netloom run` does.
const FLOOD_APP = `export default () => ({
  switchConnected(dp) { dp.addFlow('priority=0,actions=CONTROLLER:65535'); },
  packetIn(dp, ev) { dp.packetOut(ev.data, [{ type: 'output', port: 0xfffffffb, maxLen: 0 }], ev.inPort); },
});
`;

const PATH_FAILURE = `expected: icmp h1 → 10.0.99.1 via r1: DELIVERED
found: h1 → r1: NO_ROUTE (NO_ROUTE)

1. h1 (out eth0)  ethernet/ipv4/icmp/payload
2. r1 (in eth0)  ethernet/ipv4/icmp/payload
     dropped (NO_ROUTE): no route to 10.0.99.1; ICMP network unreachable to 10.0.1.10
NO_ROUTE at r1: no route to 10.0.99.1; ICMP network unreachable to 10.0.1.10`;

const BROKEN_APP = `export default () => {
  throw new Error('the app is broken');
};
`;

// The two hosts in JSON, which a folder holds beside YAML.
const TOPOLOGY_JSON = JSON.stringify({
  name: 'two-hosts-json',
  nodes: { h1: { kind: 'host', interfaces: { eth0: { ipv4: '10.0.0.1/24' } } }, h2: { kind: 'host', interfaces: { eth0: { ipv4: '10.0.0.2/24' } } }, s1: { kind: 'switch', ports: ['p1', 'p2'] } },
  links: [{ endpoints: ['h1:eth0', 's1:p1'] }, { endpoints: ['h2:eth0', 's1:p2'] }],
  traffic: [{ ping: { name: 'ping', from: 'h1', to: 'h2', count: 3 } }],
});

/** A folder of topologies: one passing, one failing two expectations, one bad, one needing the wall clock, one with a module app. */
function suiteFolder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'netloom-test-'));
  writeFileSync(join(dir, 'a-lan.yaml'), lesson('lan'));
  const fails = lesson('two-subnets')
    .replace('delivered: { traffic: ttl 2, max: 0 }', 'delivered: { traffic: ttl 2, min: 1 }')
    .replace('via: [r1], disposition: NO_ROUTE', 'via: [r1], disposition: DELIVERED');
  writeFileSync(join(dir, 'b-fails.yaml'), fails);
  writeFileSync(join(dir, 'c-broken.yaml'), BROKEN);
  // A name that needs escaping in XML, and a control character XML 1.0 cannot hold at all.
  writeFileSync(join(dir, 'd-listens.yaml'), TWO_HOSTS('{ kind: switch, ports: [p1, p2], listen: 0 }', '', '"<ping> & \\"pong\\" \\a"'));
  writeFileSync(join(dir, 'e-app.yaml'), TWO_HOSTS('{ kind: switch, ports: [p1, p2], controller: c1 }', '\n  c1: { kind: controller, app: ./apps/flood.mjs }'));
  mkdirSync(join(dir, 'apps'));
  writeFileSync(join(dir, 'apps', 'flood.mjs'), FLOOD_APP);
  writeFileSync(join(dir, 'notes.txt'), 'not a topology: a folder is searched for .yaml, .yml and .json only');
  return dir;
}

interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  text: string;
}

/** Enough of XML for a JUnit report: well-formedness (every tag closed in order, nothing unescaped) and the tree. */
function parseXml(source: string): XmlElement {
  const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
  const unescape = (text: string) => {
    expect(text).not.toMatch(/[<>]|&(?!(amp|lt|gt|quot|apos);)/);
    return text.replace(/&(\w+);/g, (_m, name: string) => ENTITIES[name]!);
  };
  const document: XmlElement = { name: '#document', attributes: {}, children: [], text: '' };
  const open = [document];
  const token = /<\?xml [^?]*\?>|<(\/?)([\w-]+)((?:\s+[\w-]+="[^"]*")*)\s*(\/?)>|([^<]+)/gy;
  let at = 0;
  for (let m = token.exec(source); m !== null; m = token.exec(source)) {
    at = token.lastIndex;
    const [, closing, name, attributes, selfClosing, text] = m;
    const parent = open.at(-1)!;
    if (text !== undefined) parent.text += unescape(text);
    else if (name === undefined) continue;
    else if (closing) expect(open.pop()!.name).toBe(name);
    else {
      const element: XmlElement = { name, attributes: {}, children: [], text: '' };
      for (const [, key, value] of attributes!.matchAll(/([\w-]+)="([^"]*)"/g)) element.attributes[key!] = unescape(value!);
      parent.children.push(element);
      if (!selfClosing) open.push(element);
    }
  }
  expect(at).toBe(source.length);
  expect(open).toEqual([document]);
  expect(document.children).toHaveLength(1);
  return document.children[0]!;
}

describe('netloom test', () => {
  it('runs every topology of a folder and the files named, a line per topology and expectation, and exits 2 on bad input', () => {
    const dir = suiteFolder();
    const r = netloom(['test', '.', 'nope.yaml', '--junit', 'report.xml'], dir);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(
      [
        'ok   a-lan.yaml',
        '  ok   h1 to h2: at least 4 delivered  (4 of 4 delivered)',
        '  ok   h3 to h1: at least 4 delivered  (4 of 4 delivered)',
        '  ok   h2 to h3 udp: at least 100 delivered  (100 of 100 delivered)',
        '  ok   icmp h1 → h3 via s1: DELIVERED  (h1 → s1 → h3: DELIVERED)',
        'FAIL b-fails.yaml',
        '  ok   ping h1 to h2: at least 5 delivered  (5 of 5 delivered)',
        '  FAIL ttl 2: at least 1 delivered  (0 of 3 delivered)',
        '  ok   at least 3 dropped at r2 for TTL_EXCEEDED  (3 dropped)',
        '  ok   icmp h1 → h2 via r1, r2: DELIVERED  (h1 → r1 → r2 → h2: DELIVERED)',
        '  FAIL icmp h1 → 10.0.99.1 via r1: DELIVERED  (h1 → r1: NO_ROUTE (NO_ROUTE))',
        'FAIL c-broken.yaml: does not load',
        '  c-broken.yaml:5:26 links[0].endpoints[1]: unknown node "s9" (nodes are h1)',
        'skip d-listens.yaml: needs the wall clock (s1 listens on 127.0.0.1:0): run it with netloom run',
        '  skip <ping> & "pong" \\x07: at least 3 delivered', // a control character, shown escaped
        '  skip icmp h1 → h2: DELIVERED',
        'ok   e-app.yaml',
        '  ok   ping: at least 3 delivered  (3 of 3 delivered)',
        '  ok   icmp h1 → h2: DELIVERED  (h1 → s1 → h2: DELIVERED)',
        'FAIL nope.yaml: does not load',
        '  nope.yaml: cannot read the file: no such file',
        '2 skipped',
        '9 passed, 4 failed',
        '',
      ].join('\n'),
    );
    expect(r.status).toBe(2);

    const report = parseXml(readFileSync(join(dir, 'report.xml'), 'utf8'));
    expect(report.name).toBe('testsuites');
    expect(report.attributes).toMatchObject({ name: 'netloom test', tests: '15', failures: '2', errors: '2', skipped: '2' });
    expect(report.attributes['time']).toMatch(/^\d+\.\d{3}$/);
    expect(report.children.map(summarizeSuite)).toEqual([
      { name: 'a-lan.yaml', tests: '4', failures: '0', errors: '0', skipped: '0', cases: [
        'h1 to h2: at least 4 delivered',
        'h3 to h1: at least 4 delivered',
        'h2 to h3 udp: at least 100 delivered',
        'icmp h1 → h3 via s1: DELIVERED',
      ] },
      { name: 'b-fails.yaml', tests: '5', failures: '2', errors: '0', skipped: '0', cases: [
        'ping h1 to h2: at least 5 delivered',
        'ttl 2: at least 1 delivered | failure expectation: 0 of 3 delivered',
        'at least 3 dropped at r2 for TTL_EXCEEDED',
        'icmp h1 → h2 via r1, r2: DELIVERED',
        'icmp h1 → 10.0.99.1 via r1: DELIVERED | failure expectation: h1 → r1: NO_ROUTE (NO_ROUTE)',
      ] },
      { name: 'c-broken.yaml', tests: '1', failures: '0', errors: '1', skipped: '0', cases: [
        'load | error NETLOOM_TOPOLOGY: c-broken.yaml:5:26 links[0].endpoints[1]: unknown node "s9" (nodes are h1)',
      ] },
      { name: 'd-listens.yaml', tests: '2', failures: '0', errors: '0', skipped: '2', cases: [
        '<ping> & "pong" \\u0007: at least 3 delivered | skipped: needs the wall clock (s1 listens on 127.0.0.1:0): run it with netloom run',
        'icmp h1 → h2: DELIVERED | skipped: needs the wall clock (s1 listens on 127.0.0.1:0): run it with netloom run',
      ] },
      { name: 'e-app.yaml', tests: '2', failures: '0', errors: '0', skipped: '0', cases: ['ping: at least 3 delivered', 'icmp h1 → h2: DELIVERED'] },
      { name: 'nope.yaml', tests: '1', failures: '0', errors: '1', skipped: '0', cases: ['load | error NETLOOM_TOPOLOGY: nope.yaml: cannot read the file: no such file'] },
    ]);
    // A failure's text says what was expected, what was found and, for a path, the hops it took.
    const pathFailure = report.children[1]!.children[4]!.children[0]!;
    expect(pathFailure.text).toBe(PATH_FAILURE);
  });
});

describe('netloom test exit codes', () => {
  const folder = (files: Record<string, string>) => {
    const dir = mkdtempSync(join(tmpdir(), 'netloom-test-'));
    for (const [name, text] of Object.entries(files)) {
      mkdirSync(join(dir, name, '..'), { recursive: true });
      writeFileSync(join(dir, name), text);
    }
    return dir;
  };

  it('exits 0 when every expectation holds, testing ./topologies by default', () => {
    const r = netloom(['test'], folder({ 'topologies/lan.yaml': lesson('lan'), 'topologies/vlan.yml': lesson('vlan') }));
    expect([r.status, r.stderr, r.stdout.split('\n').filter((l) => !l.startsWith('  '))]).toEqual([0, '', ['ok   topologies/lan.yaml', 'ok   topologies/vlan.yml', '9 passed, 0 failed', '']]);
  });

  it('exits 1 when an expectation fails and every file is good', () => {
    const r = netloom(['test', 'lan.yaml', 'fails.json'], folder({ 'lan.yaml': lesson('lan'), 'fails.json': JSON.stringify({ ...JSON.parse(TOPOLOGY_JSON), expect: [{ delivered: { traffic: 'ping', min: 4 } }] }) }));
    expect([r.status, r.stdout.split('\n').slice(-4)]).toEqual([1, ['FAIL fails.json', '  FAIL ping: at least 4 delivered  (3 of 3 delivered)', '4 passed, 1 failed', '']]);
  });

  it('exits 3 on an internal error, and still runs the other files', () => {
    const dir = folder({ 'a.yaml': TWO_HOSTS('{ kind: switch, ports: [p1, p2], controller: c1 }', '\n  c1: { kind: controller, app: ./broken.mjs }'), 'broken.mjs': BROKEN_APP, 'b.yaml': lesson('lan') });
    const r = netloom(['test', '.'], dir);
    expect([r.status, r.stdout.split('\n').filter((l) => !l.startsWith('  ok'))]).toEqual([3, [
      'FAIL a.yaml: internal error',
      '  Error: the app is broken (set NETLOOM_DEBUG=1 for a stack trace)',
      'ok   b.yaml',
      '4 passed, 1 failed',
      '',
    ]]);
  });

  it.each([
    [[], {}, 'netloom: NETLOOM_USAGE: no topologies folder here; name topology files or folders: netloom test DIR|FILES\n'],
    [['.', '--junit', 'no/such/folder/report.xml'], { 'lan.yaml': lesson('lan') }, 'netloom: NETLOOM_USAGE: --junit no/such/folder/report.xml: cannot write it (ENOENT)\n'],
  ])('a usage mistake (%j) exits 2 before running anything', (args, files, message) => {
    const r = netloom(['test', ...args], folder(files));
    expect([r.status, r.stdout, r.stderr]).toEqual([2, '', message]);
  });

  it('a folder with no topology in it is a failed test', () => {
    const dir = folder({ 'lan.yaml': lesson('lan'), 'empty/notes.txt': 'nothing to test' });
    const r = netloom(['test', 'empty', 'lan.yaml'], dir);
    expect([r.status, r.stdout.split('\n').filter((l) => !l.startsWith('  ok'))]).toEqual([2, [
      'FAIL empty: no topology files',
      '  empty: no topology files in this folder (.yaml, .yml or .json)',
      'ok   lan.yaml',
      '4 passed, 1 failed',
      '',
    ]]);
  });
});

/** A <testsuite> as its attributes (less the time) and its cases, each as `name`, `name | failure type: message`, …. */
function summarizeSuite(suite: XmlElement) {
  expect(suite.name).toBe('testsuite');
  const { time, ...counts } = suite.attributes;
  expect(time).toMatch(/^\d+\.\d{3}$/);
  const cases = suite.children.map((c) => {
    expect(c.name).toBe('testcase');
    expect([c.attributes['classname'], c.attributes['file']]).toEqual([suite.attributes['name'], suite.attributes['name']]);
    expect(c.children.length).toBeLessThanOrEqual(1);
    const [outcome] = c.children;
    if (outcome === undefined) return c.attributes['name'];
    const type = outcome.attributes['type'] === undefined ? '' : ` ${outcome.attributes['type']}`;
    return `${c.attributes['name']} | ${outcome.name}${type}: ${outcome.attributes['message']}`;
  });
  return { ...counts, cases };
}
