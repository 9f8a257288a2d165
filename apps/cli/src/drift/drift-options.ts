import { InvalidArgumentError } from 'commander';

/** --alpha: a probability strictly between 0 and 1. */
export function parseAlpha(value: string): number {
  const x = Number(value);
  if (value.trim() === '' || !Number.isFinite(x) || x <= 0 || x >= 1)
    throw new InvalidArgumentError(`expected a number between 0 and 1 (exclusive), got '${value}'`);
  return x;
}

/** --seed: an integer ≥ 0. */
export function parseSeed(value: string): number {
  const x = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(x))
    throw new InvalidArgumentError(`expected an integer ≥ 0, got '${value}'`);
  return x;
}
