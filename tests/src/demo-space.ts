import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { saveConceptSpace } from '@audio-concepts/decomposer-concepts';
import { openConceptSpace } from '@audio-concepts/pipeline-embedded';
export const DEMO_MODEL = resolve(__dirname, '..', '..', 'models', 'clap-demo');

let stored: Promise<string> | undefined;

/**
 * The directory of the demo model's stored concept space (what `audio-concepts space build` writes), built once
 * per test process into a temporary directory: the decomposer's CONCEPT_SPACE.
 */
export function demoConceptSpaceDir(): Promise<string> {
  stored ??= (async () => {
    const work = mkdtempSync(join(tmpdir(), 'e2e-space-'));
    const opened = await openConceptSpace({ modelPath: DEMO_MODEL, device: 'cpu', cacheDir: join(work, 'cache') });
    try {
      const dir = join(work, 'space');
      await saveConceptSpace(opened.space, dir);
      return dir;
    } finally {
      await opened.close();
    }
  })();
  return stored;
}
