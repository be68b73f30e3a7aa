import { describe, expect, it, vi } from 'vitest';
import { processGlobal } from './process-global';

describe('processGlobal', () => {
  it('makes one object per name for the whole process, however often it is asked', () => {
    const create = vi.fn(() => new Map<string, number>());
    const first = processGlobal('test-one', create);
    first.set('a', 1);
    expect(processGlobal('test-one', create)).toBe(first);
    expect(create).toHaveBeenCalledTimes(1);
    // What another copy of a module would see: the same object under the registered symbol.
    expect((globalThis as Record<symbol, unknown>)[Symbol.for('switchboard.test-one')]).toBe(first);
    expect(processGlobal('test-two', () => new Map())).not.toBe(first);
  });
});
