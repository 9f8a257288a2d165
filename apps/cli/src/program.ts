import { Command } from 'commander';
import { decomposeCommand } from './commands/decompose.command';
import { evalCommand } from './commands/eval.command';
import { spaceCommand } from './commands/space.command';
import { stackCommand } from './commands/stack.command';
import { tagCommand } from './commands/tag.command';
import { tailCommand } from './commands/tail.command';

/** The `audio-concepts` command tree (DESIGN §4); scripts outside the repo rely on its flags and JSON keys. */
export function buildProgram(): Command {
  const program = new Command('audio-concepts')
    .description('Audio to sparse, human-readable concept tags (CLAP embeddings decomposed by non-negative Lasso)')
    .option('--debug', 'print stack traces on errors')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  for (const command of [
    tagCommand(),
    decomposeCommand(),
    evalCommand(),
    spaceCommand(),
    stackCommand(),
    tailCommand(),
  ])
    program.addCommand(command.exitOverride());
  return program;
}
