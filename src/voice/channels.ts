/**
 * A radio's two channels as the bot's cache sees them: who listens in the voice channel, and the
 * text channel its messages go to.
 */
import type { Client, SendableChannels } from 'discord.js';

/** The members in the voice channel, bots (this one included) left out. */
export function listenersIn(client: Client, guildId: string, voiceChannelId: string): Set<string> {
  const guild = client.guilds.cache.get(guildId);
  const ids = new Set<string>();
  if (!guild) return ids;
  for (const vs of guild.voiceStates.cache.values()) {
    if (vs.channelId !== voiceChannelId || vs.id === client.user?.id) continue;
    const bot = vs.member?.user.bot ?? client.users.cache.get(vs.id)?.bot ?? false;
    if (!bot) ids.add(vs.id);
  }
  return ids;
}

/** The text channel, or null when it is gone or the bot cannot post in it. */
export async function sendableChannel(client: Client, channelId: string): Promise<SendableChannels | null> {
  try {
    const channel = await client.channels.fetch(channelId);
    return channel?.isSendable() ? channel : null;
  } catch {
    return null;
  }
}
