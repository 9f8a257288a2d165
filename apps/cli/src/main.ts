#!/usr/bin/env node
import { CommanderError } from 'commander';
import { describeError, EXIT } from './cli-error';
import { buildProgram } from './program';

async function main(argv: string[]): Promise<number> {
  const debug = argv.includes('--debug');
  try {
    await buildProgram().parseAsync(argv);
    return EXIT.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      // commander has already printed its message (or the help/version text)
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    const { message, exitCode } = describeError(error);
    process.stderr.write(`audio-concepts: error: ${message}\n`);
    if (debug && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
    return exitCode;
  }
}

void main(process.argv).then((code) => {
  process.exitCode = code;
});
