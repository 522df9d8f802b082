import { Command } from 'commander';
import { registerDbCommands } from './commands/db.ts';
import { registerServeCommands } from './commands/serve.ts';
import { registerDemoCommand } from './commands/demo.ts';

/** Builds the `sharpline` command tree; every command lives in its own file. */
export function buildProgram(): Command {
  const program = new Command('sharpline')
    .description('Sharpline: train, version, serve and explain sports-betting models, measured against the market')
    .version('0.1.0')
    .showHelpAfterError();
  registerDemoCommand(program);
  registerDbCommands(program);
  registerServeCommands(program);
  return program;
}

await buildProgram().parseAsync(process.argv);
