/**
 * The gateway intents the bot asks for, none privileged (no message content, members or
 * presences). Slash commands, buttons and modals arrive without any intent; Guilds keeps the
 * guild and channel cache discord.js resolves them with. /radio adds voice states (who is in its
 * voice channel, and the voice connection itself) and message reactions (its votes).
 */
import { GatewayIntentBits } from 'discord.js';

export const BOT_INTENTS: GatewayIntentBits[] = [GatewayIntentBits.Guilds, GatewayIntentBits.GuildVoiceStates, GatewayIntentBits.GuildMessageReactions];
