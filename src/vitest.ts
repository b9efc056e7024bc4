/**
 * netloom's matchers in vitest: importing `netloom/vitest` (in a test file, or in vitest's
 * setupFiles) adds toDeliver, toDrop, toTraverse, toBeIsolated and toPassExpectations to
 * `expect`, typed. A thin adapter: the matchers themselves are netloomMatchers (from `netloom`),
 * which other runners call directly. vitest is an optional peer dependency, needed only here.
 */
import { expect } from 'vitest';
import { netloomMatchers } from './topology/assert.js';

type Expected<F> = F extends (received: never, ...expected: infer E) => unknown ? E : never;

/** The matchers as `expect(…)` has them: netloomMatchers' arguments after the subject; the path matchers are awaited. */
export type NetloomMatchers = {
  [K in keyof typeof netloomMatchers]: (...expected: Expected<(typeof netloomMatchers)[K]>) => ReturnType<(typeof netloomMatchers)[K]> extends Promise<unknown> ? Promise<void> : void;
};

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
