/**
 * The assertions as vitest/jest matchers. Nothing here imports a test runner: the runner's
 * `expect` is passed in and its `extend` called.
 */
import { requirePhase, requirePhases } from './assertions';
import {
  checkAllows,
  checkDenies,
  checkMonotonic,
  checkNamedWrites,
  checkNoDangerousAccess,
  checkReadOnly,
  type DangerOptions,
  type Outcome, checkBounded, checkRequiresApproval } from './checks';
import type { AccessRequest } from './request';

/**
 * The matchers' types, for declaration merging into the runner's `Matchers` (see docs/testing.md):
 *
 * ```ts
 * // vitest
 * declare module 'vitest' { interface Matchers<T = any> extends AccessMatchers<T> {} }
 * // jest (@types/jest)
 * declare global { namespace jest { interface Matchers<R> extends AccessMatchers<R> {} } }
 * ```
 */
export interface AccessMatchers<R = unknown> {
  /** `expect(phases[3]).toAllow({ k8s: 'patch apps/deployments checkout in shop' })` */
  toAllow(request: AccessRequest): R;
  /** `expect(phases[2]).toDeny({ vault: 'update secret/data/shop/x' })`; prefer it to `.not.toAllow`. */
  toDeny(request: AccessRequest): R;
  /** `expect(phases[1]).toBeReadOnly()` */
  toBeReadOnly(): R;
  /** `expect(phases[3]).toWriteOnlyNamedResources()` */
  toWriteOnlyNamedResources(): R;
  /** `expect(phases[4]).toHaveNoDangerousAccess()` */
  toHaveNoDangerousAccess(options?: DangerOptions): R;
  /** `expect(phases[3]).toRequireApproval()` */
  toRequireApproval(): R;
  /** `expect(phases[4]).toBeBounded()` */
  toBeBounded(): R;
  /** `expect(phases).toBeMonotonic()` */
  toBeMonotonic(): R;
}

/** What a matcher sees as `this`: vitest's and jest's matcher state both have `isNot`. */
interface MatcherThis {
  readonly isNot: boolean;
}

type MatcherResult = { pass: boolean; message: () => string };

/** A matcher function as vitest's and jest's `expect.extend` take it. */
export type AccessMatcher = (this: MatcherThis, received: unknown, ...args: any[]) => MatcherResult;

/** The matchers by name, as passed to `expect.extend`. */
export type AccessMatcherSet = { readonly [K in keyof AccessMatchers]: AccessMatcher };

/** The part of a runner's `expect` this needs. */
export interface ExpectWithExtend {
  extend(matchers: AccessMatcherSet): void;
}

/**
 * An outcome as a matcher result. An unsettled outcome (the output lacks a bound role or
 * policy) fails both `expect(x).toY()` and `expect(x).not.toY()`.
 */
function result(context: MatcherThis, outcome: Outcome): MatcherResult {
  return { pass: outcome.pass ?? context.isNot, message: () => outcome.message };
}

/** The matchers, for `expect.extend`. */
const accessMatchers: AccessMatcherSet = {
  toAllow(received, request: AccessRequest) {
    return result(this, checkAllows(requirePhase(received, 'toAllow'), request));
  },
  toDeny(received, request: AccessRequest) {
    return result(this, checkDenies(requirePhase(received, 'toDeny'), request));
  },
  toBeReadOnly(received) {
    return result(this, checkReadOnly(requirePhase(received, 'toBeReadOnly')));
  },
  toWriteOnlyNamedResources(received) {
    return result(this, checkNamedWrites(requirePhase(received, 'toWriteOnlyNamedResources')));
  },
  toHaveNoDangerousAccess(received, options?: DangerOptions) {
    return result(this, checkNoDangerousAccess(requirePhase(received, 'toHaveNoDangerousAccess'), options));
  },
  toRequireApproval(received) {
    return result(this, checkRequiresApproval(requirePhase(received, 'toRequireApproval')));
  },
  toBeBounded(received) {
    return result(this, checkBounded(requirePhase(received, 'toBeBounded')));
  },
  toBeMonotonic(received) {
    return result(this, checkMonotonic(requirePhases(received, 'toBeMonotonic')));
  },
};

/**
 * Registers the matchers with a test runner: `registerMatchers(expect)` with vitest's or jest's
 * `expect`, typically in a setup file. Add the type declaration from docs/testing.md so
 * TypeScript knows them.
 *
 * @example
 * import { expect } from 'vitest';
 * registerMatchers(expect);
 * expect(phases[1]).toBeReadOnly();
 * expect(phases[3]).toAllow({ k8s: 'patch apps/deployments checkout in shop' });
 * expect(phases).toBeMonotonic();
 */
export function registerMatchers(expect: ExpectWithExtend): void {
  expect.extend(accessMatchers);
}
