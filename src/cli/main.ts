import { Command } from 'commander';
import { registerDbCommands } from './commands/db.ts';
import { registerServeCommands } from './commands/serve.ts';
import { registerDemoCommand } from './commands/demo.ts';
import { registerImportCommands } from './commands/import.ts';
import { registerGamesCommands } from './commands/games.ts';
import { registerDataCommands } from './commands/data.ts';
import { registerFetchCommands } from './commands/fetch.ts';
import { registerModelsCommands } from './commands/models.ts';
import { registerTrainCommands } from './commands/train.ts';
import { registerFeatureCommands } from './commands/features.ts';
import { registerPredictCommands } from './commands/predict.ts';
import { registerExplainCommand } from './commands/explain.ts';

/** Builds the `sharpline` command tree; every command lives in its own file. */
export function buildProgram(): Command {
  const program = new Command('sharpline')
    .description('Sharpline: train, version, serve and explain sports-betting models, measured against the market')
    .version('0.1.0')
    // Program options only before the subcommand, so `predictions export --version 3` reaches the subcommand.
    .enablePositionalOptions()
    .showHelpAfterError();
  registerDemoCommand(program);
  registerDbCommands(program);
  registerServeCommands(program);
  registerImportCommands(program);
  registerFetchCommands(program);
  registerGamesCommands(program);
  registerDataCommands(program);
  registerModelsCommands(program);
  registerTrainCommands(program);
  registerFeatureCommands(program);
  registerPredictCommands(program);
  registerExplainCommand(program);
  return program;
}

await buildProgram().parseAsync(process.argv);
