import { randomBytes } from 'node:crypto';
import {
  ApplicationCommandOptionType,
  ApplicationCommandType,
  ComponentType,
  InteractionContextType,
  InteractionType,
  Locale,
} from 'discord-api-types/v10';
import type {
  APIApplicationCommand,
  APIApplicationCommandOption,
  APIAttachment,
  APIGuildMember,
  APIInteraction,
  APIInteractionDataResolved,
  APIMessage,
  APIUser,
  GatewayVoiceState,
} from 'discord-api-types/v10';
import { emojiKey, setReaction } from './routes.ts';
import type { InteractionRecord, MessageSnapshot, StandinState, StoredMessage, TimelineEntry } from './state.ts';

export interface FileInput {
  filename: string;
  bytes: Buffer | Uint8Array;
  contentType?: string;
}

export type OptionValue = string | number | boolean | APIUser | { id: string };
export type Ref = string | { id: string };
export type MessageRef = string | StoredMessage | { id: string; channel_id: string };

const idOf = (ref: Ref) => (typeof ref === 'string' ? ref : ref.id);

export interface InteractionContext {
  state: StandinState;
  ackDeadlineMs: number;
  attachmentSizeLimit: number;
  waitFor: <T>(probe: () => T | undefined | false | null, timeoutMs: number, what: string) => Promise<T>;
}

/** An interaction a test user started, and what the bot did with it. */
export class InteractionHandle {
  constructor(
    private readonly ctx: InteractionContext,
    readonly record: InteractionRecord,
    /** How many gateway sessions received the INTERACTION_CREATE. */
    readonly delivered: number,
  ) {}

  get id(): string {
    return this.record.id;
  }

  get payload(): APIInteraction {
    return this.record.payload;
  }

  waitForAck(timeoutMs = 5000): Promise<NonNullable<InteractionRecord['acknowledgement']>> {
    return this.ctx.waitFor(() => this.record.acknowledgement, timeoutMs, `acknowledgement of interaction ${this.id}`);
  }

  /** The original response message (for component updates: the message the component is on). */
  original(): StoredMessage | undefined {
    return this.record.originalMessageId ? this.ctx.state.messages.get(this.record.originalMessageId) : undefined;
  }

  /** Every version of the original response the user has seen, oldest first. */
  originalHistory(): MessageSnapshot[] {
    return this.timeline()
      .filter((entry) => entry.role === 'original' && entry.snapshot && entry.kind !== 'delete')
      .map((entry) => entry.snapshot!);
  }

  waitForOriginal(predicate: (snapshot: MessageSnapshot) => boolean, timeoutMs = 5000): Promise<MessageSnapshot> {
    return this.ctx.waitFor(
      () => this.originalHistory().find(predicate),
      timeoutMs,
      `a version of interaction ${this.id}'s original response matching the predicate`,
    );
  }

  followUps(): StoredMessage[] {
    return this.record.followUpIds.map((id) => this.ctx.state.messages.get(id)!);
  }

  waitForFollowUp(predicate: (snapshot: MessageSnapshot) => boolean = () => true, timeoutMs = 5000): Promise<StoredMessage> {
    return this.ctx.waitFor(
      () => this.followUps().find((stored) => stored.history.some(predicate)),
      timeoutMs,
      `a follow-up of interaction ${this.id} matching the predicate`,
    );
  }

  waitForModal(timeoutMs = 5000): Promise<Record<string, unknown>> {
    return this.ctx.waitFor(() => this.record.modal, timeoutMs, `a modal in answer to interaction ${this.id}`);
  }

  waitForChoices(timeoutMs = 5000): Promise<unknown[]> {
    return this.ctx.waitFor(() => this.record.autocompleteChoices, timeoutMs, `autocomplete choices for interaction ${this.id}`);
  }

  /** Everything this interaction produced, in order. */
  timeline(): TimelineEntry[] {
    return this.ctx.state.timeline.filter((entry) => entry.interactionId === this.id);
  }
}

/** A Discord user driven by a test: runs commands, clicks, submits modals, reacts and writes messages. */
export class TestUser {
  constructor(
    private readonly ctx: InteractionContext,
    readonly user: APIUser,
  ) {}

  get id(): string {
    return this.user.id;
  }

  private get state(): StandinState {
    return this.ctx.state;
  }

  private member(guildId: string): APIGuildMember {
    const member = this.state.guild(guildId).members.get(this.id);
    if (!member) throw new Error(`User ${this.user.username} is not a member of guild ${guildId}: call standin.addMember first.`);
    return member;
  }

  private findCommand(guildId: string, name: string, type: ApplicationCommandType): APIApplicationCommand {
    const commands = [...this.state.commands.values()].filter((command) => command.name === name && command.type === type);
    const command = commands.find((c) => c.guild_id === guildId) ?? commands.find((c) => !c.guild_id);
    if (!command)
      throw new Error(`No command "${name}" is registered for guild ${guildId} or globally: the bot must register it (PUT /applications/{id}/commands) first.`);
    return command;
  }

  private resolveMessage(ref: MessageRef): StoredMessage {
    const id = typeof ref === 'string' ? ref : 'message' in ref ? ref.message.id : ref.id;
    const stored = this.state.messages.get(id);
    if (!stored || stored.deleted) throw new Error(`Message ${id} does not exist (or was deleted).`);
    if (stored.visibleTo && stored.visibleTo !== this.id) throw new Error(`Message ${id} is ephemeral and not visible to ${this.user.username}.`);
    return stored;
  }

  private baseInteraction(type: InteractionType, guildId: string | null, channelId: string): Record<string, unknown> {
    const { channel } = this.state.channel(channelId);
    const base: Record<string, unknown> = {
      id: this.state.ids.next(),
      application_id: this.state.applicationId,
      type,
      token: `aW50ZXJhY3Rpb24.${randomBytes(48).toString('base64url')}`,
      version: 1,
      channel: { ...channel },
      channel_id: channelId,
      app_permissions: guildId ? this.state.memberPermissions(guildId, this.state.botUser.id, channelId).toString() : '0',
      locale: Locale.EnglishUS,
      entitlements: [],
      authorizing_integration_owners: guildId ? { '0': guildId } : { '1': this.id },
      context: guildId ? InteractionContextType.Guild : InteractionContextType.BotDM,
      attachment_size_limit: this.ctx.attachmentSizeLimit,
    };
    if (guildId) {
      const record = this.state.guild(guildId);
      base.guild = { id: guildId, locale: record.guild.preferred_locale, features: record.guild.features };
      base.guild_id = guildId;
      base.guild_locale = record.guild.preferred_locale;
      base.member = { ...this.member(guildId), permissions: this.state.memberPermissions(guildId, this.id, channelId).toString() };
    } else {
      base.user = this.user;
    }
    return base;
  }

  private start(payload: Record<string, unknown>, guildId: string | null, channelId: string, sourceMessageId?: string, triggeringInteractionId?: string): InteractionHandle {
    const now = Date.now();
    const record: InteractionRecord = {
      id: payload.id as string,
      token: payload.token as string,
      type: payload.type as InteractionType,
      payload: payload as unknown as APIInteraction,
      userId: this.id,
      channelId,
      guildId,
      dispatchedAt: now,
      deadline: now + this.ctx.ackDeadlineMs,
      lateCallbacks: [],
      duplicateCallbacks: [],
      followUpIds: [],
      ...(sourceMessageId ? { sourceMessageId } : {}),
      ...(triggeringInteractionId ? { triggeringInteractionId } : {}),
    };
    this.state.interactions.set(record.id, record);
    this.state.changed('interaction');
    const delivered = this.state.dispatchCount(guildId, 'INTERACTION_CREATE', payload);
    return new InteractionHandle(this.ctx, record, delivered);
  }

  private buildOptions(
    guildId: string,
    channelId: string,
    definitions: readonly APIApplicationCommandOption[],
    values: Record<string, OptionValue>,
    files: Record<string, FileInput>,
    resolved: APIInteractionDataResolved,
    focused?: string,
  ): Record<string, unknown>[] {
    const given = new Set([...Object.keys(values), ...Object.keys(files)]);
    const options: Record<string, unknown>[] = [];
    for (const definition of definitions) {
      const { name, type } = definition;
      given.delete(name);
      const value = values[name];
      const file = files[name];
      if (value === undefined && file === undefined) {
        if ('required' in definition && definition.required && name !== focused)
          throw new Error(`Option "${name}" is required by the command definition; pass it in options.`);
        continue;
      }
      const option: Record<string, unknown> = { name, type };
      if (name === focused) {
        option.value = String(value ?? '');
        option.focused = true;
        options.push(option);
        continue;
      }
      const fail = (expected: string) => {
        throw new Error(`Option "${name}" must be ${expected} (command definition type ${ApplicationCommandOptionType[type]}).`);
      };
      switch (type) {
        case ApplicationCommandOptionType.String:
          if (typeof value !== 'string') fail('a string');
          option.value = value;
          break;
        case ApplicationCommandOptionType.Integer:
          if (typeof value !== 'number' || !Number.isInteger(value)) fail('an integer');
          option.value = value;
          break;
        case ApplicationCommandOptionType.Number:
          if (typeof value !== 'number') fail('a number');
          option.value = value;
          break;
        case ApplicationCommandOptionType.Boolean:
          if (typeof value !== 'boolean') fail('a boolean');
          option.value = value;
          break;
        case ApplicationCommandOptionType.User:
        case ApplicationCommandOptionType.Mentionable: {
          const id = typeof value === 'object' ? value.id : String(value);
          const user = this.state.users.get(id);
          if (!user) fail('a known user (or its id)');
          option.value = id;
          (resolved.users ??= {})[id] = user!;
          const member = this.state.guild(guildId).members.get(id);
          if (member) {
            const { user: _user, ...partial } = member;
            (resolved.members ??= {})[id] = { ...partial, permissions: this.state.memberPermissions(guildId, id, channelId).toString() } as never;
          }
          break;
        }
        case ApplicationCommandOptionType.Channel: {
          const id = typeof value === 'object' ? value.id : String(value);
          const { channel } = this.state.channel(id);
          option.value = id;
          (resolved.channels ??= {})[id] = { id, type: channel.type, name: 'name' in channel ? channel.name : null, permissions: '0' } as never;
          break;
        }
        case ApplicationCommandOptionType.Role: {
          const id = typeof value === 'object' ? value.id : String(value);
          const role = this.state.guild(guildId).guild.roles.find((r) => r.id === id);
          if (!role) fail('a role of the guild');
          option.value = id;
          (resolved.roles ??= {})[id] = role!;
          break;
        }
        case ApplicationCommandOptionType.Attachment: {
          if (!file) fail('a file passed in extras.attachments');
          const attachment: APIAttachment = this.state.storeFile(channelId, {
            filename: file.filename,
            contentType: file.contentType ?? 'application/octet-stream',
            bytes: Buffer.from(file.bytes),
            ephemeral: true,
          });
          option.value = attachment.id;
          (resolved.attachments ??= {})[attachment.id] = attachment;
          break;
        }
        default:
          throw new Error(`Option "${name}" has type ${type}, which is a subcommand position: name it in the command path instead.`);
      }
      options.push(option);
    }
    if (given.size) throw new Error(`Unknown option(s) ${[...given].join(', ')}: the command definition does not declare them.`);
    return options;
  }

  private commandData(
    guild: Ref,
    channel: Ref,
    path: string,
    values: Record<string, OptionValue>,
    files: Record<string, FileInput>,
    focused?: string,
  ): { data: Record<string, unknown>; guildId: string; channelId: string } {
    const guildId = idOf(guild);
    const channelId = idOf(channel);
    const [name, ...subPath] = path.trim().split(/\s+/);
    const command = this.findCommand(guildId, name, ApplicationCommandType.ChatInput);
    const resolved: APIInteractionDataResolved = {};
    // Walk "group sub" down the definition; the leaf options hold the values.
    let definitions: readonly APIApplicationCommandOption[] = command.options ?? [];
    const wrappers: Record<string, unknown>[] = [];
    for (const segment of subPath) {
      const next = definitions.find(
        (o) => o.name === segment && (o.type === ApplicationCommandOptionType.Subcommand || o.type === ApplicationCommandOptionType.SubcommandGroup),
      );
      if (!next) throw new Error(`Command "${name}" has no subcommand or group "${segment}".`);
      wrappers.push({ name: segment, type: next.type });
      definitions = 'options' in next ? (next.options ?? []) : [];
    }
    let options = this.buildOptions(guildId, channelId, definitions, values, files, resolved, focused);
    for (const wrapper of wrappers.reverse()) options = [{ ...wrapper, options }];
    const data: Record<string, unknown> = { id: command.id, name, type: ApplicationCommandType.ChatInput, options };
    if (command.guild_id) data.guild_id = command.guild_id;
    if (Object.keys(resolved).length) data.resolved = resolved;
    return { data, guildId, channelId };
  }

  /** Runs a slash command ("name", "name sub" or "name group sub") as this user. */
  runSlashCommand(
    guild: Ref,
    channel: Ref,
    name: string,
    options: Record<string, OptionValue> = {},
    extras: { attachments?: Record<string, FileInput> } = {},
  ): InteractionHandle {
    const { data, guildId, channelId } = this.commandData(guild, channel, name, options, extras.attachments ?? {});
    const payload = this.baseInteraction(InteractionType.ApplicationCommand, guildId, channelId);
    payload.data = data;
    return this.start(payload, guildId, channelId);
  }

  /** Types into an autocomplete option: `focused` names the option being typed, its value is the partial text. */
  autocomplete(guild: Ref, channel: Ref, name: string, options: Record<string, OptionValue>, focused: string): InteractionHandle {
    const { data, guildId, channelId } = this.commandData(guild, channel, name, options, {}, focused);
    const payload = this.baseInteraction(InteractionType.ApplicationCommandAutocomplete, guildId, channelId);
    payload.data = data;
    return this.start(payload, guildId, channelId);
  }

  private component(message: MessageRef, customId: string, kinds: ComponentType[]): { stored: StoredMessage; component: Record<string, unknown> } {
    const stored = this.resolveMessage(message);
    const walk = (nodes: unknown[]): Record<string, unknown> | undefined => {
      for (const node of nodes as Record<string, unknown>[]) {
        if (node.custom_id === customId) return node;
        const children = [...(Array.isArray(node.components) ? node.components : []), ...(node.accessory ? [node.accessory] : [])];
        const found = walk(children);
        if (found) return found;
      }
      return undefined;
    };
    const component = walk(stored.message.components ?? []);
    if (!component) throw new Error(`Message ${stored.message.id} has no component with custom_id "${customId}".`);
    if (!kinds.includes(component.type as ComponentType))
      throw new Error(`Component "${customId}" is of type ${ComponentType[component.type as number]}, not ${kinds.map((k) => ComponentType[k]).join('/')}.`);
    if (component.disabled) throw new Error(`Component "${customId}" is disabled; a user cannot use it.`);
    return { stored, component };
  }

  private componentInteraction(stored: StoredMessage, data: Record<string, unknown>): InteractionHandle {
    const channelId = stored.message.channel_id;
    const payload = this.baseInteraction(InteractionType.MessageComponent, stored.guildId, channelId);
    payload.message = this.state.messageView(stored, this.id);
    payload.data = data;
    return this.start(payload, stored.guildId, channelId, stored.message.id);
  }

  clickButton(message: MessageRef, customId: string): InteractionHandle {
    const { stored } = this.component(message, customId, [ComponentType.Button]);
    return this.componentInteraction(stored, { custom_id: customId, component_type: ComponentType.Button });
  }

  selectMenu(message: MessageRef, customId: string, values: string[]): InteractionHandle {
    const { stored } = this.component(message, customId, [ComponentType.StringSelect]);
    return this.componentInteraction(stored, { custom_id: customId, component_type: ComponentType.StringSelect, values });
  }

  /** Submits the modal the bot showed in answer to `interaction`, filling text inputs by custom_id. */
  submitModal(interaction: InteractionHandle, fields: Record<string, string>, customId?: string): InteractionHandle {
    const modal = interaction.record.modal;
    if (!modal) throw new Error(`Interaction ${interaction.id} was not answered with a modal; wait with waitForModal() first.`);
    if (customId !== undefined && modal.custom_id !== customId)
      throw new Error(`The modal's custom_id is "${String(modal.custom_id)}", not "${customId}".`);
    const remaining = new Set(Object.keys(fields));
    const input = (node: Record<string, unknown>) => {
      const id = node.custom_id as string;
      if (node.required !== false && fields[id] === undefined) throw new Error(`Modal field "${id}" is required; pass it in fields.`);
      remaining.delete(id);
      return { type: ComponentType.TextInput, id: node.id, custom_id: id, value: fields[id] ?? '' };
    };
    const components = (modal.components as Record<string, unknown>[]).map((top) => {
      if (top.type === ComponentType.Label) {
        const inner = top.component as Record<string, unknown>;
        return { type: ComponentType.Label, id: top.id, component: input(inner) };
      }
      if (top.type === ComponentType.ActionRow)
        return { type: ComponentType.ActionRow, id: top.id, components: (top.components as Record<string, unknown>[]).map(input) };
      return { type: top.type, id: top.id };
    });
    if (remaining.size) throw new Error(`The modal has no text input(s) ${[...remaining].join(', ')}.`);
    const source = interaction.record;
    const payload = this.baseInteraction(InteractionType.ModalSubmit, source.guildId, source.channelId);
    payload.data = { custom_id: modal.custom_id, components };
    const sourceMessage = source.sourceMessageId ? this.state.messages.get(source.sourceMessageId) : undefined;
    if (sourceMessage) payload.message = this.state.messageView(sourceMessage, this.id);
    return this.start(payload, source.guildId, source.channelId, source.sourceMessageId, source.id);
  }

  react(message: MessageRef, emoji: string): void {
    const stored = this.resolveMessage(message);
    if (stored.guildId) this.member(stored.guildId);
    setReaction(this.state, stored, this.id, { id: null, name: emoji }, true);
  }

  unreact(message: MessageRef, emoji: string): void {
    const stored = this.resolveMessage(message);
    if (!stored.reactions.get(emojiKey({ id: null, name: emoji }))?.users.has(this.id))
      throw new Error(`${this.user.username} has not reacted with ${emoji} on message ${stored.message.id}.`);
    setReaction(this.state, stored, this.id, { id: null, name: emoji }, false);
  }

  sendMessage(channel: Ref, content: string, extras: { attachments?: FileInput[] } = {}): StoredMessage {
    const channelId = idOf(channel);
    const { guildId } = this.state.channel(channelId);
    if (guildId) this.member(guildId);
    const files = (extras.attachments ?? []).map((file, index) => ({
      index: String(index),
      filename: file.filename,
      contentType: file.contentType ?? 'application/octet-stream',
      bytes: Buffer.from(file.bytes),
    }));
    return this.state.createMessage(channelId, this.user, { content, files });
  }

  /** Joins (or with null leaves) a voice channel; only the VOICE_STATE_UPDATE dispatch is modelled so far. */
  setVoiceChannel(guild: Ref, channel: Ref | null): GatewayVoiceState {
    const guildId = idOf(guild);
    const record = this.state.guild(guildId);
    const state: GatewayVoiceState = {
      guild_id: guildId,
      channel_id: channel === null ? null : idOf(channel),
      user_id: this.id,
      member: this.member(guildId),
      session_id: randomBytes(16).toString('hex'),
      deaf: false,
      mute: false,
      self_deaf: false,
      self_mute: false,
      self_video: false,
      suppress: false,
      request_to_speak_timestamp: null,
    };
    if (channel === null) record.voiceStates.delete(this.id);
    else record.voiceStates.set(this.id, state);
    this.state.changed('voice');
    this.state.dispatch(guildId, 'VOICE_STATE_UPDATE', state);
    return state;
  }

  /** What this user sees: public messages and their own ephemeral ones, modals and choices, in order. */
  timeline(): TimelineEntry[] {
    return this.state.timeline.filter((entry) => entry.visibleTo === null || entry.visibleTo === this.id);
  }

  /** The messages of a channel as this user sees them now. */
  channelMessages(channel: Ref): APIMessage[] {
    const channelId = idOf(channel);
    return [...this.state.messages.values()]
      .filter((s) => s.message.channel_id === channelId && !s.deleted && (!s.visibleTo || s.visibleTo === this.id))
      .map((s) => this.state.messageView(s, this.id));
  }
}
