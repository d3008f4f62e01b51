/** Every slash command the bot has, in the order /help and registration list them. */
import { helpCommand } from '../commands/help.ts';
import { info } from '../commands/info.ts';
import { morph } from '../commands/morph.ts';
import { radio } from '../commands/radio.ts';
import { riff } from '../commands/riff.ts';
import { settings } from '../commands/settings.ts';
import type { SlashCommand } from '../commands/types.ts';

export const commands: readonly SlashCommand[] = [riff, morph, info, helpCommand(() => commands), settings, radio];

export function commandByName(name: string): SlashCommand | undefined {
  return commands.find((c) => c.data.name === name);
}
