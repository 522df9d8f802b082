import type { Command } from 'commander';
import { AppError } from '../../../core/index.ts';
import { printResult, table } from '../output.ts';
import { withContext } from '../run.ts';
import { cliActorOrOperator } from '../identity.ts';
import type { AppContext } from '../../context.ts';

/** Longest `secrets set` waits for the value on stdin or at the prompt. */
const VALUE_WAIT_MS = 60_000;
/** More than any secret may hold (MAX_SECRET_BYTES); reading stops there. */
const READ_CAP = 16 * 1024;

function waited(what: string): AppError {
  return new AppError('TIMEOUT', `no secret value ${what} within ${VALUE_WAIT_MS / 1000} s`, { details: { waitedFor: what } });
}

/** The value piped on stdin (everything up to EOF), bounded in size and time. */
function readPiped(): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const timer = setTimeout(() => finish(waited('on stdin (pipe it in, or run on a terminal to be prompted)')), VALUE_WAIT_MS);
    const finish = (error?: Error) => {
      clearTimeout(timer);
      process.stdin.off('data', onData).off('end', onEnd).off('error', finish);
      process.stdin.pause();
      if (error) reject(error);
      else resolve(Buffer.concat(chunks));
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= READ_CAP) chunks.push(chunk);
      else finish();
    };
    const onEnd = () => finish();
    process.stdin.on('data', onData).on('end', onEnd).on('error', finish);
  });
}

/** The value typed at a prompt with the terminal not echoing it. */
function readHidden(prompt: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    process.stderr.write(prompt);
    const chars: number[] = [];
    const stdin = process.stdin;
    stdin.setRawMode(true);
    const timer = setTimeout(() => done(waited('typed at the prompt')), VALUE_WAIT_MS);
    const done = (error?: Error) => {
      clearTimeout(timer);
      stdin.setRawMode(false);
      stdin.off('data', onData);
      stdin.pause();
      process.stderr.write('\n');
      if (error) reject(error);
      else resolve(Buffer.from(chars));
    };
    const onData = (chunk: Buffer) => {
      for (const byte of chunk) {
        if (byte === 0x03) return done(new AppError('VALIDATION_FAILED', 'cancelled'));
        if (byte === 0x0d || byte === 0x0a) return done();
        if (byte === 0x7f || byte === 0x08) chars.pop();
        else if (chars.length < READ_CAP) chars.push(byte);
      }
    };
    stdin.on('data', onData);
  });
}

/**
 * Who a secrets command acts as, for the audit trail: the admin whose key is given (--key or
 * SHARPLINE_API_KEY; any other role is refused), else the operator (direct database access).
 */
const secretsActor = (ctx: AppContext, opts: { key?: string; actor?: string }, what: string) => cliActorOrOperator(ctx, { ...opts, roles: ['admin'], what });

const KEY_OPTION = ['--key <key>', 'act as this admin key (default SHARPLINE_API_KEY) instead of the operator'] as const;
const ACTOR_OPTION = ['--actor <who>', 'the operator\'s name in the audit trail (default cli:<OS user>)'] as const;

export function registerSecretsCommands(program: Command): void {
  const secrets = program
    .command('secrets')
    .description('data-provider secrets, stored encrypted under SHARPLINE_MASTER_KEY; values are never printed');

  secrets
    .command('set <name>')
    .description('store or replace a secret; the value comes from stdin (`printf %s "$TOKEN" | sharpline secrets set name`) or a prompt that does not echo, never an argument (it would stay in shell history)')
    .option('--description <text>', 'what the secret is for (shown by `secrets list`)')
    .option(...KEY_OPTION)
    .option(...ACTOR_OPTION)
    .option('--json', 'print one JSON document')
    .action((name: string, opts: { description?: string; key?: string; actor?: string; json?: boolean }) =>
      withContext(async (ctx) => {
        const actor = await secretsActor(ctx, opts, 'store secrets');
        const value = process.stdin.isTTY ? await readHidden(`value of secret ${name} (not shown): `) : await readPiped();
        const result = await ctx.secrets.set(name, value, { description: opts.description, actor });
        printResult({ name, ...result }, opts.json, (r) => `${r.created ? 'stored' : 'replaced'} secret ${r.name}, its data key wrapped by master key ${r.masterKeyId}`);
      }),
    );

  secrets
    .command('list')
    .description('list stored secrets: names, descriptions, master key ids and dates, never values')
    .option('--json', 'print one JSON document')
    .action((opts: { json?: boolean }) =>
      withContext(async (ctx) => {
        const list = await ctx.secrets.list();
        printResult({ secrets: list }, opts.json, (r) => (r.secrets.length ? table(r.secrets as unknown as Array<Record<string, unknown>>, ['name', 'masterKeyId', 'updatedAt', 'lastUsedAt', 'description']) : 'no secrets stored (`sharpline secrets set <name>`)'));
      }),
    );

  secrets
    .command('remove <name>')
    .description('delete a stored secret')
    .option(...KEY_OPTION)
    .option(...ACTOR_OPTION)
    .option('--json', 'print one JSON document')
    .action((name: string, opts: { key?: string; actor?: string; json?: boolean }) =>
      withContext(async (ctx) => {
        const actor = await secretsActor(ctx, opts, 'remove secrets');
        await ctx.secrets.remove(name, { actor });
        printResult({ removed: name }, opts.json, (r) => `removed secret ${r.removed}`);
      }),
    );

  secrets
    .command('rotate-master')
    .description('re-wrap every data key under SHARPLINE_MASTER_KEY, opening them with SHARPLINE_MASTER_KEY_PREVIOUS; servers with both keys keep working throughout')
    .option(...KEY_OPTION)
    .option(...ACTOR_OPTION)
    .option('--json', 'print one JSON document')
    .action((opts: { key?: string; actor?: string; json?: boolean }) =>
      withContext(async (ctx) => {
        const actor = await secretsActor(ctx, opts, 'rotate the master key');
        const result = await ctx.secrets.rotateMaster({ actor });
        printResult(result, opts.json, (r) => `re-wrapped ${r.rewrapped} secret${r.rewrapped === 1 ? '' : 's'} under master key ${r.masterKeyId}; SHARPLINE_MASTER_KEY_PREVIOUS can now be removed`);
      }),
    );
}
