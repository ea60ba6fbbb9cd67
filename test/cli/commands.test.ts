import { describe, expect, it } from 'vitest';
import { commandTable } from '../../src/cli/main';

describe('the CLI\'s command table', () => {
  it('loads a function for every command it lists (each path and export name is right)', async () => {
    const table = commandTable();
    expect(Object.keys(table).length).toBeGreaterThan(10);
    for (const [name, entry] of Object.entries(table)) expect(typeof (await entry.load()), name).toBe('function');
  });
});
