import { ApplicationCommandType, MessageType } from 'discord-api-types/v10';
import type { APIApplicationCommand, APIMessage } from 'discord-api-types/v10';
import { toMessageBody } from './body.ts';
import type { MessageLimits } from './body.ts';
import { DiscordHttpError, invalidFormBody, unknownCommand, unknownEmoji, unknownMember, unknownUser } from './errors.ts';
import type { Gateway } from './gateway.ts';
import type { RestServer } from './rest.ts';
import type { StandinState, StoredMessage } from './state.ts';

export interface RouteDeps {
  state: StandinState;
  gateway: Gateway;
  limits: MessageLimits;
  recommendedShards: () => number;
}

/** Parses a reaction emoji path segment: a unicode emoji or "name:id" for a custom emoji. */
export function parseEmoji(state: StandinState, guildId: string | null, raw: string): { id: string | null; name: string } {
  const custom = /^a?:?([\w~]+):(\d+)$/.exec(raw);
  if (!custom) return { id: null, name: raw };
  const emoji = guildId ? state.guild(guildId).guild.emojis.find((e) => e.id === custom[2]) : undefined;
  if (!emoji) throw unknownEmoji();
  return { id: custom[2], name: custom[1] };
}

export function emojiKey(emoji: { id: string | null; name: string }): string {
  return emoji.id ?? emoji.name;
}

/** Adds or removes a reaction and dispatches MESSAGE_REACTION_ADD/REMOVE as Discord does. */
export function setReaction(
  state: StandinState,
  stored: StoredMessage,
  userId: string,
  emoji: { id: string | null; name: string },
  present: boolean,
): boolean {
  const key = emojiKey(emoji);
  let reaction = stored.reactions.get(key);
  if (present) {
    if (!reaction) stored.reactions.set(key, (reaction = { emoji, users: new Set() }));
    if (reaction.users.has(userId)) return false;
    reaction.users.add(userId);
  } else {
    if (!reaction?.users.delete(userId)) return false;
    if (reaction.users.size === 0) stored.reactions.delete(key);
  }
  state.changed('reaction');
  const { message, guildId } = stored;
  const base: Record<string, unknown> = {
    user_id: userId,
    channel_id: message.channel_id,
    message_id: message.id,
    emoji,
    burst: false,
    type: 0,
  };
  if (guildId) base.guild_id = guildId;
  if (present) {
    base.message_author_id = message.author.id;
    base.burst_colors = [];
    const member = guildId ? state.guild(guildId).members.get(userId) : undefined;
    if (member) base.member = member;
  }
  state.dispatch(guildId, present ? 'MESSAGE_REACTION_ADD' : 'MESSAGE_REACTION_REMOVE', base);
  return true;
}

export function registerRoutes(rest: RestServer, deps: RouteDeps): void {
  const { state, gateway, limits } = deps;
  const bot = () => state.botUser;
  const json = (value: unknown, status = 200) => ({ status, json: value });
  const view = (stored: StoredMessage): APIMessage => state.messageView(stored, bot().id);

  rest
    .route('GET', '/gateway', 'public', () => json({ url: gateway.url }))
    .route('GET', '/gateway/bot', 'bot', () =>
      json({
        url: gateway.url,
        shards: deps.recommendedShards(),
        session_start_limit: {
          total: 1000,
          remaining: Math.max(0, 1000 - gateway.identifyCount),
          reset_after: 14_400_000,
          max_concurrency: 1,
        },
      }),
    )
    .route('GET', '/users/@me', 'bot', () => json(bot()))
    .route('GET', '/users/:user_id', 'bot', ({ params }) => {
      const user = state.users.get(params.user_id);
      if (!user) throw unknownUser();
      return json(user);
    })
    .route('GET', '/applications/@me', 'bot', () =>
      json({
        id: state.applicationId,
        name: bot().username,
        icon: null,
        description: '',
        summary: '',
        type: null,
        bot_public: true,
        bot_require_code_grant: false,
        verify_key: '0'.repeat(64),
        flags: 0,
        team: null,
        bot: bot(),
        owner: { ...bot(), flags: 0 },
        approximate_guild_count: state.guilds.size,
        redirect_uris: [],
        interactions_endpoint_url: null,
        integration_types_config: { '0': {}, '1': {} },
      }),
    );

  // Application commands, global and per guild.
  for (const scope of ['global', 'guild'] as const) {
    const base = scope === 'global' ? '/applications/:application_id/commands' : '/applications/:application_id/guilds/:guild_id/commands';
    const list = (guildId?: string) =>
      [...state.commands.values()].filter((command) => (command.guild_id ?? undefined) === guildId);
    const build = (input: Record<string, unknown>, guildId: string | undefined, existing?: APIApplicationCommand) => {
      if (typeof input.name !== 'string' || !/^[-_\p{L}\p{N}]{1,32}$/u.test(input.name))
        throw invalidFormBody('name', 'APPLICATION_COMMAND_INVALID_NAME', 'Command name is invalid: 1-32 lowercase letters, digits, - or _.');
      const type = (input.type as ApplicationCommandType | undefined) ?? ApplicationCommandType.ChatInput;
      if (type === ApplicationCommandType.ChatInput && (typeof input.description !== 'string' || input.description.length < 1 || input.description.length > 100))
        throw invalidFormBody('description', 'BASE_TYPE_BAD_LENGTH', 'Must be between 1 and 100 in length.');
      const command = {
        id: existing?.id ?? state.ids.next(),
        application_id: state.applicationId,
        version: state.ids.next(),
        type,
        name: input.name,
        description: (input.description as string | undefined) ?? '',
        options: (input.options as APIApplicationCommand['options']) ?? [],
        default_member_permissions: (input.default_member_permissions as string | null | undefined) ?? null,
        nsfw: (input.nsfw as boolean | undefined) ?? false,
        integration_types: (input.integration_types as number[] | undefined) ?? [0],
        contexts: (input.contexts as number[] | null | undefined) ?? null,
        ...(guildId ? { guild_id: guildId } : {}),
      } as APIApplicationCommand;
      state.commands.set(command.id, command);
      state.changed('command');
      return command;
    };
    const checkScope = (params: Record<string, string>) => {
      if (params.application_id !== state.applicationId) throw unknownCommand();
      if (params.guild_id) state.guild(params.guild_id);
      return params.guild_id;
    };
    rest
      .route('GET', base, 'bot', ({ params }) => json(list(checkScope(params))))
      .route('PUT', base, 'bot', async (ctx) => {
        const guildId = checkScope(ctx.params);
        let inputs: unknown;
        try {
          inputs = JSON.parse(ctx.raw.toString('utf8') || '[]');
        } catch {
          throw new DiscordHttpError(400, 50109, 'The request body contains invalid JSON.');
        }
        if (!Array.isArray(inputs)) throw invalidFormBody('body', 'BASE_TYPE_ARRAY', 'Must be an array of commands.');
        const previous = list(guildId);
        const kept = new Set<string>();
        const result = (inputs as Record<string, unknown>[]).map((input) => {
          const existing = previous.find((command) => command.name === input.name && command.type === ((input.type as number | undefined) ?? 1));
          const command = build(input, guildId, existing);
          kept.add(command.id);
          return command;
        });
        for (const command of previous) if (!kept.has(command.id)) state.commands.delete(command.id);
        return json(result);
      })
      .route('POST', base, 'bot', async (ctx) => {
        const guildId = checkScope(ctx.params);
        const { json: input } = await ctx.body();
        const existing = list(guildId).find((command) => command.name === input.name);
        return json(build(input, guildId, existing), existing ? 200 : 201);
      })
      .route('GET', `${base}/:command_id`, 'bot', ({ params }) => {
        const command = state.commands.get(params.command_id);
        if (!command || (command.guild_id ?? undefined) !== checkScope(params)) throw unknownCommand();
        return json(command);
      })
      .route('PATCH', `${base}/:command_id`, 'bot', async (ctx) => {
        const guildId = checkScope(ctx.params);
        const command = state.commands.get(ctx.params.command_id);
        if (!command || (command.guild_id ?? undefined) !== guildId) throw unknownCommand();
        const { json: input } = await ctx.body();
        return json(build({ ...command, ...input }, guildId, command));
      })
      .route('DELETE', `${base}/:command_id`, 'bot', ({ params }) => {
        const command = state.commands.get(params.command_id);
        if (!command || (command.guild_id ?? undefined) !== checkScope(params)) throw unknownCommand();
        state.commands.delete(command.id);
        return { status: 204 };
      });
  }

  // Channels and messages.
  rest
    .route('GET', '/channels/:channel_id', 'bot', ({ params }) => json(state.channel(params.channel_id).channel))
    .route('POST', '/channels/:channel_id/typing', 'bot', ({ params }) => {
      state.channel(params.channel_id);
      return { status: 204 };
    })
    .route('GET', '/channels/:channel_id/messages', 'bot', ({ params, url }) => {
      state.channel(params.channel_id);
      const limit = Math.min(100, Math.max(1, Number(url.searchParams.get('limit') ?? 50)));
      const messages = [...state.messages.values()]
        .filter((m) => m.message.channel_id === params.channel_id && !m.deleted && !m.visibleTo)
        .reverse()
        .slice(0, limit);
      return json(messages.map(view));
    })
    .route('POST', '/channels/:channel_id/messages', 'bot', async (ctx) => {
      const body = toMessageBody(await ctx.body(), limits, 'create');
      const type = body.message_reference ? MessageType.Reply : MessageType.Default;
      return json(view(state.createMessage(ctx.params.channel_id, bot(), body, { type })));
    })
    .route('GET', '/channels/:channel_id/messages/:message_id', 'bot', ({ params }) =>
      json(view(state.message(params.channel_id, params.message_id))),
    )
    .route('PATCH', '/channels/:channel_id/messages/:message_id', 'bot', async (ctx) => {
      const stored = state.message(ctx.params.channel_id, ctx.params.message_id);
      if (stored.message.author.id !== bot().id)
        throw new DiscordHttpError(403, 50005, 'Cannot edit a message authored by another user');
      const body = toMessageBody(await ctx.body(), limits, 'edit');
      return json(view(state.editMessage(stored, body, 'channel')));
    })
    .route('DELETE', '/channels/:channel_id/messages/:message_id', 'bot', ({ params }) => {
      state.deleteMessage(state.message(params.channel_id, params.message_id), 'channel');
      return { status: 204 };
    })
    .route('PUT', '/channels/:channel_id/messages/:message_id/reactions/:emoji/@me', 'bot', ({ params }) => {
      const stored = state.message(params.channel_id, params.message_id);
      setReaction(state, stored, bot().id, parseEmoji(state, stored.guildId, params.emoji), true);
      return { status: 204 };
    })
    .route('DELETE', '/channels/:channel_id/messages/:message_id/reactions/:emoji/@me', 'bot', ({ params }) => {
      const stored = state.message(params.channel_id, params.message_id);
      setReaction(state, stored, bot().id, parseEmoji(state, stored.guildId, params.emoji), false);
      return { status: 204 };
    })
    .route('GET', '/channels/:channel_id/messages/:message_id/reactions/:emoji', 'bot', ({ params, url }) => {
      const stored = state.message(params.channel_id, params.message_id);
      const emoji = parseEmoji(state, stored.guildId, params.emoji);
      const limit = Math.min(100, Math.max(1, Number(url.searchParams.get('limit') ?? 25)));
      const after = url.searchParams.get('after');
      const ids = [...(stored.reactions.get(emojiKey(emoji))?.users ?? [])]
        .sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1))
        .filter((id) => !after || BigInt(id) > BigInt(after))
        .slice(0, limit);
      return json(ids.map((id) => state.users.get(id)));
    });

  // Guilds.
  rest
    .route('GET', '/guilds/:guild_id', 'bot', ({ params, url }) => {
      const record = state.guild(params.guild_id);
      const counts = url.searchParams.get('with_counts') === 'true'
        ? { approximate_member_count: record.members.size, approximate_presence_count: 0 }
        : {};
      return json({ ...record.guild, ...counts });
    })
    .route('GET', '/guilds/:guild_id/channels', 'bot', ({ params }) => json([...state.guild(params.guild_id).channels.values()]))
    .route('GET', '/guilds/:guild_id/roles', 'bot', ({ params }) => json(state.guild(params.guild_id).guild.roles))
    .route('GET', '/guilds/:guild_id/members', 'bot', ({ params, url }) => {
      const limit = Math.min(1000, Math.max(1, Number(url.searchParams.get('limit') ?? 1)));
      const after = BigInt(url.searchParams.get('after') ?? 0);
      const members = [...state.guild(params.guild_id).members.values()]
        .filter((m) => BigInt(m.user.id) > after)
        .sort((a, b) => (BigInt(a.user.id) < BigInt(b.user.id) ? -1 : 1))
        .slice(0, limit);
      return json(members);
    })
    .route('GET', '/guilds/:guild_id/members/:user_id', 'bot', ({ params }) => {
      const member = state.guild(params.guild_id).members.get(params.user_id);
      if (!member) throw unknownMember();
      return json(member);
    });

  // The CDN: attachment bytes.
  rest.route('GET', '/attachments/:channel_id/:attachment_id/:filename', 'public', ({ params }) => {
    const file = state.fileAt(params.channel_id, params.attachment_id);
    if (!file || file.filename !== params.filename) return { status: 404, json: { code: 0, message: '404: Not Found' } };
    return { status: 200, bytes: file.bytes, contentType: file.contentType };
  });
}
