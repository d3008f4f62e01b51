/** Option checks and defaults shared by the generating commands (/riff, /morph) and the clip buttons. */
import { randomInt } from 'node:crypto';
import type { AutocompleteInteraction, Interaction } from 'discord.js';
import { listSeedImages } from '../pipeline/diffusion/seed-images.ts';
import type { BotContext } from '../services/context.ts';
import { charCount, cut, DISCORD_LIMITS } from '../discord/limits.ts';
import { UserFacingError } from '../discord/errors.ts';
import type { GuildSettings } from '../services/settings.ts';

export const DEFAULT_GUIDANCE = 7;
export const DEFAULT_DENOISING = 0.75;

export function randomSeed(): number {
  return randomInt(0, 2 ** 32 - 1);
}

export function checkPrompt(text: string, max: number, what = 'The prompt'): string {
  const t = text.trim();
  if (!t) throw new UserFacingError(`${what} is empty. Describe the music you want, e.g. "lofi hip hop with warm piano".`);
  if (t.length > max) throw new UserFacingError(`${what} is ${t.length} characters long; the most is ${max}. Shorten it and try again.`);
  return t;
}

export function checkSeedImage(id: string | null): string | undefined {
  if (id === null || id === '') return undefined;
  const known = listSeedImages();
  if (!known.includes(id)) {
    throw new UserFacingError(`There is no seed image called "${cut(id, 100)}". Pick one of the suggestions: ${known.join(', ')}.`);
  }
  return id;
}

/** Autocomplete for seed images: the shipped ones containing what was typed. */
export async function seedImageChoices(interaction: AutocompleteInteraction): Promise<void> {
  const typed = String(interaction.options.getFocused()).toLowerCase();
  const matches = listSeedImages()
    .filter((id) => id.toLowerCase().includes(typed))
    .filter((id) => charCount(id) <= DISCORD_LIMITS.choiceValue)
    .slice(0, DISCORD_LIMITS.autocompleteChoices);
  await interaction.respond(matches.map((id) => ({ name: id, value: id })));
}

/** Refuses to post in a channel the guild's admins did not allow (/settings channels). */
export function checkChannel(interaction: Interaction, settings: GuildSettings): void {
  if (!interaction.guildId || settings.channels.length === 0 || !interaction.channelId) return;
  if (settings.channels.includes(interaction.channelId)) return;
  const list = settings.channels.map((c) => `<#${c}>`).join(', ');
  throw new UserFacingError(`I only post music in ${list} on this server. Run the command there (admins choose the channels with /settings channels).`);
}

export async function settingsFor(interaction: Interaction, ctx: BotContext): Promise<GuildSettings> {
  return ctx.settings.get(interaction.guildId);
}
