/** The shape every slash command module exports: its definition and its handlers. */
import type {
  AutocompleteInteraction,
  MessageComponentInteraction,
  ModalSubmitInteraction,
  ChatInputCommandInteraction,
  RESTPostAPIChatInputApplicationCommandsJSONBody,
} from 'discord.js';
import type { BotContext } from '../services/context.ts';
import type { RadioManager } from '../voice/manager.ts';

/** What the router hands every command: the bot's context and the process's radios. */
export interface CommandContext extends BotContext {
  radios: RadioManager;
}

export interface SlashCommand {
  /** Built with SlashCommandBuilder; what `npm run register` sends to Discord. */
  data: { name: string; toJSON(): RESTPostAPIChatInputApplicationCommandsJSONBody };
  /** Runs the command. Must answer (or defer) within 3 s; errors it throws reach the user as ephemeral messages. */
  execute(interaction: ChatInputCommandInteraction, ctx: CommandContext): Promise<void>;
  autocomplete?(interaction: AutocompleteInteraction, ctx: CommandContext): Promise<void>;
  /** Buttons, selects and modals whose custom id starts with `<command name>:`. */
  component?(interaction: MessageComponentInteraction | ModalSubmitInteraction, ctx: CommandContext): Promise<void>;
}
