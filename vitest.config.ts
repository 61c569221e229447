import { defineConfig } from 'vitest/config';

// Two projects: `unit` runs everywhere in seconds; `e2e` needs real sshd, netns, multicast or
// etcd (installed by .ci/run) and runs its files one at a time, since they start servers.
const exclude = ['**/node_modules/**', '**/dist/**'];
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['packages/*/test/**/*.test.ts', 'plugins/*/test/**/*.test.ts', 'examples/*/test/**/*.test.ts'],
          exclude: [...exclude, '**/test/e2e/**'],
          testTimeout: 30_000,
          // clipanion's `main` has no extension, so Vite picks its .mjs build, whose directory
          // import Node refuses; inlining lets Vite resolve it (needed by @lockstep/testing's runCli).
          server: { deps: { inline: ['clipanion'] } },
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['packages/*/test/e2e/**/*.test.ts', 'plugins/*/test/e2e/**/*.test.ts', 'examples/*/test/e2e/**/*.test.ts'],
          exclude,
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: false,
          server: { deps: { inline: ['clipanion'] } },
        },
      },
    ],
  },
});
