import { status } from '@grpc/grpc-js';
import {
  InvalidInputError,
  NonFiniteValueError,
  ShapeMismatchError,
  errorMessage,
} from '@audio-concepts/shared-errors';
import { UnknownConceptSpaceError, UnknownHeadError } from './decomposer.errors';

type ErrorClass = abstract new (...args: never[]) => Error;

/** Our errors → gRPC status codes (STYLE §5: external codes through one table). First match wins. */
export const GRPC_STATUS_OF_ERROR: readonly (readonly [ErrorClass, status])[] = [
  [InvalidInputError, status.INVALID_ARGUMENT],
  [ShapeMismatchError, status.INVALID_ARGUMENT],
  [NonFiniteValueError, status.INVALID_ARGUMENT],
  [UnknownConceptSpaceError, status.NOT_FOUND],
  [UnknownHeadError, status.NOT_FOUND],
];

/** The status and details a failed call answers with; anything not in the table is INTERNAL. */
export function grpcStatusOf(error: unknown): { code: status; details: string } {
  const entry = GRPC_STATUS_OF_ERROR.find(([type]) => error instanceof type);
  const message = errorMessage(error);
  if (entry) return { code: entry[1], details: message };
  return { code: status.INTERNAL, details: `internal error: ${message}` };
}

/** `INVALID_ARGUMENT` for 3, `UNKNOWN_STATUS_99` for a code grpc-js does not know. */
export function grpcStatusName(code: number): string {
  return status[code] ?? `UNKNOWN_STATUS_${code}`;
}
