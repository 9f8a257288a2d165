import { InvalidArgumentError } from 'commander';

/** Commander argument parsers: each rejects a bad value with a message naming it. */
export function parseNonNegativeNumber(value: string): number {
  const x = Number(value);
  if (value.trim() === '' || !Number.isFinite(x) || x < 0)
    throw new InvalidArgumentError(`expected a number ≥ 0, got '${value}'`);
  return x;
}

/** λ of the decomposition: a number ≥ 0. */
export const parseLambda = parseNonNegativeNumber;

export function parsePositiveNumber(value: string): number {
  const x = Number(value);
  if (value.trim() === '' || !Number.isFinite(x) || x <= 0)
    throw new InvalidArgumentError(`expected a number > 0, got '${value}'`);
  return x;
}

export function parsePositiveInt(value: string): number {
  const x = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(x) || x < 1)
    throw new InvalidArgumentError(`expected an integer ≥ 1, got '${value}'`);
  return x;
}

/** Any integer, negative or not (a seed). */
export function parseInteger(value: string): number {
  const x = Number(value);
  if (!/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(x))
    throw new InvalidArgumentError(`expected an integer, got '${value}'`);
  return x;
}
