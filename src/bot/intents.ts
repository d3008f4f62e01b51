/**
 * The gateway intents the bot asks for. Slash commands, buttons and modals arrive without any
 * intent; Guilds keeps the guild and channel cache discord.js uses to resolve them. Nothing
 * privileged (no message content, members or presences).
 */
import { GatewayIntentBits } from 'discord.js';

export const BOT_INTENTS: GatewayIntentBits[] = [GatewayIntentBits.Guilds];
