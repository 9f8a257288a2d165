import { existsSync } from 'node:fs';
import { DEMO_MODEL_DIR } from '@audio-concepts/shared-contracts';
import { UsageError } from './cli-error';

/** `--model`, or the demo model that `npm run build` generates; a usage error when that is not built yet. */
export function modelOrDemo(model: string | undefined): string {
  if (model) return model;
  if (!existsSync(DEMO_MODEL_DIR))
    throw new UsageError(
      `the demo model is not built yet (${DEMO_MODEL_DIR}); run \`npm run build\` in the repo root, or pass --model`,
    );
  return DEMO_MODEL_DIR;
}
