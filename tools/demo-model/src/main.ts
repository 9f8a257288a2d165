import { join } from 'node:path';
import { generateDemoModel, repoRoot } from './generate';

/** `npm run build` in tools/demo-model: writes models/clap-demo and examples/audio at the repository root. */
async function main(): Promise<void> {
  const root = repoRoot();
  await generateDemoModel({
    modelDir: join(root, 'models', 'clap-demo'),
    examplesDir: join(root, 'examples', 'audio'),
    log: (message) => console.log(`demo-model: ${message}`),
  });
}

main().catch((error: unknown) => {
  console.error(`demo-model: error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exit(1);
});
