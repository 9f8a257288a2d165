import { isAbsolute, relative, resolve } from 'node:path';
import { InvalidInputError } from '@audio-concepts/shared-errors';
import { HEAD_INITS, HEAD_OBJECTIVES, type HeadTrainingOptions } from '@audio-concepts/trainer-head';

/** A training job, as `POST /v1/heads` gives it (JSON, snake_case), with its files resolved in the data folder. */
export interface HeadJobRequest {
  /** the concept space the head is for: decomposers over another space ignore it */
  conceptSpaceId: string;
  /** A.npy (n × d raw audio embeddings), y.npy (class per row), P.npy (one prompt embedding per class) */
  audio: string;
  labels: string;
  prompts: string;
  trainMask?: string;
  /** reference embeddings for the head's m_a (default: the training rows) */
  audioMeanFrom?: string;
  classNames?: string[];
  modelId?: string;
  training: Omit<HeadTrainingOptions, 'onEpoch' | 'matmul'>;
}

const FILE_FIELDS = ['audio', 'labels', 'prompts', 'train_mask', 'audio_mean_from'] as const;
const OPTION_FIELDS = {
  objective: 'objective',
  init: 'init',
  epochs: 'epochs',
  lr: 'learningRate',
  batch_size: 'batchSize',
  val_fraction: 'valFraction',
  patience: 'patience',
  seed: 'seed',
} as const;
const KNOWN = new Set<string>(['concept_space_id', 'class_names', 'model_id', 'options', ...FILE_FIELDS]);

/**
 * Reads a job request: `{"concept_space_id", "audio", "labels", "prompts", "train_mask"?, "audio_mean_from"?,
 * "class_names"?, "model_id"?, "options"?: {"objective", "init", "epochs", "lr", "batch_size", "val_fraction",
 * "patience", "seed"}}`. File paths are relative to `dataDir` (or absolute inside it); a path that leaves it is
 * refused, so a caller can only make the trainer read the data folder. Every problem is listed in one error.
 */
export function parseHeadJobRequest(body: unknown, dataDir: string): HeadJobRequest {
  const problems: string[] = [];
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new InvalidInputError('the request body must be a JSON object');
  const fields = body as Record<string, unknown>;
  for (const key of Object.keys(fields)) if (!KNOWN.has(key)) problems.push(`unknown field "${key}"`);

  const text = (key: string, required: boolean): string | undefined => {
    const value = fields[key];
    if (value === undefined && !required) return undefined;
    if (typeof value !== 'string' || value === '') {
      problems.push(`"${key}" must be a non-empty string`);
      return undefined;
    }
    return value;
  };
  const file = (key: string, required: boolean): string | undefined => {
    const value = text(key, required);
    if (value === undefined) return undefined;
    const path = resolve(dataDir, value);
    const inside = relative(resolve(dataDir), path);
    if (inside === '' || inside.startsWith('..') || isAbsolute(inside)) {
      problems.push(`"${key}" (${value}) is not inside the trainer's data folder`);
      return undefined;
    }
    if (!path.endsWith('.npy')) problems.push(`"${key}" (${value}) must be a .npy file`);
    return path;
  };

  const conceptSpaceId = text('concept_space_id', true);
  if (conceptSpaceId !== undefined && !/^[0-9a-f]{16}$/.test(conceptSpaceId))
    problems.push(`"concept_space_id" must be a concept space id (16 hex digits), got "${conceptSpaceId}"`);
  const request = {
    conceptSpaceId: conceptSpaceId ?? '',
    audio: file('audio', true) ?? '',
    labels: file('labels', true) ?? '',
    prompts: file('prompts', true) ?? '',
    trainMask: file('train_mask', false),
    audioMeanFrom: file('audio_mean_from', false),
    modelId: text('model_id', false),
    classNames: classNames(fields['class_names'], problems),
    training: trainingOptions(fields['options'], problems),
  };
  if (problems.length > 0) throw new InvalidInputError(`bad training request: ${problems.join('; ')}`);
  return request;
}

function classNames(value: unknown, problems: string[]): string[] | undefined {
  if (value === undefined) return undefined;
  if (
    !Array.isArray(value) ||
    value.some((name) => typeof name !== 'string' || name.trim() === '' || name.includes('\n'))
  ) {
    problems.push('"class_names" must be a list of non-empty one-line strings');
    return undefined;
  }
  return value as string[];
}

function trainingOptions(value: unknown, problems: string[]): HeadJobRequest['training'] {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    problems.push('"options" must be an object');
    return {};
  }
  const options: Record<string, unknown> = {};
  for (const [key, option] of Object.entries(value)) {
    if (!(key in OPTION_FIELDS)) {
      problems.push(`unknown option "${key}" (known: ${Object.keys(OPTION_FIELDS).join(', ')})`);
      continue;
    }
    if (key === 'objective' && !HEAD_OBJECTIVES.includes(option as never))
      problems.push(`option "objective" must be one of ${HEAD_OBJECTIVES.join(', ')}`);
    else if (key === 'init' && !HEAD_INITS.includes(option as never))
      problems.push(`option "init" must be one of ${HEAD_INITS.join(', ')}`);
    else if (key !== 'objective' && key !== 'init' && (typeof option !== 'number' || !Number.isFinite(option)))
      problems.push(`option "${key}" must be a number`);
    options[OPTION_FIELDS[key as keyof typeof OPTION_FIELDS]] = option;
  }
  return options as HeadJobRequest['training'];
}
