import { Command, Option } from 'commander';
import { createOrtMatMul } from '@audio-concepts/decomposer-onnx-matmul';
import {
  baselineVocabulary,
  candidateTags,
  clusteredVocabulary,
  DEFAULT_CANDIDATES,
  formatVocabularyFile,
  loadSynonyms,
  loadWordLists,
  prunedVocabulary,
  readTagCounts,
  VOCABULARY_METHODS,
  type BuiltVocabulary,
  type TagCounts,
  type VocabularyMethod,
} from '@audio-concepts/decomposer-vocabulary-builder';
import { defaultCacheDir } from '@audio-concepts/shared-contracts';
import { writeFileAtomic } from '@audio-concepts/shared-files';
import { UsageError } from '../cli-error';
import { ALLOW_NETWORK_HELP, dtypeOption } from '../model-options';
import { parseInteger, parsePositiveInt } from '../options';
import { Progress } from '../progress';
import { candidateEmbeddings, type CandidateEmbeddingOptions } from '../vocab/candidate-embeddings';

interface BuildOptions extends CandidateEmbeddingOptions {
  method: VocabularyMethod;
  tags: string[];
  size: number;
  candidates: number;
  synonyms?: string;
  seed: number;
  out: string;
  progress: boolean;
  json?: boolean;
}

export function vocabCommand(): Command {
  const vocab = new Command('vocab').description("Vocabularies of concepts built from tag counts (the paper's three)");
  vocab.addCommand(
    new Command('build')
      .description(
        'Build a vocabulary file for tag/embed/space build --vocab from the tag counts of FSD50K clip metadata ' +
          '(dev_clips_info_FSD50K.json, eval_clips_info_FSD50K.json) or tag<TAB>count lists: baseline = the N most ' +
          'frequent tags; pruned = the candidates without misspellings, single characters and numerals, tags ' +
          "sharing a lemma or listed as synonyms merged; clustered = k-means++ over the candidates' text " +
          'embeddings, the tag nearest each centroid. Expletives are left out by every method.',
      )
      .addOption(new Option('--method <M>', 'how terms are chosen').choices(VOCABULARY_METHODS).makeOptionMandatory())
      .requiredOption('--tags <FILE...>', 'FSD50K clip metadata (JSON) or tag<TAB>count files; counts are summed')
      .requiredOption('--size <N>', 'terms to keep', parsePositiveInt)
      .requiredOption('--out <FILE>', 'the vocabulary file (term<TAB>count lines after # header lines)')
      .option(
        '--candidates <M>',
        'pruned and clustered start from the M most frequent tags',
        parsePositiveInt,
        DEFAULT_CANDIDATES,
      )
      .option('--synonyms <FILE>', 'pruned: the synonym table (default: the one kept in the repo)')
      .option('--seed <S>', 'clustered: seed of the k-means++ draws', parseInteger, 0)
      .option(
        '--model <DIR|hub-id>',
        'clustered: CLAP model whose text tower embeds the candidates (its copy in <cache-dir>/models, fetched with ' +
          '--allow-network); default: the demo model',
      )
      .option(
        '--embeddings <T.npy>',
        'clustered, instead of --model: precomputed text embeddings (rows × d) named by T.names.txt next to it, ' +
          'one name per line (as embed --vocab writes them); every candidate tag must have a row',
      )
      .option('--allow-network', ALLOW_NETWORK_HELP)
      .addOption(new Option('--device <D>', 'execution provider').choices(['auto', 'cpu', 'cuda']).default('auto'))
      .addOption(dtypeOption())
      .option(
        '--cache-dir <DIR>',
        'cache of text embeddings (shared with tag) and downloaded models',
        defaultCacheDir(),
      )
      .option('--no-progress', 'no progress lines on stderr')
      .option(
        '--json',
        'also print one line on stdout: {"method", "out", "size", "kept", "tags_read", "candidates", "sources": ' +
          '[{"path", "sha256"}, …]}',
      )
      .exitOverride()
      .action(async (options: BuildOptions) => runBuild(options)),
  );
  return vocab;
}

async function runBuild(options: BuildOptions): Promise<void> {
  const say = (message: string) => process.stderr.write(`${message}\n`);
  if (options.method !== 'clustered') {
    const misplaced = (['model', 'embeddings'] as const).filter((k) => options[k] !== undefined);
    if (misplaced.length > 0)
      throw new UsageError(`--${misplaced[0]} is for --method clustered (the others use tag counts only)`);
  }
  if (options.method !== 'pruned' && options.synonyms !== undefined)
    throw new UsageError('--synonyms is for --method pruned');
  if (options.model !== undefined && options.embeddings !== undefined)
    throw new UsageError('give --model or --embeddings, not both');

  const counts = await readTagCounts(options.tags);
  say(`read ${counts.tags.length + counts.unwritable.length} distinct tags from ${options.tags.join(', ')}`);
  const vocabulary = await build(counts, options, say);
  const text = formatVocabularyFile(vocabulary, counts, options.size);
  await writeFileAtomic(options.out, new TextEncoder().encode(text));
  const short = vocabulary.terms.length < options.size ? ` (fewer than the ${options.size} asked)` : '';
  say(
    `vocab build: wrote ${vocabulary.terms.length} terms${short} (${vocabulary.method}, from ` +
      `${counts.tags.length} tags) to ${options.out}`,
  );
  if (options.json)
    process.stdout.write(
      `${JSON.stringify({
        method: vocabulary.method,
        out: options.out,
        size: options.size,
        kept: vocabulary.terms.length,
        tags_read: counts.tags.length + counts.unwritable.length,
        candidates: vocabulary.candidates,
        sources: counts.sources.map((s) => ({ path: s.path, sha256: s.sha256 })),
      })}\n`,
    );
}

async function build(counts: TagCounts, options: BuildOptions, say: (m: string) => void): Promise<BuiltVocabulary> {
  const lists = await loadWordLists();
  if (options.method === 'baseline') return baselineVocabulary(counts, options.size, lists);
  if (options.method === 'pruned')
    return prunedVocabulary(counts, lists, {
      size: options.size,
      candidates: options.candidates,
      synonyms: await loadSynonyms(options.synonyms),
    });

  const candidates = candidateTags(counts, options.candidates, lists);
  if (options.size > candidates.tags.length)
    throw new UsageError(
      `--size ${options.size} is more than the ${candidates.tags.length} candidate tags; ask for fewer clusters`,
    );
  const embeddings = await candidateEmbeddings(candidates.tags, options, say);
  const matMul = await createOrtMatMul();
  const seeding = new Progress('k-means++ seeding', options.size, options.progress, ' centres');
  try {
    return await clusteredVocabulary(candidates, embeddings, {
      size: options.size,
      seed: options.seed,
      askedCandidates: options.candidates,
      matMul,
      onInitProgress: (chosen) => seeding.update(chosen),
      onIteration: ({ iteration, inertia, moved }) => {
        if (options.progress)
          say(`k-means iteration ${iteration}: inertia ${inertia.toPrecision(6)}, ${moved} tags changed cluster`);
      },
    });
  } finally {
    seeding.done();
    await matMul.close();
  }
}
