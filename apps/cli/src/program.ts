import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, Help, type Option } from 'commander';
import { decomposeCommand } from './commands/decompose.command';
import { driftCommand } from './commands/drift.command';
import { embedCommand } from './commands/embed.command';
import { evalCommand } from './commands/eval.command';
import { spaceCommand } from './commands/space.command';
import { stackCommand } from './commands/stack.command';
import { tagCommand } from './commands/tag.command';
import { tailCommand } from './commands/tail.command';
import { trainHeadCommand } from './commands/train-head.command';
import { vocabCommand } from './commands/vocab.command';

/** The repo's version: the root package.json (apps/cli/dist → the repo root), where `npm version` writes it. */
const VERSION: string = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'package.json'), 'utf8')).version;

/** The `audio-concepts` command tree (DESIGN §4); scripts outside the repo rely on its flags and JSON keys. */
export function buildProgram(): Command {
  const program = new Command('audio-concepts')
    .description('Audio to sparse, human-readable concept tags (CLAP embeddings decomposed by non-negative Lasso)')
    .version(VERSION, '-V, --version', 'print the version and exit')
    .option('--debug', 'print stack traces on errors')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  for (const command of [
    tagCommand(),
    embedCommand(),
    decomposeCommand(),
    evalCommand(),
    spaceCommand(),
    stackCommand(),
    tailCommand(),
    driftCommand(),
    trainHeadCommand(),
    vocabCommand(),
  ])
    program.addCommand(command.exitOverride());
  markRequiredOptions(program);
  return program;
}

/** `--help` of every command ends a `requiredOption`'s description with "(required)" (commander does not). */
function markRequiredOptions(command: Command): void {
  const help = new Help();
  command.configureHelp({
    optionDescription: (option: Option) => {
      const description = help.optionDescription(option);
      return option.mandatory ? `${description} (required)` : description;
    },
  });
  command.commands.forEach(markRequiredOptions);
}
