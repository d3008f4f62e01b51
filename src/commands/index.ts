/** Every slash command the bot has, in the order /help and registration list them. */
import { helpCommand } from './help.ts';
import { info } from './info.ts';
import { morph } from './morph.ts';
import { radio } from './radio.ts';
import { riff } from './riff.ts';
import { settings } from './settings.ts';
import type { SlashCommand } from './types.ts';

export const commands: readonly SlashCommand[] = [riff, morph, info, helpCommand(() => commands), settings, radio];

export function commandByName(name: string): SlashCommand | undefined {
  return commands.find((c) => c.data.name === name);
}
