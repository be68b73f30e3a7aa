import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('.', import.meta.url));

// Two tiers (DESIGN.md rule 9): `*.test.ts` is pure and fast; `*.int.test.ts` talks to the
// lab hypervisors and real databases, so it runs serially with generous timeouts.
// The integration tier is three projects, which scripts/test-int.sh runs:
// - int: the namespace hosts and databases, one file at a time;
// - int-kv: the real-kernel host kv1, beside int. Under software emulation these files take as
//   long as all of int, and they touch no namespace host (their peers live inside kv1);
// - int-lab: the lab's own tests, after both, as they take the whole lab down.
const NOT_INT = ['node_modules/**', 'e2e/**', '.next/**'];
const REAL_KERNEL_FILES = ['server/changes/real-kernel.int.test.ts', 'server/changes/ovs.int.test.ts', 'server/changes/qos-real-kernel.int.test.ts'];
const LAB_FILES = ['lab/**/*.int.test.ts'];
const INT = {
  fileParallelism: false,
  setupFiles: ['server/testing/int-setup.ts'],
  testTimeout: 180_000,
  hookTimeout: 300_000,
};
export default defineConfig({
  resolve: { alias: { '@': root } },
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['**/*.test.ts'],
          exclude: ['**/*.int.test.ts', ...NOT_INT],
        },
      },
      {
        extends: true,
        test: { name: 'int', include: ['**/*.int.test.ts'], exclude: [...NOT_INT, ...REAL_KERNEL_FILES, ...LAB_FILES], ...INT },
      },
      {
        extends: true,
        test: { name: 'int-kv', include: REAL_KERNEL_FILES, exclude: NOT_INT, ...INT },
      },
      {
        extends: true,
        test: { name: 'int-lab', include: LAB_FILES, exclude: NOT_INT, ...INT },
      },
    ],
  },
});
