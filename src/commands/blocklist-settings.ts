/** /settings blocklist: the words and phrases this server blocks in prompts (admins only, like all of /settings). */
import type { ChatInputCommandInteraction, SlashCommandSubcommandBuilder } from 'discord.js';
import { MAX_BLOCKED_ENTRIES, parseEntries } from '../services/blocklist.ts';
import type { BotContext } from '../services/context.ts';
import { UserFacingError } from '../discord/errors.ts';

export const BLOCKLIST_ACTIONS = ['add', 'remove', 'show', 'clear'] as const;

export function blocklistSubcommand(s: SlashCommandSubcommandBuilder): SlashCommandSubcommandBuilder {
  return s
    .setName('blocklist')
    .setDescription('Words and phrases nobody may use in prompts on this server')
    .addStringOption((o) =>
      o
        .setName('action')
        .setDescription('Add or remove entries, show the list, or clear it')
        .setRequired(true)
        .addChoices(...BLOCKLIST_ACTIONS.map((a) => ({ name: a, value: a }))),
    )
    .addStringOption((o) => o.setName('words').setDescription('For add and remove: words or phrases, separated by commas').setMaxLength(1000));
}

/** Shows the list inside spoilers, since admins may read it in a shared screen. */
function listText(list: string[]): string {
  if (list.length === 0) return 'No prompt words are blocked on this server.';
  const shown: string[] = [];
  let length = 0;
  for (const e of list) {
    const item = `||${e}||`;
    if (length + item.length + 2 > 1700) break;
    shown.push(item);
    length += item.length + 2;
  }
  const more = list.length - shown.length;
  return `**Blocked in prompts** (${list.length} of at most ${MAX_BLOCKED_ENTRIES}): ${shown.join(', ')}${more > 0 ? ` and ${more} more` : ''}`;
}

/** The admin's answer to /settings blocklist. The caller has checked Manage Server. */
export async function runBlocklistSettings(interaction: ChatInputCommandInteraction, ctx: BotContext, guildId: string): Promise<string> {
  const action = interaction.options.getString('action', true);
  const words = interaction.options.getString('words');
  switch (action) {
    case 'add':
    case 'remove': {
      if (!words) throw new UserFacingError(`Give the words to ${action} in the \`words\` option, separated by commas.`);
      const entries = parseEntries(words);
      const list = action === 'add' ? await ctx.blocklist.add(guildId, entries) : await ctx.blocklist.remove(guildId, entries);
      const note = action === 'add' ? `Blocked ${entries.length} entr${entries.length === 1 ? 'y' : 'ies'}; prompts using them are refused before anything is queued.` : 'Removed.';
      return `${note}\n${listText(list)}`;
    }
    case 'clear':
      await ctx.blocklist.clear(guildId);
      return 'The blocklist is empty now.';
    default:
      return listText(await ctx.blocklist.get(guildId));
  }
}
