import { describe, expect, it } from 'vitest';
import { appRouter } from './root';
import { listProcedurePolicies } from './policy';
import { PROCEDURE_WORDS } from './procedure-words';

describe('the roles table in words', () => {
  const paths = listProcedurePolicies(appRouter).map((p) => p.path);

  it('has words for every procedure, and none for a procedure that is gone', () => {
    expect(paths.filter((p) => !PROCEDURE_WORDS[p])).toEqual([]);
    expect(Object.keys(PROCEDURE_WORDS).filter((p) => !paths.includes(p))).toEqual([]);
  });

  it('says an action, not a name', () => {
    for (const words of Object.values(PROCEDURE_WORDS)) expect(words).not.toMatch(/[.][a-z]|[a-z][A-Z]/);
  });
});
