import { randomBytes } from 'node:crypto';
import { GatewayIntentBits } from 'discord-api-types/v10';
import type { APIChannel, APIGuild, APIUser, GatewayVoiceState } from 'discord-api-types/v10';
import { Gateway } from './gateway.ts';
import type { GatewaySession } from './gateway.ts';
import { RequestConformance, STRICT_RESPONSES_ENV } from './conformance/requests.ts';
import { specBody } from './conformance/spec.ts';
import { registerInteractionRoutes } from './interactions.ts';
import { RestServer } from './rest.ts';
import type { RateLimitRule, RequestLogEntry } from './rest.ts';
import { registerRoutes } from './routes.ts';
import { StandinState } from './state.ts';
import type { InteractionRecord, TimelineEntry } from './state.ts';
import { InteractionHandle, TestUser } from './users.ts';
import type { InteractionContext, Ref } from './users.ts';

/** A voice server the gateway points bots to (see test/standin/voice). */
export interface VoiceServerHook {
  grant(guildId: string, userId: string, sessionId: string, channelId: string): { token: string; endpoint: string };
  disconnect(guildId: string, userId: string): void;
}

export interface StandinOptions {
  /** The bot token clients must present; a random one by default. */
  token?: string;
  heartbeatIntervalMs?: number;
  /** Time a bot has to answer an interaction (Discord: 3 s). */
  ackDeadlineMs?: number;
  /** Upload limit per request in bytes (default 25 MiB). */
  attachmentSizeLimit?: number;
  maxContentLength?: number;
  /** Shard count GET /gateway/bot recommends. */
  recommendedShards?: number;
  /** Privileged intents enabled for the application (default: all three). */
  allowedPrivilegedIntents?: number;
  /** Also check the stand-in's own JSON answers against Discord's response schemas (default: STANDIN_STRICT_RESPONSES=1). */
  strictResponses?: boolean;
}

/**
 * A local Discord for end-to-end tests: the v10 gateway and REST API on one loopback port, plus an
 * API for tests to act as users and to see what they would see.
 */
export class DiscordStandin {
  readonly token: string;
  readonly state: StandinState;
  readonly gateway: Gateway;
  readonly rest: RestServer;
  /** Every request body checked against Discord's OpenAPI description and docs-only rules. */
  readonly conformance = new RequestConformance();
  private port = 0;
  private readonly options: Required<StandinOptions>;
  private readonly interactionContext: InteractionContext;
  /** Shared with the routes, so a change applies to the next request. */
  private readonly limits: { maxContentLength: number; attachmentSizeLimit: number };
  private voiceServer: VoiceServerHook | null = null;

  constructor(options: StandinOptions = {}) {
    this.options = {
      token: options.token ?? `${Buffer.from(randomBytes(9)).toString('base64url')}.standin.${randomBytes(20).toString('base64url')}`,
      heartbeatIntervalMs: options.heartbeatIntervalMs ?? 41_250,
      ackDeadlineMs: options.ackDeadlineMs ?? 3000,
      attachmentSizeLimit: options.attachmentSizeLimit ?? 25 * 1024 * 1024,
      maxContentLength: options.maxContentLength ?? 2000,
      recommendedShards: options.recommendedShards ?? 1,
      allowedPrivilegedIntents:
        options.allowedPrivilegedIntents ??
        GatewayIntentBits.GuildMembers | GatewayIntentBits.GuildPresences | GatewayIntentBits.MessageContent,
      strictResponses: options.strictResponses ?? process.env[STRICT_RESPONSES_ENV] === '1',
    };
    this.token = this.options.token;
    this.limits = { maxContentLength: this.options.maxContentLength, attachmentSizeLimit: this.options.attachmentSizeLimit };
    this.state = new StandinState({
      botToken: this.token,
      baseUrl: () => this.baseUrl,
      dispatch: (guildId, event, data) => this.gateway.dispatch(guildId, event, data),
    });
    this.gateway = new Gateway({
      token: this.token,
      botUser: this.state.botUser,
      applicationId: this.state.applicationId,
      heartbeatIntervalMs: this.options.heartbeatIntervalMs,
      allowedPrivilegedIntents: this.options.allowedPrivilegedIntents,
      guildIds: () => [...this.state.guilds.keys()],
      guildCreatePayload: (id) => this.state.guildCreatePayload(id),
      guildMembers: (id) => {
        const record = this.state.guilds.get(id);
        return record ? [...record.members.values()] : undefined;
      },
    });
    for (const event of ['ready', 'resumed', 'close', 'payload']) this.gateway.on(event, () => this.state.changed(`gateway:${event}`));
    this.gateway.on('voiceStateUpdate', (d: Record<string, unknown>) => this.onBotVoiceState(d));
    this.rest = new RestServer(
      this.token,
      (method, template, ctx) => this.conformance.check(method, template, ctx),
      this.options.strictResponses ? (method, template, status, json) => this.conformance.checkResponse(method, template, status, json) : undefined,
    );
    const limits = this.limits;
    registerRoutes(this.rest, {
      state: this.state,
      gateway: this.gateway,
      limits,
      recommendedShards: () => this.options.recommendedShards,
    });
    registerInteractionRoutes(this.rest, this.state, limits);
    this.rest.server.on('upgrade', (req, socket, head) => this.gateway.handleUpgrade(req, socket, head));
    this.interactionContext = {
      state: this.state,
      ackDeadlineMs: this.options.ackDeadlineMs,
      attachmentSizeLimit: this.options.attachmentSizeLimit,
      waitFor: (probe, timeoutMs, what) => this.waitFor(probe, timeoutMs, what),
    };
  }

  /** The upload limit from now on: for uploads, and in the `attachment_size_limit` of new interactions. */
  setAttachmentSizeLimit(bytes: number): void {
    this.limits.attachmentSizeLimit = bytes;
    this.interactionContext.attachmentSizeLimit = bytes;
  }

  async start(): Promise<this> {
    if (this.port) throw new Error('The stand-in is already started.');
    // Compiling the spec's validators takes a while once per process: not during a test's requests.
    for (const [method, template] of this.rest.routeList()) specBody(method, template);
    this.port = await this.rest.listen();
    this.gateway.attach(`ws://127.0.0.1:${this.port}`);
    return this;
  }

  /** Stops the stand-in; with `label`, its conformance counts go to STANDIN_CONFORMANCE_LOG. */
  async stop(label = 'standin'): Promise<void> {
    this.conformance.report(label);
    await this.gateway.close();
    await this.rest.close();
    this.state.removeAllListeners();
  }

  get baseUrl(): string {
    if (!this.port) throw new Error('The stand-in is not started: await standin.start() first.');
    return `http://127.0.0.1:${this.port}`;
  }

  /** The value for discord.js's `rest.api` option. */
  get apiUrl(): string {
    return `${this.baseUrl}/api`;
  }

  get botUser(): APIUser {
    return this.state.botUser;
  }

  get applicationId(): string {
    return this.state.applicationId;
  }

  /** Options to spread into `new Client({...})` so discord.js talks to the stand-in. */
  clientOptions(): { rest: { api: string } } {
    return { rest: { api: this.apiUrl } };
  }

  /** With a voice server attached, the bot's op 4 into a channel is answered with VOICE_SERVER_UPDATE too. */
  attachVoiceServer(server: VoiceServerHook): void {
    this.voiceServer = server;
  }

  // World building.

  createUser(username: string): TestUser {
    return new TestUser(this.interactionContext, this.state.createUser({ username }));
  }

  /** Creates a guild the bot is in (GUILD_CREATE goes to connected sessions of its shard). */
  createGuild(name: string, options: { id?: string } = {}): APIGuild {
    return this.state.createGuild({ name, ...options }).guild;
  }

  createChannel(guild: Ref, name: string, type: 'text' | 'voice' = 'text'): APIChannel {
    return this.state.createChannel(typeof guild === 'string' ? guild : guild.id, { name, type });
  }

  addMember(guild: Ref, user: TestUser | APIUser): void {
    this.state.addMember(typeof guild === 'string' ? guild : guild.id, 'user' in user ? user.user : user);
  }

  react(user: TestUser, message: Parameters<TestUser['react']>[0], emoji: string): void {
    user.react(message, emoji);
  }

  unreact(user: TestUser, message: Parameters<TestUser['unreact']>[0], emoji: string): void {
    user.unreact(message, emoji);
  }

  // Observation.

  interaction(id: string): InteractionRecord | undefined {
    return this.state.interactions.get(id);
  }

  get timeline(): readonly TimelineEntry[] {
    return this.state.timeline;
  }

  get requests(): readonly RequestLogEntry[] {
    return this.rest.log;
  }

  sessions(): GatewaySession[] {
    return [...this.gateway.sessions.values()];
  }

  /**
   * Resolves with the first truthy value of `probe`, checked now and after every change to the
   * stand-in's state; rejects after `timeoutMs` naming what was awaited.
   */
  waitFor<T>(probe: () => T | undefined | false | null, timeoutMs = 5000, what = 'the condition'): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = () => {
        let value: T | undefined | false | null;
        try {
          value = probe();
        } catch (error) {
          finish();
          reject(error);
          return;
        }
        if (value !== undefined && value !== false && value !== null) {
          finish();
          resolve(value);
        }
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`Timed out after ${timeoutMs} ms waiting for ${what}.`));
      }, timeoutMs);
      const poll = setInterval(check, 50);
      const finish = () => {
        clearTimeout(timer);
        clearInterval(poll);
        this.state.off('change', check);
      };
      this.state.on('change', check);
      check();
    });
  }

  /** Waits until `count` shards of `shardCount` have an identified session with an open socket. */
  waitForSessions(count: number, timeoutMs = 10_000): Promise<GatewaySession[]> {
    return this.waitFor(
      () => {
        const live = this.sessions().filter((s) => s.connection && !s.invalidated);
        return live.length >= count ? live : undefined;
      },
      timeoutMs,
      `${count} live gateway session(s)`,
    );
  }

  // Test hooks.

  /** Cuts a shard's socket (code omitted: abrupt TCP close, client sees 1006) so the client resumes. */
  dropSocket(shardId = 0, code?: number): void {
    this.gateway.dropConnection(shardId, code);
  }

  invalidateSession(shardId = 0, resumable = false): void {
    this.gateway.invalidateSession(shardId, resumable);
  }

  requestReconnect(shardId = 0): void {
    this.gateway.requestReconnect(shardId);
  }

  /** Sends a dispatch routed like a real one (by guild shard and intents). */
  dispatch(guildId: string | null, event: string, data: unknown): number {
    return this.gateway.dispatch(guildId, event, data);
  }

  /** Sends an arbitrary dispatch straight to one shard. */
  sendToShard(shardId: number, event: string, data: unknown): void {
    this.gateway.sendToShard(shardId, event, data);
  }

  setRateLimit(route: string, rule: RateLimitRule): void {
    this.rest.setRateLimit(route, rule);
  }

  /** The bot's own op 4 VOICE_STATE_UPDATE: recorded and echoed as a dispatch, plus VOICE_SERVER_UPDATE when a voice server is attached. */
  private onBotVoiceState(d: Record<string, unknown>): void {
    const guildId = String(d.guild_id);
    const record = this.state.guilds.get(guildId);
    if (!record) return;
    const member = record.members.get(this.state.botUser.id)!;
    const voiceState: GatewayVoiceState = {
      guild_id: guildId,
      channel_id: (d.channel_id as string | null) ?? null,
      user_id: this.state.botUser.id,
      member,
      session_id: randomBytes(16).toString('hex'),
      deaf: false,
      mute: false,
      self_deaf: Boolean(d.self_deaf),
      self_mute: Boolean(d.self_mute),
      self_video: false,
      suppress: false,
      request_to_speak_timestamp: null,
    };
    if (voiceState.channel_id) record.voiceStates.set(voiceState.user_id, voiceState);
    else record.voiceStates.delete(voiceState.user_id);
    this.state.changed('voice');
    this.state.dispatch(guildId, 'VOICE_STATE_UPDATE', voiceState);
    if (!this.voiceServer) return;
    if (voiceState.channel_id) {
      const { token, endpoint } = this.voiceServer.grant(guildId, voiceState.user_id, voiceState.session_id, voiceState.channel_id);
      this.state.dispatch(guildId, 'VOICE_SERVER_UPDATE', { token, guild_id: guildId, endpoint });
    } else {
      this.voiceServer.disconnect(guildId, voiceState.user_id);
    }
  }
}

export { InteractionHandle, TestUser };
