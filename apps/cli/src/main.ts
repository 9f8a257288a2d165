#!/usr/bin/env node
import { CommanderError } from 'commander';
import { describeError, EXIT } from './cli-error';
import { buildProgram } from './program';

async function main(argv: string[]): Promise<number> {
  const debug = argv.includes('--debug');
  try {
    await (await buildProgram(argv)).parseAsync(argv);
    return EXIT.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      // commander has already printed its message (or the help/version text)
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    // Loaded only here: it imports the CLAP encoder library, which every command would otherwise load at start-up.
    const { describeModelError } = await import('./model-errors.js');
    const { message, exitCode } = describeModelError(error) ?? describeError(error);
    process.stderr.write(`audio-concepts: error: ${message}\n`);
    if (debug && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
    return exitCode;
  }
}

// `audio-concepts tag … | head` closes our stdout early: that is the reader's choice, not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(EXIT.ok);
  throw error;
});

void main(process.argv).then((code) => {
  process.exitCode = code;
});
