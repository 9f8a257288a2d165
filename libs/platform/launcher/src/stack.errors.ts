import { AudioConceptsError } from '@audio-concepts/shared-errors';

/** The stack did not come up, or is not (all) ready. `log` is the end of the log of the service at fault. */
export class StackError extends AudioConceptsError {
  constructor(
    message: string,
    readonly log?: { file: string; tail: string },
  ) {
    super(message);
  }
}

/** Something the user must fix before the stack can start: a service not built, a port in use. */
export class StackCannotStartError extends AudioConceptsError {}

/** Progress lines (`stack up` prints them on stderr). */
export type Say = (message: string) => void;
