import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { Response } from 'express';
import {
  AudioConceptsError,
  errorMessage,
  FormatError,
  InvalidInputError,
  NonFiniteValueError,
  ShapeMismatchError,
} from '@audio-concepts/shared-errors';
import { UnknownHeadJobError } from '@audio-concepts/trainer-service';

/** A request without the right bearer token (401). */
export class UnauthorizedError extends AudioConceptsError {}

const STATUS: readonly (readonly [abstract new (...args: never[]) => Error, number])[] = [
  [UnauthorizedError, 401],
  [UnknownHeadJobError, 404],
  [InvalidInputError, 400],
  [ShapeMismatchError, 400],
  [NonFiniteValueError, 400],
  [FormatError, 400],
];

/** Every error the trainer answers is `{"error": "…"}`: the status from the table above, 500 for anything else. */
@Catch()
export class TrainerErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('trainer');

  catch(thrown: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    if (thrown instanceof HttpException) {
      response.status(thrown.getStatus()).json({ error: thrown.message });
      return;
    }
    const status = STATUS.find(([type]) => thrown instanceof type)?.[1] ?? 500;
    if (status === 401) response.setHeader('WWW-Authenticate', 'Bearer realm="audio-concepts-trainer"');
    if (status === 500) this.logger.error(thrown instanceof Error ? (thrown.stack ?? thrown.message) : String(thrown));
    response
      .status(status)
      .json({ error: status === 500 ? `internal error: ${errorMessage(thrown)}` : errorMessage(thrown) });
  }
}
