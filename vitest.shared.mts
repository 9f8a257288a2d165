import { relative, join } from 'node:path';
import { defineConfig } from 'vitest/config';

const root = import.meta.dirname;
/** Each project's results also go to .test-results/<project>.json, which `npm test` totals in one line. */
const resultsFile = join(root, '.test-results', `${relative(root, process.cwd()).replaceAll('/', '_') || 'root'}.json`);

/** Shared by every project's vitest.config.mts: sources of workspace packages are resolved through the
 * "@audio-concepts/source" export condition, so tests never depend on a stale dist/. */
export const sharedTestConfig = defineConfig({
  resolve: { conditions: ['@audio-concepts/source'] },
  ssr: { resolve: { conditions: ['@audio-concepts/source'] } },
  // NestJS decorators, as tsc compiles them (tsconfig.base.json: experimentalDecorators, emitDecoratorMetadata)
  oxc: { decorator: { legacy: true, emitDecoratorMetadata: true } },
  test: {
    include: ['src/**/*.spec.ts', '*.spec.ts'],
    testTimeout: 60_000,
    reporters: ['default', ['json', { outputFile: resultsFile }]],
  },
});
