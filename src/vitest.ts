/**
 * netloom's matchers in vitest: importing `netloom/vitest` (in a test file, or in vitest's
 * setupFiles) adds toDeliver, toDrop, toTraverse, toBeIsolated and toPassExpectations to
 * `expect`, typed. A thin adapter: the matchers themselves are netloomMatchers (from `netloom`),
 * which other runners call directly. vitest is an optional peer dependency, needed only here.
 */
import { expect } from 'vitest';
import { netloomMatchers, type PathProbe } from './topology/assert.js';
import type { DropExpectation } from './trace/assert.js';

export interface NetloomMatchers {
  /** `await expect(topology).toDeliver({ from: 'h1', to: 'h2', proto: 'udp', dstPort: 53 })` */
  toDeliver(probe: PathProbe): Promise<void>;
  /** `await expect(topology).toDrop({ from: 'h1', to: 'h2' }, { at: 's1', reason: 'FLOW_DROP' })` */
  toDrop(probe: PathProbe, expected?: DropExpectation): Promise<void>;
  /** `await expect(topology).toTraverse({ from: 'h1', to: 'h2' }, ['h1', 's1', 'r1', 's2', 'h2'])` */
  toTraverse(probe: PathProbe, nodes: readonly string[]): Promise<void>;
  /** `await expect(topology).toBeIsolated('blue', 'red')` */
  toBeIsolated(...tenants: string[]): Promise<void>;
  /** `expect(await runTopology(topology)).toPassExpectations()` */
  toPassExpectations(): void;
}

declare module 'vitest' {
  interface Matchers<T = any> extends NetloomMatchers {}
}

type Result = { pass: boolean; message: string };

/** vitest's form of a result: the message as a function. A sync matcher stays sync (no await needed). */
const adapt = ({ pass, message }: Result) => ({ pass, message: () => message });

expect.extend(
  Object.fromEntries(
    Object.entries(netloomMatchers as Record<string, (received: unknown, ...expected: unknown[]) => Result | Promise<Result>>).map(([name, matcher]) => [
      name,
      (received: unknown, ...expected: unknown[]) => {
        const result = matcher(received, ...expected);
        return result instanceof Promise ? result.then(adapt) : adapt(result);
      },
    ]),
  ),
);
