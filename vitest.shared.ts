import { defineConfig } from 'vitest/config';

/** Shared by every project's vitest.config.ts: sources of workspace packages are resolved through the
 * "@audio-concepts/source" export condition, so tests never depend on a stale dist/. */
export const sharedTestConfig = defineConfig({
  resolve: { conditions: ['@audio-concepts/source'] },
  ssr: { resolve: { conditions: ['@audio-concepts/source'] } },
  test: { include: ['src/**/*.spec.ts', '*.spec.ts'], testTimeout: 60_000, reporters: ['default'] },
});
