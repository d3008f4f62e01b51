/** riffcord's command line: one program, one module per group of commands. */
import { Command, CommanderError } from 'commander';
import { CliError } from './errors.ts';
import { register as registerModels } from './commands/models.ts';
import { register as registerMorph } from './commands/morph.ts';
import { register as registerRiff } from './commands/riff.ts';
import { register as registerSpectrogram } from './commands/spectrogram.ts';

const program = new Command('riffcord')
  .description('riffcord: text-to-music with Riffusion-style spectrogram diffusion, on the CLI and in Discord')
  .version('0.1.0')
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride();

registerRiff(program);
registerMorph(program);
registerModels(program);
registerSpectrogram(program);

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
