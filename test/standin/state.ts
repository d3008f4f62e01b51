import { EventEmitter } from 'node:events';
import {
  ChannelType,
  EmbedType,
  GuildDefaultMessageNotifications,
  GuildExplicitContentFilter,
  GuildMFALevel,
  GuildNSFWLevel,
  GuildPremiumTier,
  GuildSystemChannelFlags,
  GuildVerificationLevel,
  InteractionType,
  Locale,
  MessageFlags,
  MessageType,
  OverwriteType,
  PermissionFlagsBits,
} from 'discord-api-types/v10';
import type {
  APIApplicationCommand,
  APIAttachment,
  APIChannel,
  APIEmbed,
  APIGuild,
  APIGuildMember,
  APIInteraction,
  APIMessage,
  APIMessageTopLevelComponent,
  APIOverwrite,
  APIRole,
  APIUser,
  GatewayGuildCreateDispatchData,
  GatewayVoiceState,
  GuildMemberFlags,
  RoleFlags,
  UserFlags,
  InteractionResponseType,
} from 'discord-api-types/v10';
import type { MessageBody } from './body.ts';
import { invalidFormBody, unknownChannel, unknownGuild, unknownMessage } from './errors.ts';
import { SnowflakeGenerator } from './snowflake.ts';

export const ALL_PERMISSIONS = Object.values(PermissionFlagsBits).reduce((all, bit) => all | bit, 0n);
const EVERYONE_PERMISSIONS =
  PermissionFlagsBits.ViewChannel |
  PermissionFlagsBits.SendMessages |
  PermissionFlagsBits.ReadMessageHistory |
  PermissionFlagsBits.AddReactions |
  PermissionFlagsBits.AttachFiles |
  PermissionFlagsBits.EmbedLinks |
  PermissionFlagsBits.UseApplicationCommands |
  PermissionFlagsBits.Connect |
  PermissionFlagsBits.Speak;

type GuildChannel = APIChannel & { guild_id: string; type: ChannelType.GuildText | ChannelType.GuildVoice };

export interface GuildRecord {
  guild: APIGuild;
  joinedAt: string;
  channels: Map<string, GuildChannel>;
  members: Map<string, APIGuildMember>;
  voiceStates: Map<string, GatewayVoiceState>;
}

export interface AttachmentSnapshot {
  id: string;
  filename: string;
  contentType: string;
  size: number;
  url: string;
  description?: string;
  bytes: Buffer;
}

/** What a user sees of one message at one moment. */
export interface MessageSnapshot {
  at: number;
  content: string;
  embeds: APIEmbed[];
  components: APIMessageTopLevelComponent[];
  flags: number;
  ephemeral: boolean;
  loading: boolean;
  attachments: AttachmentSnapshot[];
}

export interface StoredMessage {
  message: APIMessage;
  guildId: string | null;
  /** For an ephemeral message, the only user who sees it. */
  visibleTo: string | null;
  history: MessageSnapshot[];
  deleted: boolean;
  reactions: Map<string, { emoji: { id: string | null; name: string }; users: Set<string> }>;
}

export type MessageRole = 'original' | 'followup' | 'channel';

export interface TimelineEntry {
  at: number;
  kind: 'create' | 'edit' | 'delete' | 'modal' | 'autocomplete';
  channelId: string;
  role: MessageRole;
  visibleTo: string | null;
  messageId?: string;
  interactionId?: string;
  snapshot?: MessageSnapshot;
  modal?: Record<string, unknown>;
  choices?: unknown[];
}

export interface InteractionRecord {
  id: string;
  token: string;
  type: InteractionType;
  payload: APIInteraction;
  userId: string;
  channelId: string;
  guildId: string | null;
  dispatchedAt: number;
  deadline: number;
  acknowledgement?: { at: number; type: InteractionResponseType; latencyMs: number };
  /** Callbacks that arrived after the deadline (answered with 10062). */
  lateCallbacks: { at: number; type: number; lateByMs: number }[];
  /** Callbacks refused because the interaction was already acknowledged (40060). */
  duplicateCallbacks: { at: number; type: number }[];
  originalMessageId?: string;
  followUpIds: string[];
  modal?: Record<string, unknown>;
  autocompleteChoices?: unknown[];
  /** For component interactions: the message whose component was used. */
  sourceMessageId?: string;
  /** For modal submits: the interaction that was answered with the modal. */
  triggeringInteractionId?: string;
}

/** Discord answers embeds with their type ("rich" unless given) and each field's inline flag. */
function typedEmbeds(embeds: APIEmbed[]): APIEmbed[] {
  return embeds.map((embed) => ({
    type: EmbedType.Rich,
    ...embed,
    ...(embed.fields ? { fields: embed.fields.map((field) => ({ ...field, inline: field.inline ?? false })) } : {}),
  }));
}

/** Discord gives every component without an id one: sequential in tree order, skipping ids in use. */
function numberedComponents(components: unknown[]): APIMessageTopLevelComponent[] {
  const all: Record<string, unknown>[] = [];
  const walk = (list: unknown[]) => {
    for (const c of list) {
      if (!c || typeof c !== 'object') continue;
      const component = c as Record<string, unknown>;
      all.push(component);
      if (Array.isArray(component.components)) walk(component.components);
      if (component.accessory) walk([component.accessory]);
      if (component.component) walk([component.component]);
    }
  };
  walk(components);
  const used = new Set(all.map((c) => c.id).filter((id) => typeof id === 'number'));
  let next = 1;
  for (const c of all) {
    if (typeof c.id === 'number') continue;
    while (used.has(next)) next++;
    c.id = next++;
  }
  return components as APIMessageTopLevelComponent[];
}

interface StoredFile {
  channelId: string;
  filename: string;
  contentType: string;
  bytes: Buffer;
}

/** Sends a dispatch to the gateway; returns how many sessions received it. */
export type DispatchSink = (guildId: string | null, event: string, data: unknown) => number;

export interface StateConfig {
  botToken: string;
  baseUrl: () => string;
  dispatch: DispatchSink;
}

/** Everything the stand-in knows: users, guilds, channels, messages, files, commands and interactions. */
export class StandinState extends EventEmitter {
  readonly ids = new SnowflakeGenerator();
  readonly users = new Map<string, APIUser>();
  readonly guilds = new Map<string, GuildRecord>();
  readonly dmChannels = new Map<string, APIChannel>();
  readonly messages = new Map<string, StoredMessage>();
  readonly files = new Map<string, StoredFile>();
  readonly interactions = new Map<string, InteractionRecord>();
  readonly commands = new Map<string, APIApplicationCommand>();
  readonly timeline: TimelineEntry[] = [];
  readonly botUser: APIUser;
  readonly applicationId: string;

  constructor(private readonly config: StateConfig) {
    super();
    this.setMaxListeners(0);
    this.botUser = this.createUser({ username: 'riffcord-test-bot', bot: true });
    this.applicationId = this.botUser.id;
  }

  get botToken(): string {
    return this.config.botToken;
  }

  changed(reason: string): void {
    this.emit('change', reason);
  }

  dispatch(guildId: string | null, event: string, data: unknown): void {
    this.config.dispatch(guildId, event, data);
  }

  dispatchCount(guildId: string | null, event: string, data: unknown): number {
    return this.config.dispatch(guildId, event, data);
  }

  createUser(options: { username: string; bot?: boolean; id?: string; globalName?: string }): APIUser {
    const user: APIUser = {
      id: options.id ?? this.ids.next(),
      username: options.username,
      discriminator: '0',
      global_name: options.globalName ?? (options.bot ? null : options.username),
      avatar: null,
      bot: options.bot ?? false,
      public_flags: 0 as UserFlags,
      flags: 0 as UserFlags,
      banner: null,
      accent_color: null,
      avatar_decoration_data: null,
      collectibles: null,
      primary_guild: null,
    };
    this.users.set(user.id, user);
    this.changed('user');
    return user;
  }

  createGuild(options: { name: string; id?: string; ownerId?: string }): GuildRecord {
    const id = options.id ?? this.ids.next();
    if (this.guilds.has(id)) throw new Error(`A guild with id ${id} already exists; pass another id or none.`);
    const everyone: APIRole = {
      id,
      name: '@everyone',
      color: 0,
      colors: { primary_color: 0, secondary_color: null, tertiary_color: null },
      hoist: false,
      icon: null,
      unicode_emoji: null,
      position: 0,
      permissions: EVERYONE_PERMISSIONS.toString(),
      managed: false,
      mentionable: false,
      flags: 0 as RoleFlags,
    };
    const botRole: APIRole = {
      ...everyone,
      id: this.ids.next(),
      name: this.botUser.username,
      position: 1,
      permissions: PermissionFlagsBits.Administrator.toString(),
      managed: true,
      tags: { bot_id: this.botUser.id },
    };
    const guild: APIGuild = {
      id,
      name: options.name,
      icon: null,
      splash: null,
      discovery_splash: null,
      owner_id: options.ownerId ?? this.botUser.id,
      afk_channel_id: null,
      afk_timeout: 300,
      verification_level: GuildVerificationLevel.None,
      default_message_notifications: GuildDefaultMessageNotifications.OnlyMentions,
      explicit_content_filter: GuildExplicitContentFilter.Disabled,
      roles: [everyone, botRole],
      emojis: [],
      features: [],
      mfa_level: GuildMFALevel.None,
      application_id: null,
      system_channel_id: null,
      system_channel_flags: GuildSystemChannelFlags.SuppressJoinNotifications,
      rules_channel_id: null,
      vanity_url_code: null,
      description: null,
      banner: null,
      premium_tier: GuildPremiumTier.None,
      premium_subscription_count: 0,
      preferred_locale: Locale.EnglishUS,
      public_updates_channel_id: null,
      nsfw_level: GuildNSFWLevel.Default,
      stickers: [],
      premium_progress_bar_enabled: false,
      hub_type: null,
      safety_alerts_channel_id: null,
      incidents_data: null,
      max_members: 500_000,
      max_video_channel_users: 25,
      max_stage_video_channel_users: 50,
    };
    const record: GuildRecord = {
      guild,
      joinedAt: new Date().toISOString(),
      channels: new Map(),
      members: new Map(),
      voiceStates: new Map(),
    };
    this.guilds.set(id, record);
    this.addMemberRecord(record, this.botUser, [botRole.id]);
    this.changed('guild');
    this.dispatch(id, 'GUILD_CREATE', this.guildCreatePayload(id));
    return record;
  }

  guild(guildId: string): GuildRecord {
    const record = this.guilds.get(guildId);
    if (!record) throw unknownGuild();
    return record;
  }

  createChannel(guildId: string, options: { name: string; type?: 'text' | 'voice' }): GuildChannel {
    const record = this.guild(guildId);
    const base = {
      id: this.ids.next(),
      guild_id: guildId,
      name: options.name,
      position: record.channels.size,
      permission_overwrites: [],
      parent_id: null,
      nsfw: false,
      flags: 0,
    };
    const channel: GuildChannel =
      options.type === 'voice'
        ? {
            ...base,
            type: ChannelType.GuildVoice,
            bitrate: 64_000,
            user_limit: 0,
            rtc_region: null,
            last_message_id: null,
            rate_limit_per_user: 0,
          }
        : {
            ...base,
            type: ChannelType.GuildText,
            topic: null,
            last_message_id: null,
            rate_limit_per_user: 0,
            default_auto_archive_duration: 1440,
          };
    record.channels.set(channel.id, channel);
    this.changed('channel');
    this.dispatch(guildId, 'CHANNEL_CREATE', channel);
    return channel;
  }

  /** Finds a guild channel (or a DM channel) by id. */
  channel(channelId: string): { channel: APIChannel; guildId: string | null } {
    for (const record of this.guilds.values()) {
      const channel = record.channels.get(channelId);
      if (channel) return { channel, guildId: record.guild.id };
    }
    const dm = this.dmChannels.get(channelId);
    if (dm) return { channel: dm, guildId: null };
    throw unknownChannel();
  }

  private addMemberRecord(record: GuildRecord, user: APIUser, roles: string[] = []): APIGuildMember {
    const member: APIGuildMember = {
      user,
      nick: null,
      avatar: null,
      banner: null,
      roles,
      joined_at: new Date().toISOString(),
      premium_since: null,
      deaf: false,
      mute: false,
      flags: 0 as GuildMemberFlags,
      pending: false,
      communication_disabled_until: null,
    };
    record.members.set(user.id, member);
    return member;
  }

  addMember(guildId: string, user: APIUser): APIGuildMember {
    const record = this.guild(guildId);
    const existing = record.members.get(user.id);
    if (existing) return existing;
    const member = this.addMemberRecord(record, user);
    this.changed('member');
    this.dispatch(guildId, 'GUILD_MEMBER_ADD', { ...member, guild_id: guildId });
    return member;
  }

  /**
   * A member's permissions, computed as Discord's permissions documentation describes: the
   * @everyone role and the member's roles (Administrator, or owning the guild, grants all); then,
   * given a channel, its overwrites in order: @everyone's, the member's roles' (their denies, then
   * their allows), the member's own. This is what an interaction's `member.permissions` carries
   * ("total permissions of the member in the channel, including overwrites").
   */
  memberPermissions(guildId: string, userId: string, channelId?: string): bigint {
    const record = this.guild(guildId);
    const member = record.members.get(userId);
    if (record.guild.owner_id === userId) return ALL_PERMISSIONS;
    let permissions = 0n;
    for (const role of record.guild.roles) {
      if (role.id === guildId || member?.roles.includes(role.id)) permissions |= BigInt(role.permissions);
    }
    if (permissions & PermissionFlagsBits.Administrator) return ALL_PERMISSIONS;
    const overwrites = channelId ? (record.channels.get(channelId)?.permission_overwrites ?? []) : [];
    const apply = (o: { allow: string; deny: string } | undefined) => {
      if (o) permissions = (permissions & ~BigInt(o.deny)) | BigInt(o.allow);
    };
    apply(overwrites.find((o) => o.id === guildId));
    let allow = 0n;
    let deny = 0n;
    for (const o of overwrites) {
      if (o.type === OverwriteType.Role && o.id !== guildId && member?.roles.includes(o.id)) {
        allow |= BigInt(o.allow);
        deny |= BigInt(o.deny);
      }
    }
    apply({ allow: allow.toString(), deny: deny.toString() });
    apply(overwrites.find((o) => o.type === OverwriteType.Member && o.id === userId));
    return permissions;
  }

  /** Sets a channel's permission overwrites (as PUT /channels/{id}/permissions would) and tells the gateway. */
  setPermissionOverwrites(channelId: string, overwrites: APIOverwrite[]): void {
    const { guildId } = this.channel(channelId);
    if (!guildId) throw new Error('Only guild channels have permission overwrites.');
    const channel = this.guild(guildId).channels.get(channelId)!;
    channel.permission_overwrites = overwrites.map((o) => ({ ...o }));
    this.changed('channel');
    this.dispatch(guildId, 'CHANNEL_UPDATE', channel);
  }

  guildCreatePayload(guildId: string): GatewayGuildCreateDispatchData {
    const record = this.guild(guildId);
    return {
      ...record.guild,
      joined_at: record.joinedAt,
      large: false,
      unavailable: false,
      member_count: record.members.size,
      voice_states: [...record.voiceStates.values()].map(({ guild_id: _guildId, member: _member, ...state }) => state),
      members: [...record.members.values()],
      channels: [...record.channels.values()].map(({ guild_id: _guildId, ...channel }) => channel) as never,
      threads: [],
      presences: [],
      stage_instances: [],
      guild_scheduled_events: [],
      soundboard_sounds: [],
    };
  }

  storeFile(channelId: string, file: { filename: string; contentType: string; bytes: Buffer; description?: string; ephemeral?: boolean }): APIAttachment {
    const id = this.ids.next();
    this.files.set(id, { channelId, filename: file.filename, contentType: file.contentType, bytes: file.bytes });
    const url = `${this.config.baseUrl()}/attachments/${channelId}/${id}/${encodeURIComponent(file.filename)}`;
    const attachment: APIAttachment = {
      id,
      filename: file.filename,
      size: file.bytes.length,
      url,
      proxy_url: url,
      content_type: file.contentType,
    };
    if (file.description !== undefined && file.description !== null) attachment.description = file.description;
    if (file.ephemeral) attachment.ephemeral = true;
    return attachment;
  }

  fileAt(channelId: string, attachmentId: string): StoredFile | undefined {
    const file = this.files.get(attachmentId);
    return file && file.channelId === channelId ? file : undefined;
  }

  /** Resolves a body's `attachments` list and uploads into the message's new attachment list. */
  private resolveAttachments(channelId: string, body: MessageBody, current: APIAttachment[], ephemeral: boolean): APIAttachment[] {
    const uploads = new Map(body.files.map((file) => [file.index, file]));
    const result: APIAttachment[] = [];
    const used = new Set<string>();
    if (body.attachments) {
      body.attachments.forEach((entry, position) => {
        const key = String(entry.id);
        const upload = uploads.get(key);
        if (upload) {
          used.add(key);
          result.push(
            this.storeFile(channelId, {
              filename: entry.filename ?? upload.filename,
              contentType: upload.contentType,
              bytes: upload.bytes,
              description: entry.description,
              ephemeral,
            }),
          );
          return;
        }
        const kept = current.find((attachment) => attachment.id === key);
        if (!kept)
          throw invalidFormBody(`attachments.${position}.id`, 'ATTACHMENT_NOT_FOUND', `No attachment or files[${key}] upload with id ${key}.`);
        result.push(kept);
      });
    } else {
      result.push(...current);
    }
    for (const upload of body.files) {
      if (used.has(upload.index)) continue;
      result.push(this.storeFile(channelId, { filename: upload.filename, contentType: upload.contentType, bytes: upload.bytes, ephemeral }));
    }
    return result;
  }

  snapshot(stored: StoredMessage): MessageSnapshot {
    const { message } = stored;
    const flags = message.flags ?? 0;
    return {
      at: Date.now(),
      content: message.content,
      embeds: structuredClone(message.embeds),
      components: structuredClone(message.components ?? []),
      flags,
      ephemeral: (flags & MessageFlags.Ephemeral) !== 0,
      loading: (flags & MessageFlags.Loading) !== 0,
      attachments: message.attachments.map((attachment) => ({
        id: attachment.id,
        filename: attachment.filename,
        contentType: attachment.content_type ?? 'application/octet-stream',
        size: attachment.size,
        url: attachment.url,
        ...(attachment.description !== undefined ? { description: attachment.description } : {}),
        // Stored files are never mutated, so the snapshot can share the buffer.
        bytes: this.files.get(attachment.id)?.bytes ?? Buffer.alloc(0),
      })),
    };
  }

  private record(stored: StoredMessage, kind: TimelineEntry['kind'], role: MessageRole, interactionId?: string): void {
    const snapshot = this.snapshot(stored);
    if (kind !== 'delete') stored.history.push(snapshot);
    this.timeline.push({
      at: snapshot.at,
      kind,
      channelId: stored.message.channel_id,
      role,
      visibleTo: stored.visibleTo,
      messageId: stored.message.id,
      ...(interactionId ? { interactionId } : {}),
      snapshot,
    });
  }

  message(channelId: string, messageId: string): StoredMessage {
    const stored = this.messages.get(messageId);
    if (!stored || stored.deleted || stored.message.channel_id !== channelId) throw unknownMessage();
    return stored;
  }

  createMessage(
    channelId: string,
    author: APIUser,
    body: MessageBody,
    options: {
      type?: MessageType;
      visibleTo?: string | null;
      extraFlags?: number;
      webhookId?: string;
      interaction?: InteractionRecord;
      role?: MessageRole;
    } = {},
  ): StoredMessage {
    const { channel, guildId } = this.channel(channelId);
    const flags = (body.flags ?? 0) | (options.extraFlags ?? 0);
    const ephemeral = (flags & MessageFlags.Ephemeral) !== 0;
    const id = this.ids.next();
    const member = guildId ? this.guilds.get(guildId)?.members.get(author.id) : undefined;
    const message: APIMessage = {
      id,
      channel_id: channelId,
      author,
      content: body.content ?? '',
      timestamp: new Date().toISOString(),
      edited_timestamp: null,
      tts: body.tts ?? false,
      mention_everyone: false,
      mentions: [],
      mention_roles: [],
      attachments: [],
      embeds: typedEmbeds(body.embeds ?? []),
      pinned: false,
      type: options.type ?? MessageType.Default,
      flags,
      components: numberedComponents(body.components ?? []),
    };
    message.attachments = this.resolveAttachments(channelId, body, [], ephemeral);
    if (options.webhookId) message.webhook_id = options.webhookId;
    if (author.bot) message.application_id = this.applicationId;
    if (body.message_reference?.message_id)
      message.message_reference = { ...body.message_reference, channel_id: body.message_reference.channel_id ?? channelId, message_id: body.message_reference.message_id };
    if (options.interaction) {
      const interaction = options.interaction;
      message.interaction_metadata = {
        ...this.interactionMetadata(interaction, guildId),
        ...(options.role === 'followup' && interaction.originalMessageId
          ? { original_response_message_id: interaction.originalMessageId }
          : {}),
      } as APIMessage['interaction_metadata'];
    }
    const stored: StoredMessage = {
      message,
      guildId,
      visibleTo: ephemeral ? (options.visibleTo ?? null) : null,
      history: [],
      deleted: false,
      reactions: new Map(),
    };
    this.messages.set(id, stored);
    if ('last_message_id' in channel) channel.last_message_id = id;
    this.record(stored, 'create', options.role ?? 'channel', options.interaction?.id);
    this.changed('message');
    if (!ephemeral) this.dispatch(guildId, 'MESSAGE_CREATE', this.withMember(message, guildId, member));
    return stored;
  }

  /** A message's interaction_metadata: who ran what, and for components and modals what they came from. */
  private interactionMetadata(interaction: InteractionRecord, guildId: string | null): Record<string, unknown> {
    const user = this.users.get(interaction.userId)!;
    const meta: Record<string, unknown> = {
      id: interaction.id,
      type: interaction.type,
      user,
      authorizing_integration_owners: { '0': guildId ?? undefined, '1': user.id },
    };
    if (interaction.type === InteractionType.MessageComponent && interaction.sourceMessageId) meta.interacted_message_id = interaction.sourceMessageId;
    const triggering = interaction.triggeringInteractionId ? this.interactions.get(interaction.triggeringInteractionId) : undefined;
    if (interaction.type === InteractionType.ModalSubmit && triggering) meta.triggering_interaction_metadata = this.interactionMetadata(triggering, guildId);
    return meta;
  }

  editMessage(stored: StoredMessage, body: MessageBody, role: MessageRole, interactionId?: string): StoredMessage {
    const { message } = stored;
    if (body.content !== undefined) message.content = body.content;
    if (body.embeds !== undefined) message.embeds = typedEmbeds(body.embeds);
    if (body.components !== undefined) message.components = numberedComponents(body.components);
    const flags = message.flags ?? 0;
    // Editing a deferred response replaces the "thinking" state; only SuppressEmbeds and IsComponentsV2 may change.
    const editable = MessageFlags.SuppressEmbeds | MessageFlags.IsComponentsV2;
    message.flags = ((flags & ~MessageFlags.Loading) & ~editable) | ((body.flags ?? flags) & editable);
    message.attachments = this.resolveAttachments(message.channel_id, body, message.attachments, (flags & MessageFlags.Ephemeral) !== 0);
    message.edited_timestamp = new Date().toISOString();
    this.record(stored, 'edit', role, interactionId);
    this.changed('message');
    if (!stored.visibleTo) this.dispatch(stored.guildId, 'MESSAGE_UPDATE', this.withMember(message, stored.guildId));
    return stored;
  }

  deleteMessage(stored: StoredMessage, role: MessageRole, interactionId?: string): void {
    stored.deleted = true;
    this.record(stored, 'delete', role, interactionId);
    this.changed('message');
    if (!stored.visibleTo)
      this.dispatch(stored.guildId, 'MESSAGE_DELETE', {
        id: stored.message.id,
        channel_id: stored.message.channel_id,
        ...(stored.guildId ? { guild_id: stored.guildId } : {}),
      });
  }

  /** A message as MESSAGE_CREATE/UPDATE carry it: with guild_id and the author's member. */
  withMember(message: APIMessage, guildId: string | null, member?: APIGuildMember): Record<string, unknown> {
    if (!guildId) return { ...message };
    const author = member ?? this.guilds.get(guildId)?.members.get(message.author.id);
    const payload: Record<string, unknown> = { ...message, guild_id: guildId };
    if (author && !message.webhook_id) {
      const { user: _user, ...partial } = author;
      payload.member = partial;
    }
    return payload;
  }

  /** A message as the REST API returns it: with reaction counts. */
  messageView(stored: StoredMessage, viewerId: string): APIMessage {
    const reactions = [...stored.reactions.values()].map(({ emoji, users }) => ({
      count: users.size,
      count_details: { burst: 0, normal: users.size },
      me: users.has(viewerId),
      me_burst: false,
      emoji,
      burst_colors: [],
    }));
    return reactions.length ? { ...stored.message, reactions } : { ...stored.message };
  }

  recordInteractionEvent(entry: TimelineEntry): void {
    this.timeline.push(entry);
    this.changed('interaction');
  }
}
