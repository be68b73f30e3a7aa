import { describe, expect, it } from 'vitest';
import { KINDS, OPERATION_KINDS, ZOperation, kindOf } from './registry';

describe('the operation kind registry', () => {
  it('registers every kind once, with the schema the API validates against', () => {
    const names = KINDS.map((k) => k.schema.shape.kind.value);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toEqual(OPERATION_KINDS);
    for (const k of KINDS) expect(ZOperation.options).toContain(k.schema);
  });

  it('finds the module of an operation, and every module has all its parts', () => {
    for (const k of KINDS) {
      const name = k.schema.shape.kind.value;
      for (const part of ['describe', 'interfaces', 'phase', 'validate', 'project', 'render', 'invert'] as const) expect(typeof k[part], `${name}.${part}`).toBe('function');
    }
    expect(kindOf(ZOperation.parse({ kind: 'createDummy', name: 'd9' }))).toBe(KINDS.find((k) => k.schema.shape.kind.value === 'createDummy'));
    expect(() => kindOf({ kind: 'nope' } as never)).toThrow(/no operation kind nope/);
  });
});
