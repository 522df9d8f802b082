import { Command } from 'commander';

type Register = (program: Command) => void;

/**
 * Every command file, in help order, with the top-level command names it registers. A run loads
 * only the file of the command it names (the whole tree for `--help`, no command or a typo), so a
 * start parses a few dozen modules, not every one.
 */
const COMMAND_FILES: Array<{ names: string[]; load: () => Promise<Register> }> = [
  { names: ['demo'], load: async () => (await import('./commands/demo.ts')).registerDemoCommand },
  { names: ['db'], load: async () => (await import('./commands/db.ts')).registerDbCommands },
  { names: ['serve', 'worker'], load: async () => (await import('./commands/serve.ts')).registerServeCommands },
  { names: ['import'], load: async () => (await import('./commands/import.ts')).registerImportCommands },
  { names: ['fetch'], load: async () => (await import('./commands/fetch.ts')).registerFetchCommands },
  { names: ['replay'], load: async () => (await import('./commands/replay.ts')).registerReplayCommand },
  { names: ['games'], load: async () => (await import('./commands/games.ts')).registerGamesCommands },
  { names: ['data'], load: async () => (await import('./commands/data.ts')).registerDataCommands },
  { names: ['query'], load: async () => (await import('./commands/query.ts')).registerQueryCommand },
  { names: ['models', 'predictions'], load: async () => (await import('./commands/models.ts')).registerModelsCommands },
  { names: ['train', 'runs'], load: async () => (await import('./commands/train.ts')).registerTrainCommands },
  { names: ['sweeps'], load: async () => (await import('./commands/sweeps.ts')).registerSweepsCommands },
  { names: ['features'], load: async () => (await import('./commands/features.ts')).registerFeatureCommands },
  { names: ['predict'], load: async () => (await import('./commands/predict.ts')).registerPredictCommands },
  { names: ['explain'], load: async () => (await import('./commands/explain.ts')).registerExplainCommand },
  { names: ['keys'], load: async () => (await import('./commands/keys.ts')).registerKeysCommands },
  { names: ['audit'], load: async () => (await import('./commands/audit.ts')).registerAuditCommands },
  { names: ['drift'], load: async () => (await import('./commands/drift.ts')).registerDriftCommands },
  { names: ['retention'], load: async () => (await import('./commands/retention.ts')).registerRetentionCommands },
  { names: ['privacy'], load: async () => (await import('./commands/privacy.ts')).registerPrivacyCommands },
  { names: ['schedules'], load: async () => (await import('./commands/schedules.ts')).registerSchedulesCommands },
  { names: ['secrets'], load: async () => (await import('./commands/secrets.ts')).registerSecretsCommands },
];

export const VERSION = '0.1.0';

/** Builds the `sharpline` command tree; every command lives in its own file. */
export async function buildProgram(argv: readonly string[] = process.argv): Promise<Command> {
  const program = new Command('sharpline')
    .description('Sharpline: train, version, serve and explain sports-betting models, measured against the market')
    .version(VERSION)
    // Program options only before the subcommand, so `predictions export --version 3` reaches the subcommand.
    .enablePositionalOptions()
    .showHelpAfterError();
  const named = argv.slice(2).find((arg) => !arg.startsWith('-'));
  const only = COMMAND_FILES.find((file) => named !== undefined && file.names.includes(named));
  for (const file of only ? [only] : COMMAND_FILES) (await file.load())(program);
  return program;
}

const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) process.stdout.write(VERSION + '\n');
else await (await buildProgram()).parseAsync(process.argv);
