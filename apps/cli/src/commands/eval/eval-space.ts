import { ConceptSpace, ProjectionHead, conceptSpaceStoreDir } from '@audio-concepts/decomposer-concepts';
import { openStoredSpace } from '@audio-concepts/decomposer-service';
import { createOrtMatMul } from '@audio-concepts/decomposer-onnx-matmul';
import { asFloat64Matrix, readNpy } from '@audio-concepts/shared-npy';
import { defaultCacheDir } from '@audio-concepts/shared-contracts';
import type { Command } from 'commander';
import { UsageError } from '../../cli-error';

/** The flags of `eval zero-shot` and `eval retrieval` that say which concept space (DESIGN §1) to decompose over. */
export interface EvalSpaceOptions {
  concepts?: string;
  audioMeanFrom?: string;
  space?: string;
  cacheDir: string;
  head?: string;
  threads?: number;
}

/**
 * Adds the flags of `EvalSpaceOptions` but --head to an eval command: --concepts, --audio-mean-from, --space (whose
 * help ends with `fromSpace`, what the command takes from a stored space) and --cache-dir.
 */
export function withSpaceOptions(command: Command, fromSpace = 'its C and m_a'): Command {
  return command
    .option('--concepts <T.npy>', 'raw concept text embeddings, c × d (normalized and centered here; `embed --vocab`)')
    .option('--audio-mean-from <M.npy>', 'reference audio embeddings for the audio mean m_a (default: none, m_a = 0)')
    .option(
      '--space <DIR|ID>',
      `a stored concept space (\`space build\`) instead of --concepts and --audio-mean-from: ${fromSpace}`,
    )
    .option('--cache-dir <DIR>', 'the store of concept spaces is <DIR>/spaces', defaultCacheDir());
}

export interface EvalSpace {
  space: ConceptSpace;
  /** H·L2(e) per row with --head, else the rows as given: what is decomposed and what the dense figures use */
  project(m: { data: Float64Array; rows: number }): Float64Array;
  close(): Promise<void>;
}

/**
 * Opens the concept space of an evaluation: a stored one (--space) or one built from --concepts and
 * --audio-mean-from (projected by --head when given, else the head's stored m_a); notes m_a = 0 on stderr.
 */
export async function openEvalSpace(options: EvalSpaceOptions): Promise<EvalSpace> {
  if (options.space && (options.concepts || options.audioMeanFrom || options.head))
    throw new UsageError(
      '--space replaces --concepts and --audio-mean-from (and its m_a was computed without a --head): give one or the other',
    );
  if (!options.space && !options.concepts)
    throw new UsageError('give the concepts: --concepts T.npy [--audio-mean-from M.npy], or --space DIR|ID');
  const head = options.head ? await ProjectionHead.load(options.head) : undefined;
  const project = (m: { data: Float64Array; rows: number }) => (head ? head.project(m.data, m.rows) : m.data);
  const { space, close } = options.space
    ? await openStoredSpace({
        space: options.space,
        storeDir: conceptSpaceStoreDir(options.cacheDir),
        threads: options.threads,
      })
    : await spaceFromArrays(options.concepts!, options.audioMeanFrom, project, options.threads, head?.audioMeanD);
  if (space.audioMeanSource === 'none')
    process.stderr.write(
      `note: ${options.space ? 'the space has' : 'no --audio-mean-from given:'} audio mean m_a = 0\n`,
    );
  return { space, project, close };
}

export async function spaceFromArrays(
  conceptsPath: string,
  audioMeanFrom: string | undefined,
  project: (m: { data: Float64Array; rows: number }) => Float64Array,
  threads: number | undefined,
  /** a head's stored m_a, used when no reference corpus is given */
  headAudioMean?: Float64Array | null,
): Promise<{ space: ConceptSpace; close(): Promise<void> }> {
  const concepts = asFloat64Matrix(await readNpy(conceptsPath), conceptsPath);
  const reference = audioMeanFrom ? asFloat64Matrix(await readNpy(audioMeanFrom), audioMeanFrom) : undefined;
  const matmul = await createOrtMatMul({ threads });
  const space = ConceptSpace.build(
    {
      textEmbeddingsCxD: concepts.data,
      d: concepts.cols,
      audioReferenceNxD: reference ? project(reference) : undefined,
      audioMeanD: reference ? undefined : (headAudioMean ?? undefined),
    },
    { matmul, threads },
  );
  return {
    space,
    close: async () => {
      await space.close();
      await matmul.close();
    },
  };
}
