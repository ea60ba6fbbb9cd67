import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UNKEYED_TAGGING_ACTIONS } from '../../src/aws/unkeyed-tagging';
import { unkeyedTaggingActions, unkeyedTaggingSource } from '../support/unkeyed-tagging';

describe('src/aws/unkeyed-tagging.ts', () => {
  it('equals a fresh run of scripts/gen-unkeyed-tagging.ts over the bundled IAM reference', () => {
    const committed = readFileSync(join(__dirname, '..', '..', 'src', 'aws', 'unkeyed-tagging.ts'), 'utf8');
    expect(committed).toBe(unkeyedTaggingSource(unkeyedTaggingActions()));
  });

  it('holds the tagging APIs that take no tag keys in the request', () => {
    expect(UNKEYED_TAGGING_ACTIONS).toContain('tag:TagResources');
    expect(UNKEYED_TAGGING_ACTIONS).not.toContain('ecs:TagResource');
  });
});
