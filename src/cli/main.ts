/** riffcord's command line: one program, one module per group of commands. */
import { Command, CommanderError } from 'commander';
import { CliError } from './errors.ts';
import { register as registerSpectrogram } from './commands/spectrogram.ts';

const program = new Command('riffcord')
  .description('riffcord: text-to-music with Riffusion-style spectrogram diffusion, on the CLI and in Discord')
  .version('0.1.0')
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride();

registerSpectrogram(program);

const optionalCommands = ['./commands/riff.ts', './commands/morph.ts', './commands/models.ts', './commands/queue-riff.ts'];
for (const path of optionalCommands) {
  const mod = await import(path).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes(path.slice(2))) return undefined;
    throw err;
  });
  if (mod && typeof mod.register === 'function') mod.register(program);
}

function reportAndExit(err: unknown): never {
  if (err instanceof CommanderError) {
    // commander has already printed its message (or the help text).
    process.exit(err.exitCode);
  }
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`riffcord: error: ${message}\n`);
  if (process.env.RIFFCORD_DEBUG && err instanceof Error) process.stderr.write(`${err.stack}\n`);
  process.exit(err instanceof CliError ? err.exitCode : 1);
}

try {
  await program.parseAsync(process.argv);
} catch (err) {
  reportAndExit(err);
}
