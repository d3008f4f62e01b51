import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  ActionRowBuilder,
  ApplicationCommandOptionType,
  ButtonBuilder,
  ButtonStyle,
  Client,
  DiscordAPIError,
  Events,
  GatewayIntentBits,
  LabelBuilder,
  MessageFlags,
  ModalBuilder,
  PermissionFlagsBits,
  Routes,
  TextInputBuilder,
  TextInputStyle,
} from 'discord.js';
import type { ChatInputApplicationCommandData, ChatInputCommandInteraction, Interaction } from 'discord.js';
import { afterEach, describe, expect, it } from 'vitest';
import { OverwriteType } from 'discord-api-types/v10';
import { DiscordStandin, SnowflakeGenerator, shardOfGuild } from './standin/index.ts';
import { RawGatewayClient } from './support/raw-gateway.ts';

const intents = [
  GatewayIntentBits.Guilds,
  GatewayIntentBits.GuildMessages,
  GatewayIntentBits.GuildMessageReactions,
  GatewayIntentBits.MessageContent,
];
const riffCommand: ChatInputApplicationCommandData = {
  name: 'riff',
  description: 'Make a clip',
  options: [
    { name: 'prompt', description: 'What to play', type: ApplicationCommandOptionType.String, required: true },
    { name: 'init', description: 'Init image', type: ApplicationCommandOptionType.Attachment },
  ],
};

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

/** Stand-ins of this file run in strict mode: their own answers are checked against the spec too. */
async function startStandin(options: ConstructorParameters<typeof DiscordStandin>[0] = {}): Promise<DiscordStandin> {
  const standin = await new DiscordStandin({ strictResponses: true, ...options }).start();
  cleanups.push(async () => {
    await standin.stop();
    standin.conformance.assertClean();
  });
  return standin;
}

async function login(standin: DiscordStandin, extra: { shards?: number; shardCount?: number } = {}): Promise<Client> {
  const client = new Client({ intents, ...standin.clientOptions(), ...extra });
  cleanups.push(() => client.destroy());
  const ready = once(client, Events.ClientReady);
  await client.login(standin.token);
  await ready;
  return client;
}

/** Collects interactions of one command so the test decides when and how the bot answers. */
function commandQueue(client: Client): () => Promise<ChatInputCommandInteraction> {
  const pending: ChatInputCommandInteraction[] = [];
  const waiters: ((i: ChatInputCommandInteraction) => void)[] = [];
  client.on(Events.InteractionCreate, (interaction: Interaction) => {
    if (!interaction.isChatInputCommand()) return;
    const waiter = waiters.shift();
    if (waiter) waiter(interaction);
    else pending.push(interaction);
  });
  return () => {
    const next = pending.shift();
    return next ? Promise.resolve(next) : new Promise((resolve) => waiters.push(resolve));
  };
}

describe('DiscordStandin with the real discord.js client', () => {
  it('logs in, answers an interaction with a deferred reply, an attachment and an ephemeral follow-up, sees reactions, and resumes', async () => {
    const standin = await startStandin();
    const guild = standin.createGuild('Riff Lab');
    const channel = standin.createChannel(guild, 'studio');
    const alice = standin.createUser('alice');
    const bob = standin.createUser('bob');
    standin.addMember(guild, alice);
    standin.addMember(guild, bob);

    const client = await login(standin);
    expect(client.user?.id).toBe(standin.botUser.id);
    expect(client.guilds.cache.get(guild.id)?.name).toBe('Riff Lab');
    expect(client.channels.cache.get(channel.id)?.isTextBased()).toBe(true);
    await client.application!.commands.set([riffCommand]);
    const nextCommand = commandQueue(client);

    const initBytes = Buffer.from([0x89, 0x50, 0x4e, 0x47, 1, 2, 3, 4, 5]);
    const handle = alice.runSlashCommand(guild, channel, 'riff', { prompt: 'slow jazz' }, {
      attachments: { init: { filename: 'init.png', bytes: initBytes, contentType: 'image/png' } },
    });
    expect(handle.delivered).toBe(1);
    const interaction = await nextCommand();
    expect(interaction.options.getString('prompt')).toBe('slow jazz');
    expect(interaction.user.id).toBe(alice.id);

    await interaction.deferReply();
    const init = interaction.options.getAttachment('init', true);
    const fetched = Buffer.from(await (await fetch(init.url)).arrayBuffer());
    expect(fetched.equals(initBytes)).toBe(true);
    const clip = Buffer.from(fetched.reverse());
    await interaction.editReply({ content: 'Here is your riff', files: [{ attachment: clip, name: 'riff.mp3' }] });
    await interaction.followUp({ content: 'Only you can see this', flags: MessageFlags.Ephemeral });

    const history = handle.originalHistory();
    expect(history.map((v) => v.loading)).toEqual([true, false]);
    expect(history[1].content).toBe('Here is your riff');
    expect(history[1].attachments.map((a) => a.filename)).toEqual(['riff.mp3']);
    expect(history[1].attachments[0].bytes.equals(clip)).toBe(true);
    const served = Buffer.from(await (await fetch(history[1].attachments[0].url)).arrayBuffer());
    expect(served.equals(clip)).toBe(true);
    expect(handle.record.acknowledgement!.latencyMs).toBeLessThan(3000);

    const [followUp] = handle.followUps();
    expect(followUp.message.flags! & MessageFlags.Ephemeral).toBe(MessageFlags.Ephemeral);
    expect(alice.timeline().some((e) => e.messageId === followUp.message.id)).toBe(true);
    expect(bob.timeline().some((e) => e.messageId === followUp.message.id)).toBe(false);
    expect(bob.timeline().some((e) => e.messageId === handle.original()!.message.id)).toBe(true);

    const reaction = once(client, Events.MessageReactionAdd);
    alice.react(handle.original()!, '🎵');
    const [added, user] = await reaction;
    expect(added.emoji.name).toBe('🎵');
    expect(added.message.id).toBe(handle.original()!.message.id);
    expect(user.id).toBe(alice.id);

    // Drop the socket; a message sent while the bot is away must be replayed on RESUME.
    const session = standin.sessions()[0];
    const resumed = once(client, Events.ShardResume);
    const seen = new Promise<string>((resolve) => client.on(Events.MessageCreate, (m) => m.author.id === alice.id && resolve(m.content)));
    standin.dropSocket(0);
    await standin.waitFor(() => session.connection === null, 2000, 'the socket to close');
    alice.sendMessage(channel, 'sent while you were away');
    await resumed;
    expect(await seen).toBe('sent while you were away');
    expect(session.resumes).toBe(1);
    expect(standin.gateway.identifyCount).toBe(1);
    expect(standin.gateway.received.some((p) => p.op === 6 && p.path === '/gateway-resume')).toBe(true);
  });

  it('refuses a late acknowledgement with 10062 and a second one with 40060', async () => {
    const standin = await startStandin();
    const guild = standin.createGuild('Slow Guild');
    const channel = standin.createChannel(guild, 'general');
    const alice = standin.createUser('alice');
    standin.addMember(guild, alice);
    const client = await login(standin);
    await client.application!.commands.set([riffCommand]);
    const nextCommand = commandQueue(client);

    const late = alice.runSlashCommand(guild, channel, 'riff', { prompt: 'late' });
    const lateInteraction = await nextCommand();
    await sleep(3100);
    const error = await lateInteraction.reply('too late').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DiscordAPIError);
    expect((error as DiscordAPIError).code).toBe(10062);
    expect(late.record.acknowledgement).toBeUndefined();
    expect(late.record.lateCallbacks).toHaveLength(1);
    expect(late.record.lateCallbacks[0].lateByMs).toBeGreaterThan(0);

    const twice = alice.runSlashCommand(guild, channel, 'riff', { prompt: 'twice' });
    const twiceInteraction = await nextCommand();
    const route = Routes.interactionCallback(twiceInteraction.id, twiceInteraction.token);
    await client.rest.post(route, { body: { type: 5 }, auth: false });
    const second = await client.rest.post(route, { body: { type: 5 }, auth: false }).catch((e: unknown) => e);
    expect((second as DiscordAPIError).code).toBe(40060);
    expect(twice.record.duplicateCallbacks).toHaveLength(1);

    // As on Discord, the first follow-up after a deferred reply fills in the "thinking" message.
    const webhook = Routes.webhook(client.application!.id, twiceInteraction.token);
    const filled = (await client.rest.post(webhook, { body: { content: 'first' }, auth: false })) as { id: string };
    expect(filled.id).toBe(twice.original()!.message.id);
    expect(twice.originalHistory().map((v) => [v.loading, v.content])).toEqual([[true, ''], [false, 'first']]);
    const second2 = (await client.rest.post(webhook, { body: { content: 'second' }, auth: false })) as { id: string };
    expect(twice.followUps().map((m) => m.message.id)).toEqual([second2.id]);
  });

  it('routes guilds and interactions to the right one of two shards', async () => {
    const standin = await startStandin({ recommendedShards: 2 });
    const ids = new SnowflakeGenerator();
    const now = Date.now();
    const guildIds = [ids.next(now), ids.next(now + 1), ids.next(now + 2)];
    const guilds = guildIds.map((id, n) => standin.createGuild(`Guild ${n}`, { id }));
    const channels = guilds.map((g) => standin.createChannel(g, 'general'));
    const alice = standin.createUser('alice');
    for (const g of guilds) standin.addMember(g, alice);

    const clients = [await login(standin, { shards: 0, shardCount: 2 }), await login(standin, { shards: 1, shardCount: 2 })];
    for (const [shard, client] of clients.entries()) {
      const expected = guildIds.filter((id) => shardOfGuild(id, 2) === shard).sort();
      expect(expected.length).toBeGreaterThan(0);
      expect([...client.guilds.cache.keys()].sort()).toEqual(expected);
    }
    await clients[0].application!.commands.set([riffCommand]);
    const queues = clients.map(commandQueue);
    const target = guilds.findIndex((g) => shardOfGuild(g.id, 2) === 1);
    const handle = alice.runSlashCommand(guilds[target], channels[target], 'riff', { prompt: 'shard one' });
    const received = await Promise.race([queues[0]().then(() => 0), queues[1]().then(() => 1)]);
    expect(received).toBe(1);
    expect(handle.delivered).toBe(1);

    // Members: op 8 REQUEST_GUILD_MEMBERS answered with a chunk on the right shard, and REST.
    const shardGuild = clients[1].guilds.cache.get(guilds[target].id)!;
    const viaGateway = await shardGuild.members.fetch({ user: [alice.id], time: 3000 });
    expect([...viaGateway.keys()]).toEqual([alice.id]);
    expect(standin.gateway.received.some((p) => p.op === 8)).toBe(true);
    const viaRest = await shardGuild.members.fetch({ user: standin.botUser.id, force: true });
    expect(viaRest.user.bot).toBe(true);
  });

  it('computes a member’s permissions in a channel with its overwrites, as discord.js computes them from the same guild', async () => {
    const standin = await startStandin();
    const guild = standin.createGuild('Perms');
    const channel = standin.createChannel(guild, 'studio');
    const alice = standin.createUser('alice');
    standin.addMember(guild, alice);
    const record = standin.state.guild(guild.id);
    const mods = standin.state.ids.next();
    const { ManageChannels, SendMessages, AddReactions, Administrator } = PermissionFlagsBits;
    record.guild.roles.push({ ...record.guild.roles[0], id: mods, name: 'mods', position: 1, permissions: ManageChannels.toString() });
    record.members.get(alice.id)!.roles.push(mods);
    const client = await login(standin);
    const inChannel = async () => {
      await standin.waitFor(() => client.channels.cache.get(channel.id), 5000, 'the channel in the cache');
      const g = client.guilds.cache.get(guild.id)!;
      const member = await g.members.fetch(alice.id);
      return (client.channels.cache.get(channel.id) as import('discord.js').TextChannel).permissionsFor(member).bitfield;
    };
    const cases: { overwrites: import('discord-api-types/v10').APIOverwrite[]; has: bigint[]; lacks: bigint[] }[] = [
      { overwrites: [], has: [ManageChannels, SendMessages], lacks: [Administrator] },
      // @everyone loses Send Messages here; the role's deny beats nothing, the member's allow comes last.
      { overwrites: [{ id: guild.id, type: OverwriteType.Role, allow: '0', deny: SendMessages.toString() }], has: [ManageChannels], lacks: [SendMessages] },
      { overwrites: [{ id: mods, type: OverwriteType.Role, allow: '0', deny: ManageChannels.toString() }], has: [SendMessages], lacks: [ManageChannels] },
      {
        overwrites: [
          { id: guild.id, type: OverwriteType.Role, allow: '0', deny: (SendMessages | AddReactions).toString() },
          { id: mods, type: OverwriteType.Role, allow: AddReactions.toString(), deny: ManageChannels.toString() },
          { id: alice.id, type: OverwriteType.Member, allow: ManageChannels.toString(), deny: AddReactions.toString() },
        ],
        has: [ManageChannels],
        lacks: [SendMessages, AddReactions],
      },
    ];
    for (const c of cases) {
      standin.state.setPermissionOverwrites(channel.id, c.overwrites);
      const mine = standin.state.memberPermissions(guild.id, alice.id, channel.id);
      for (const bit of c.has) expect(mine & bit).toBe(bit);
      for (const bit of c.lacks) expect(mine & bit).toBe(0n);
      // discord.js applies the overwrites it got through CHANNEL_UPDATE by Discord's rules: the same answer.
      const seen = () => {
        const cached = (client.channels.cache.get(channel.id) as import('discord.js').TextChannel).permissionOverwrites.cache;
        return cached.size === c.overwrites.length && c.overwrites.every((o) => cached.get(o.id)?.deny.bitfield === BigInt(o.deny) && cached.get(o.id)?.allow.bitfield === BigInt(o.allow));
      };
      await standin.waitFor(() => seen() || undefined, 5000, 'CHANNEL_UPDATE in discord.js');
      expect(await inChannel()).toBe(mine);
    }
    // The guild-wide answer (no channel) ignores overwrites.
    expect(standin.state.memberPermissions(guild.id, alice.id) & ManageChannels).toBe(ManageChannels);
  });

  it('enforces content, size, token and rate limits', async () => {
    const standin = await startStandin({ attachmentSizeLimit: 1024 });
    const guild = standin.createGuild('Limits');
    const channel = standin.createChannel(guild, 'general');
    const client = await login(standin);
    const textChannel = client.channels.cache.get(channel.id);
    if (!textChannel?.isSendable()) throw new Error('channel not sendable');

    const long = await textChannel.send('x'.repeat(2001)).catch((e: unknown) => e);
    expect((long as DiscordAPIError).code).toBe(50035);
    expect(standin.conformance.take().map((v) => v.errors[0].path.join('.'))).toEqual(['content']);
    const big = await textChannel.send({ files: [{ attachment: Buffer.alloc(2048), name: 'big.bin' }] }).catch((e: unknown) => e);
    expect((big as DiscordAPIError).code).toBe(40005);
    const ok = await textChannel.send({ content: 'fine', files: [{ attachment: Buffer.alloc(100, 7), name: 'small.bin' }] });
    expect(ok.attachments.first()?.size).toBe(100);

    const unauthorised = await fetch(`${standin.apiUrl}/v10/users/@me`, { headers: { authorization: 'Bot wrong' } });
    expect(unauthorised.status).toBe(401);

    standin.setRateLimit('GET /channels/:channel_id', { limit: 1, windowMs: 2000 });
    const headers = { authorization: `Bot ${standin.token}` };
    const first = await fetch(`${standin.apiUrl}/v10/channels/${channel.id}`, { headers });
    expect(first.headers.get('x-ratelimit-remaining')).toBe('0');
    const limited = await fetch(`${standin.apiUrl}/v10/channels/${channel.id}`, { headers });
    expect(limited.status).toBe(429);
    expect(((await limited.json()) as { retry_after: number }).retry_after).toBeGreaterThan(0);

    // discord.js does not know the bucket is spent: it gets a 429, waits retry_after and succeeds.
    standin.setRateLimit('GET /guilds/:guild_id/channels', { limit: 1, windowMs: 800 });
    await fetch(`${standin.apiUrl}/v10/guilds/${guild.id}/channels`, { headers });
    const rateLimited = once(client.rest, 'rateLimited');
    const fetchedChannels = await client.guilds.cache.get(guild.id)!.channels.fetch();
    expect(fetchedChannels.has(channel.id)).toBe(true);
    await rateLimited;
    const statuses = standin.requests.filter((r) => r.route === 'GET /guilds/:guild_id/channels').map((r) => r.status);
    expect(statuses).toEqual([200, 429, 200]);
  });
});

describe('DiscordStandin judges request bodies by Discord\'s OpenAPI description and docs', () => {
  const row = (customId: string) => ({ type: 1, components: [{ type: 2, style: 1, label: 'Go', custom_id: customId }] });

  it('answers planted faults as Discord does: 400, code 50035, the field path and the reason', async () => {
    const standin = await startStandin();
    const guild = standin.createGuild('Faults');
    const channel = standin.createChannel(guild, 'general');
    const post = async (body: unknown, multipart = false) => {
      const init: RequestInit = { method: 'POST', headers: { authorization: `Bot ${standin.token}` } };
      if (multipart) {
        const form = new FormData();
        form.set('payload_json', JSON.stringify(body));
        form.set('files[0]', new Blob([Buffer.from('png')]), 'a.png');
        init.body = form;
      } else {
        init.body = JSON.stringify(body);
        (init.headers as Record<string, string>)['content-type'] = 'application/json';
      }
      const res = await fetch(`${standin.apiUrl}/v10/channels/${channel.id}/messages`, init);
      return { status: res.status, body: (await res.json()) as { code?: number; errors?: Record<string, unknown> } };
    };
    const fieldErrors = (errors: Record<string, unknown> | undefined, path: string) =>
      path.split('.').reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], errors) as { _errors: { code: string; message: string }[] } | undefined;

    const ok = await post({ content: 'fine', components: [row('a'.repeat(100))], embeds: [{ title: 't'.repeat(256) }] });
    expect(ok.status).toBe(200);

    const customId = await post({ content: 'x', components: [row('a'.repeat(101))] });
    expect(customId.status).toBe(400);
    expect(customId.body.code).toBe(50035);
    expect(fieldErrors(customId.body.errors, 'components.0.components.0.custom_id')?._errors).toEqual([
      { code: 'BASE_TYPE_MAX_LENGTH', message: 'Must be 100 or fewer in length.' },
    ]);

    const title = await post({ embeds: [{ title: 't'.repeat(257) }] });
    expect(title.body.code).toBe(50035);
    expect(fieldErrors(title.body.errors, 'embeds.0.title')?._errors[0].code).toBe('BASE_TYPE_MAX_LENGTH');

    const rows = await post({ content: 'x', components: [1, 2, 3, 4, 5, 6].map((n) => row(`r${n}`)) }, true);
    expect(rows.status).toBe(400);
    expect(fieldErrors(rows.body.errors, 'components')?._errors[0]).toEqual({ code: 'BASE_TYPE_MAX_LENGTH', message: 'Must be 5 or fewer in length.' });

    const content = await post({ content: 'x'.repeat(2001) });
    expect(fieldErrors(content.body.errors, 'content')?._errors[0].message).toBe('Must be 2000 or fewer in length.');

    const embeds = await post({ embeds: [{ description: 'd'.repeat(4096) }, { description: 'd'.repeat(2000) }] });
    expect(fieldErrors(embeds.body.errors, 'embeds')?._errors[0].message).toBe('Embed size exceeds maximum size of 6000');

    const duplicate = await post({ content: 'x', components: [row('same'), row('same')] });
    expect(fieldErrors(duplicate.body.errors, 'components.1.components.0.custom_id')?._errors[0].code).toBe('COMPONENT_CUSTOM_ID_DUPLICATED');

    const unknownType = await post({ content: 'x', components: [{ type: 99, components: [] }] });
    expect(fieldErrors(unknownType.body.errors, 'components.0.type')?._errors[0].code).toBe('BASE_TYPE_CHOICES');

    // None of them was stored; each was counted and is handed to this test instead of failing it.
    expect([...standin.state.messages.values()].map((m) => m.message.content)).toEqual(['fine']);
    expect(standin.conformance.validated).toBe(8);
    expect(standin.conformance.take().map((v) => v.kind)).toEqual(Array(7).fill('rejected'));
    // Strict mode judged the one answer, a message as Discord's spec describes it.
    expect(standin.conformance.responsesValidated).toBe(1);
    standin.conformance.checkResponse('POST', '/channels/:channel_id/messages', 200, { id: 'not a snowflake', components: [{ type: 1 }] });
    const [planted] = standin.conformance.take();
    expect(planted.kind).toBe('response');
    expect(planted.errors.map((e) => e.path.join('.'))).toEqual(expect.arrayContaining(['id', 'components.0.id']));
  });

  it('checks interaction callbacks and reports deprecated modal forms', async () => {
    const standin = await startStandin();
    const guild = standin.createGuild('Callbacks');
    const channel = standin.createChannel(guild, 'general');
    const alice = standin.createUser('alice');
    standin.addMember(guild, alice);
    const registered = await fetch(`${standin.apiUrl}/v10/applications/${standin.applicationId}/commands`, {
      method: 'PUT',
      headers: { authorization: `Bot ${standin.token}`, 'content-type': 'application/json' },
      body: JSON.stringify([{ name: 'riff', description: 'Make a clip', options: [{ type: 3, name: 'prompt', description: 'What to play', required: true }] }]),
    });
    expect(registered.status).toBe(200);
    const callback = async (body: unknown) => {
      const run = alice.runSlashCommand(guild, channel, 'riff', { prompt: 'x' });
      const record = await standin.waitFor(() => standin.interaction(run.id));
      const res = await fetch(`${standin.apiUrl}/v10/interactions/${record.id}/${record.token}/callback`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return { status: res.status, body: res.status === 204 ? null : ((await res.json()) as { code: number; errors: Record<string, Record<string, unknown>> }) };
    };
    const bad = await callback({ type: 4, data: { content: 'x', components: [row('c'.repeat(101))] } });
    expect(bad.status).toBe(400);
    expect(Object.keys(bad.body!.errors)).toEqual(['data']);
    const oldModal = await callback({
      type: 9,
      data: { custom_id: 'm', title: 'T', components: [{ type: 1, components: [{ type: 4, custom_id: 'f', style: 1, label: 'Field' }] }] },
    });
    expect(oldModal.status).toBe(204); // Discord still takes it; the stand-in reports it
    const labelled = await callback({
      type: 9,
      data: { custom_id: 'm', title: 'T', components: [{ type: 18, label: 'Field', component: { type: 4, custom_id: 'f', style: 1 } }] },
    });
    expect(labelled.status).toBe(204);
    const found = standin.conformance.take();
    expect(found.map((v) => v.kind)).toEqual(['rejected', 'deprecated']);
    expect(found[1].errors.map((e) => e.code)).toEqual(['DEPRECATED_ACTION_ROW_TEXT_INPUT', 'DEPRECATED_TEXT_INPUT_LABEL']);
  });
});

describe('DiscordStandin components, modals and autocomplete', () => {
  it('delivers button clicks, modal submits and autocomplete to discord.js and records the answers', async () => {
    const standin = await startStandin();
    const guild = standin.createGuild('Buttons');
    const channel = standin.createChannel(guild, 'general');
    const alice = standin.createUser('alice');
    standin.addMember(guild, alice);
    const client = await login(standin);
    await client.application!.commands.set([
      { ...riffCommand, options: [{ name: 'prompt', description: 'What', type: ApplicationCommandOptionType.String, required: true, autocomplete: true }] },
    ]);
    const replyIds: string[] = [];
    client.on(Events.InteractionCreate, async (interaction) => {
      if (interaction.isAutocomplete()) {
        const typed = interaction.options.getFocused();
        await interaction.respond([`${typed} jazz`, `${typed} techno`].map((name) => ({ name, value: name })));
      } else if (interaction.isChatInputCommand()) {
        const button = new ButtonBuilder().setCustomId('rate').setLabel('Rate').setStyle(ButtonStyle.Primary);
        const response = await interaction.reply({
          content: 'Rate it',
          components: [new ActionRowBuilder<ButtonBuilder>().addComponents(button)],
          files: [{ attachment: Buffer.from('cover art'), name: 'cover.txt' }],
          withResponse: true,
        });
        replyIds.push(response.resource?.message?.id ?? 'none');
      } else if (interaction.isButton()) {
        const input = new TextInputBuilder().setCustomId('stars').setStyle(TextInputStyle.Short);
        await interaction.showModal(
          new ModalBuilder().setCustomId('rating').setTitle('Rating').addLabelComponents(new LabelBuilder().setLabel('Stars').setTextInputComponent(input)),
        );
      } else if (interaction.isModalSubmit() && interaction.isFromMessage()) {
        await interaction.update({ content: `Rated ${interaction.fields.getTextInputValue('stars')}`, components: [] });
      }
    });

    const typing = alice.autocomplete(guild, channel, 'riff', { prompt: 'smooth' }, 'prompt');
    expect(await typing.waitForChoices()).toEqual([
      { name: 'smooth jazz', value: 'smooth jazz' },
      { name: 'smooth techno', value: 'smooth techno' },
    ]);

    const command = alice.runSlashCommand(guild, channel, 'riff', { prompt: 'x' });
    const first = await command.waitForOriginal((v) => v.content === 'Rate it');
    expect(first.attachments.map((a) => a.bytes.toString())).toEqual(['cover art']);
    await standin.waitFor(() => replyIds.length === 1, 2000, 'the reply to return');
    expect(replyIds).toEqual([command.original()!.message.id]);
    const click = alice.clickButton(command.original()!, 'rate');
    const modal = await click.waitForModal();
    expect(modal.custom_id).toBe('rating');
    const submit = alice.submitModal(click, { stars: '5' }, 'rating');
    await submit.waitForAck();
    const versions = command.original()!.history.map((v) => v.content);
    expect(versions).toEqual(['Rate it', 'Rated 5']);
    expect(command.original()!.message.components).toEqual([]);
    expect(() => alice.clickButton(command.original()!, 'rate')).toThrow(/no component with custom_id "rate"/);
  });
});

describe('DiscordStandin gateway protocol (raw websocket)', () => {
  it('speaks zlib-stream, answers heartbeats, sends READY and GUILD_CREATE, echoes voice state updates and replays on RESUME', async () => {
    const standin = await startStandin();
    const guild = standin.createGuild('Raw');
    const gatewayUrl = `${standin.baseUrl.replace('http', 'ws')}/gateway`;
    const raw = await RawGatewayClient.connect(gatewayUrl, 'v=10&encoding=json&compress=zlib-stream');
    const hello = await raw.next((p) => p.op === 10);
    expect((hello.d as { heartbeat_interval: number }).heartbeat_interval).toBe(41_250);
    raw.send(1, null);
    await raw.next((p) => p.op === 11);
    raw.send(2, { token: standin.token, intents: GatewayIntentBits.Guilds | GatewayIntentBits.GuildVoiceStates, properties: {}, shard: [0, 1] });
    const ready = await raw.next((p) => p.t === 'READY');
    const readyData = ready.d as { session_id: string; resume_gateway_url: string; shard: number[]; guilds: { id: string; unavailable: boolean }[] };
    expect(ready.s).toBe(1);
    expect(readyData.shard).toEqual([0, 1]);
    expect(readyData.guilds).toEqual([{ id: guild.id, unavailable: true }]);
    expect(readyData.resume_gateway_url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/gateway-resume$/);
    const created = await raw.next((p) => p.t === 'GUILD_CREATE');
    expect(created.s).toBe(2);
    expect((created.d as { name: string }).name).toBe('Raw');

    const voice = standin.createChannel(guild, 'Radio', 'voice');
    raw.send(4, { guild_id: guild.id, channel_id: voice.id, self_mute: false, self_deaf: true });
    const state = await raw.next((p) => p.t === 'VOICE_STATE_UPDATE');
    expect(state.d).toMatchObject({ guild_id: guild.id, channel_id: voice.id, user_id: standin.botUser.id, self_deaf: true });

    raw.close(4000);
    await raw.closed();
    standin.createChannel(guild, 'while-away');
    const resumed = await RawGatewayClient.connect(readyData.resume_gateway_url);
    await resumed.next((p) => p.op === 10);
    resumed.send(6, { token: standin.token, session_id: readyData.session_id, seq: state.s });
    const replayed = await resumed.next((p) => p.t === 'CHANNEL_CREATE');
    expect((replayed.d as { name: string }).name).toBe('while-away');
    const done = await resumed.next((p) => p.t === 'RESUMED');
    expect(done.s).toBe(replayed.s! + 1);
    resumed.close(1000);
    await resumed.closed();

    const again = await RawGatewayClient.connect(gatewayUrl);
    await again.next((p) => p.op === 10);
    again.send(6, { token: standin.token, session_id: readyData.session_id, seq: done.s });
    const invalid = await again.next((p) => p.op === 9);
    expect(invalid.d).toBe(false);
    again.close();
  });

  it('compresses each payload after an IDENTIFY with compress: true', async () => {
    const standin = await startStandin();
    standin.createGuild('Packed');
    const raw = await RawGatewayClient.connect(`${standin.baseUrl.replace('http', 'ws')}/gateway`);
    await raw.next((p) => p.op === 10);
    raw.send(2, { token: standin.token, intents: GatewayIntentBits.Guilds, properties: {}, compress: true });
    await raw.next((p) => p.t === 'GUILD_CREATE');
    expect(raw.binaryFrames).toBeGreaterThanOrEqual(2);
    raw.close();
  });

  it('closes with Discord close codes for a bad token, shard or privileged intent', async () => {
    const standin = await startStandin({ allowedPrivilegedIntents: 0 });
    const gatewayUrl = `${standin.baseUrl.replace('http', 'ws')}/gateway`;
    const attempt = async (d: Record<string, unknown>) => {
      const raw = await RawGatewayClient.connect(gatewayUrl);
      await raw.next((p) => p.op === 10);
      raw.send(2, { token: standin.token, intents: GatewayIntentBits.Guilds, properties: {}, ...d });
      return raw.closed();
    };
    expect(await attempt({ token: 'not-the-token' })).toBe(4004);
    expect(await attempt({ shard: [2, 2] })).toBe(4010);
    expect(await attempt({ intents: GatewayIntentBits.MessageContent })).toBe(4014);
    expect(await attempt({ intents: 1 << 30 })).toBe(4013);
    const early = await RawGatewayClient.connect(gatewayUrl);
    await early.next((p) => p.op === 10);
    early.send(3, { status: 'online' });
    expect(await early.closed()).toBe(4003);
  });
});
