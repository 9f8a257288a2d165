import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, Help, type Option } from 'commander';
/** The repo's version: the root package.json (apps/cli/dist → the repo root), where `npm version` writes it. */
const VERSION: string = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'package.json'), 'utf8')).version;

/**
 * The commands, each loaded only when asked for: a command's module pulls in its libraries (onnxruntime, kafkajs,
 * gRPC, transformers.js…), and loading all of them cost ~0.5 s before any command ran.
 */
const COMMANDS: Record<string, () => Promise<Command>> = {
  tag: async () => (await import('./commands/tag.command.js')).tagCommand(),
  embed: async () => (await import('./commands/embed.command.js')).embedCommand(),
  decompose: async () => (await import('./commands/decompose.command.js')).decomposeCommand(),
  eval: async () => (await import('./commands/eval.command.js')).evalCommand(),
  space: async () => (await import('./commands/space.command.js')).spaceCommand(),
  stack: async () => (await import('./commands/stack.command.js')).stackCommand(),
  tail: async () => (await import('./commands/tail.command.js')).tailCommand(),
  drift: async () => (await import('./commands/drift.command.js')).driftCommand(),
  'train-head': async () => (await import('./commands/train-head.command.js')).trainHeadCommand(),
  vocab: async () => (await import('./commands/vocab.command.js')).vocabCommand(),
};

/**
 * The `audio-concepts` command tree (DESIGN §4); scripts outside the repo rely on its flags and JSON keys. Given the
 * command line, only the command it names is built; without one (`--help`, `help decompose`, a typo) all are.
 */
export async function buildProgram(argv: readonly string[] = []): Promise<Command> {
  const program = new Command('audio-concepts')
    .description('Audio to sparse, human-readable concept tags (CLAP embeddings decomposed by non-negative Lasso)')
    .version(VERSION, '-V, --version', 'print the version and exit')
    .option('--debug', 'print stack traces on errors')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  const named = argv.slice(2).find((arg) => !arg.startsWith('-'));
  const wanted = named !== undefined && named in COMMANDS ? [named] : Object.keys(COMMANDS);
  for (const command of await Promise.all(wanted.map((name) => COMMANDS[name]())))
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
