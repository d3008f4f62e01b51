import { EventEmitter } from 'node:events';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { constants as zlibConstants, createDeflate, deflateSync } from 'node:zlib';
import type { Deflate } from 'node:zlib';
import { GatewayCloseCodes, GatewayIntentBits, GatewayOpcodes } from 'discord-api-types/v10';
import type { APIGuildMember, APIUser, ApplicationFlags, GatewayReadyDispatchData } from 'discord-api-types/v10';
import { WebSocket, WebSocketServer } from 'ws';
import type { RawData } from 'ws';
import { shardOfGuild } from './snowflake.ts';

const PRIVILEGED_INTENTS =
  GatewayIntentBits.GuildMembers | GatewayIntentBits.GuildPresences | GatewayIntentBits.MessageContent;
const KNOWN_INTENTS = Object.values(GatewayIntentBits)
  .filter((bit): bit is number => typeof bit === 'number')
  .reduce((all, bit) => all | bit, 0);

/** Which intent a dispatch needs, for guild events and for DM events; undefined = always sent. */
const EVENT_INTENTS: Record<string, [guild: number, dm: number] | undefined> = {
  GUILD_CREATE: [GatewayIntentBits.Guilds, 0],
  GUILD_UPDATE: [GatewayIntentBits.Guilds, 0],
  GUILD_DELETE: [GatewayIntentBits.Guilds, 0],
  CHANNEL_CREATE: [GatewayIntentBits.Guilds, 0],
  CHANNEL_UPDATE: [GatewayIntentBits.Guilds, 0],
  CHANNEL_DELETE: [GatewayIntentBits.Guilds, 0],
  GUILD_MEMBER_ADD: [GatewayIntentBits.GuildMembers, 0],
  GUILD_MEMBER_UPDATE: [GatewayIntentBits.GuildMembers, 0],
  GUILD_MEMBER_REMOVE: [GatewayIntentBits.GuildMembers, 0],
  VOICE_STATE_UPDATE: [GatewayIntentBits.GuildVoiceStates, 0],
  MESSAGE_CREATE: [GatewayIntentBits.GuildMessages, GatewayIntentBits.DirectMessages],
  MESSAGE_UPDATE: [GatewayIntentBits.GuildMessages, GatewayIntentBits.DirectMessages],
  MESSAGE_DELETE: [GatewayIntentBits.GuildMessages, GatewayIntentBits.DirectMessages],
  MESSAGE_REACTION_ADD: [GatewayIntentBits.GuildMessageReactions, GatewayIntentBits.DirectMessageReactions],
  MESSAGE_REACTION_REMOVE: [GatewayIntentBits.GuildMessageReactions, GatewayIntentBits.DirectMessageReactions],
};

export interface GatewayOptions {
  token: string;
  botUser: APIUser;
  applicationId: string;
  heartbeatIntervalMs: number;
  /** Privileged intents the application is allowed to ask for (GuildMembers, GuildPresences, MessageContent). */
  allowedPrivilegedIntents: number;
  /** Guild ids the bot is in, in creation order. */
  guildIds: () => string[];
  guildCreatePayload: (guildId: string) => unknown;
  guildMembers: (guildId: string) => APIGuildMember[] | undefined;
  /** Dispatches kept per session for RESUME. */
  replayBufferSize?: number;
}

interface BufferedDispatch {
  s: number;
  t: string;
  d: unknown;
}

export interface GatewaySession {
  id: string;
  shard: [id: number, count: number];
  intents: number;
  seq: number;
  buffer: BufferedDispatch[];
  connection: Connection | null;
  invalidated: boolean;
  identifiedAt: number;
  resumes: number;
}

interface Connection {
  socket: WebSocket;
  path: string;
  compress: 'zlib-stream' | 'identify' | 'none';
  deflate: Deflate | null;
  sendChain: Promise<void>;
  session: GatewaySession | null;
  closedByServer: boolean;
  lastHeartbeatAt: number;
  heartbeatTimer: NodeJS.Timeout;
}

export interface ReceivedPayload {
  at: number;
  op: number;
  d: unknown;
  sessionId: string | null;
  path: string;
}

/**
 * Discord's v10 gateway on a real websocket: HELLO, IDENTIFY, heartbeats, READY, lazy GUILD_CREATEs,
 * RESUME with replay, INVALID_SESSION, sequence numbers, intents, sharding and optional zlib-stream.
 */
export class Gateway extends EventEmitter {
  readonly sessions = new Map<string, GatewaySession>();
  readonly received: ReceivedPayload[] = [];
  private readonly server = new WebSocketServer({ noServer: true });
  private readonly connections = new Set<Connection>();
  private baseUrl = '';
  private sessionCounter = 0;
  identifyCount = 0;

  constructor(private readonly options: GatewayOptions) {
    super();
  }

  /** Gateway URL handed out by GET /gateway/bot; the resume URL is a different path on the same port. */
  get url(): string {
    return `${this.baseUrl}/gateway`;
  }

  get resumeUrl(): string {
    return `${this.baseUrl}/gateway-resume`;
  }

  attach(wsBaseUrl: string): void {
    this.baseUrl = wsBaseUrl;
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://standin.invalid');
    if (url.pathname !== '/gateway' && url.pathname !== '/gateway-resume') {
      socket.end('HTTP/1.1 404 Not Found\r\n\r\n');
      return;
    }
    this.server.handleUpgrade(req, socket, head, (ws) => this.onConnection(ws, url));
  }

  private onConnection(socket: WebSocket, url: URL): void {
    const compress = url.searchParams.get('compress');
    const connection: Connection = {
      socket,
      path: url.pathname,
      compress: compress === 'zlib-stream' ? 'zlib-stream' : 'none',
      deflate: compress === 'zlib-stream' ? createDeflate({ flush: zlibConstants.Z_SYNC_FLUSH }) : null,
      sendChain: Promise.resolve(),
      session: null,
      closedByServer: false,
      lastHeartbeatAt: Date.now(),
      heartbeatTimer: setInterval(() => this.checkHeartbeat(connection), this.options.heartbeatIntervalMs),
    };
    this.connections.add(connection);
    socket.on('close', (code) => this.onClose(connection, code));
    socket.on('error', () => undefined);
    if (url.searchParams.get('v') !== '10') {
      this.closeConnection(connection, GatewayCloseCodes.InvalidAPIVersion, 'Invalid API version: only v=10 is served.');
      return;
    }
    const encoding = url.searchParams.get('encoding') ?? 'json';
    if (encoding !== 'json') {
      this.closeConnection(connection, GatewayCloseCodes.DecodeError, `Unsupported encoding ${encoding}: this gateway speaks json only.`);
      return;
    }
    if (compress !== null && compress !== 'zlib-stream') {
      this.closeConnection(connection, GatewayCloseCodes.DecodeError, `Unsupported compress=${compress}: use zlib-stream or none.`);
      return;
    }
    socket.on('message', (data, isBinary) => this.onMessage(connection, data, isBinary));
    this.send(connection, { op: GatewayOpcodes.Hello, d: { heartbeat_interval: this.options.heartbeatIntervalMs } });
  }

  private checkHeartbeat(connection: Connection): void {
    // A client that stops heartbeating is a zombie; Discord drops it and the session stays resumable.
    if (Date.now() - connection.lastHeartbeatAt > this.options.heartbeatIntervalMs * 2)
      this.closeConnection(connection, GatewayCloseCodes.SessionTimedOut, 'No heartbeat received in time.');
  }

  private closeConnection(connection: Connection, code: number, reason: string): void {
    connection.closedByServer = true;
    connection.socket.close(code, reason);
  }

  private onClose(connection: Connection, code: number): void {
    clearInterval(connection.heartbeatTimer);
    // A client closing with 1000/1001 ends its session (Discord's rule); other codes keep it resumable.
    if (connection.session && !connection.closedByServer && (code === 1000 || code === 1001)) connection.session.invalidated = true;
    connection.deflate?.close();
    this.connections.delete(connection);
    if (connection.session?.connection === connection) connection.session.connection = null;
    this.emit('close', connection.session?.id ?? null);
  }

  private send(connection: Connection, payload: Record<string, unknown>): void {
    const json = JSON.stringify(payload);
    const { socket } = connection;
    if (connection.compress === 'identify') {
      if (socket.readyState === WebSocket.OPEN) socket.send(deflateSync(json));
      return;
    }
    const deflate = connection.deflate;
    if (!deflate) {
      if (socket.readyState === WebSocket.OPEN) socket.send(json);
      return;
    }
    // One shared zlib context per connection; each payload ends with a sync flush (00 00 ff ff).
    connection.sendChain = connection.sendChain.then(
      () =>
        new Promise<void>((resolve) => {
          const chunks: Buffer[] = [];
          const onData = (chunk: Buffer) => chunks.push(chunk);
          deflate.on('data', onData);
          deflate.write(json);
          deflate.flush(zlibConstants.Z_SYNC_FLUSH, () => {
            deflate.off('data', onData);
            if (socket.readyState === WebSocket.OPEN) socket.send(Buffer.concat(chunks));
            resolve();
          });
        }),
    );
  }

  private onMessage(connection: Connection, data: RawData, isBinary: boolean): void {
    let payload: { op?: unknown; d?: unknown };
    try {
      if (isBinary) throw new Error('binary frames are not accepted');
      payload = JSON.parse(data.toString()) as { op?: unknown; d?: unknown };
    } catch {
      this.closeConnection(connection, GatewayCloseCodes.DecodeError, 'Payload is not valid JSON text.');
      return;
    }
    const op = typeof payload.op === 'number' ? payload.op : -1;
    this.received.push({ at: Date.now(), op, d: payload.d, sessionId: connection.session?.id ?? null, path: connection.path });
    this.emit('payload', op, payload.d);
    switch (op) {
      case GatewayOpcodes.Heartbeat:
        connection.lastHeartbeatAt = Date.now();
        this.send(connection, { op: GatewayOpcodes.HeartbeatAck });
        return;
      case GatewayOpcodes.Identify:
        this.identify(connection, payload.d as Record<string, unknown>);
        return;
      case GatewayOpcodes.Resume:
        this.resume(connection, payload.d as Record<string, unknown>);
        return;
    }
    if (!connection.session) {
      this.closeConnection(connection, GatewayCloseCodes.NotAuthenticated, 'Sent a payload before IDENTIFY or RESUME.');
      return;
    }
    switch (op) {
      case GatewayOpcodes.PresenceUpdate:
      case GatewayOpcodes.RequestSoundboardSounds:
        return;
      case GatewayOpcodes.RequestGuildMembers:
        this.sendMemberChunk(connection.session, payload.d as Record<string, unknown>);
        return;
      case GatewayOpcodes.VoiceStateUpdate:
        this.emit('voiceStateUpdate', payload.d, connection.session);
        return;
      default:
        this.closeConnection(connection, GatewayCloseCodes.UnknownOpcode, `Unknown opcode ${String(payload.op)}.`);
    }
  }

  private identify(connection: Connection, d: Record<string, unknown>): void {
    const close = (code: number, reason: string) => this.closeConnection(connection, code, reason);
    if (connection.session) return close(GatewayCloseCodes.AlreadyAuthenticated, 'Already identified on this connection.');
    if (!d || d.token !== this.options.token) return close(GatewayCloseCodes.AuthenticationFailed, 'Authentication failed.');
    const intents = d.intents;
    if (typeof intents !== 'number' || !Number.isInteger(intents) || intents < 0 || (intents & ~KNOWN_INTENTS) !== 0)
      return close(GatewayCloseCodes.InvalidIntents, 'Invalid intent(s): send a bitfield of known intents.');
    if ((intents & PRIVILEGED_INTENTS & ~this.options.allowedPrivilegedIntents) !== 0)
      return close(GatewayCloseCodes.DisallowedIntents, 'Disallowed intent(s): a privileged intent is not enabled for this application.');
    const shard = d.shard ?? [0, 1];
    if (
      !Array.isArray(shard) ||
      shard.length !== 2 ||
      !shard.every((n) => Number.isInteger(n)) ||
      shard[1] < 1 ||
      shard[0] < 0 ||
      shard[0] >= shard[1]
    )
      return close(GatewayCloseCodes.InvalidShard, 'Invalid shard: send [shard_id, shard_count] with 0 <= id < count.');
    if (d.compress === true) connection.compress = 'identify';
    this.identifyCount += 1;
    const session: GatewaySession = {
      id: `session-${++this.sessionCounter}-${Math.random().toString(36).slice(2, 10)}`,
      shard: [shard[0], shard[1]],
      intents,
      seq: 0,
      buffer: [],
      connection,
      invalidated: false,
      identifiedAt: Date.now(),
      resumes: 0,
    };
    this.sessions.set(session.id, session);
    connection.session = session;
    const guildIds = this.options.guildIds().filter((id) => this.onShard(session, id));
    const ready: GatewayReadyDispatchData & Record<string, unknown> = {
      v: 10,
      user: this.options.botUser,
      guilds: guildIds.map((id) => ({ id, unavailable: true })),
      session_id: session.id,
      session_type: 'normal',
      resume_gateway_url: this.resumeUrl,
      shard: session.shard,
      application: { id: this.options.applicationId, flags: 0 as ApplicationFlags, flags_new: '0' },
      private_channels: [],
      relationships: [],
      presences: [],
      guild_join_requests: [],
      user_settings: {},
    };
    this.push(session, 'READY', ready);
    for (const id of guildIds) this.push(session, 'GUILD_CREATE', this.options.guildCreatePayload(id));
    this.emit('ready', session);
  }

  private resume(connection: Connection, d: Record<string, unknown>): void {
    if (connection.session) return this.closeConnection(connection, GatewayCloseCodes.AlreadyAuthenticated, 'Already authenticated on this connection.');
    const session = typeof d?.session_id === 'string' ? this.sessions.get(d.session_id) : undefined;
    const seq = typeof d?.seq === 'number' ? d.seq : 0;
    const oldest = session?.buffer[0]?.s ?? 1;
    if (!session || session.invalidated || d.token !== this.options.token || seq < oldest - 1) {
      this.send(connection, { op: GatewayOpcodes.InvalidSession, d: false });
      return;
    }
    if (seq > session.seq) return this.closeConnection(connection, GatewayCloseCodes.InvalidSeq, 'Invalid seq: ahead of the session.');
    if (session.connection && session.connection !== connection) {
      const old = session.connection;
      old.session = null;
      this.closeConnection(old, GatewayCloseCodes.SessionTimedOut, 'Session resumed elsewhere.');
    }
    session.connection = connection;
    session.resumes += 1;
    connection.session = session;
    for (const event of session.buffer) {
      if (event.s > seq) this.send(connection, { op: GatewayOpcodes.Dispatch, t: event.t, s: event.s, d: event.d });
    }
    this.push(session, 'RESUMED', {});
    this.emit('resumed', session);
  }

  /** Answers op 8 with one GUILD_MEMBERS_CHUNK (by user_ids, or by username prefix with a limit). */
  private sendMemberChunk(session: GatewaySession, d: Record<string, unknown>): void {
    const guildId = String(d?.guild_id);
    const members = this.options.guildMembers(guildId);
    if (!members || !this.onShard(session, guildId)) return;
    const query = typeof d.query === 'string' ? d.query.toLowerCase() : '';
    const limit = typeof d.limit === 'number' && d.limit > 0 ? d.limit : Infinity;
    const wanted = d.user_ids === undefined ? null : new Set([d.user_ids].flat().map(String));
    if (wanted === null && query === '' && !(session.intents & GatewayIntentBits.GuildMembers))
      return this.closeConnection(session.connection!, GatewayCloseCodes.DisallowedIntents, 'Requesting all members needs the GuildMembers intent.');
    const found = wanted
      ? members.filter((m) => wanted.has(m.user.id))
      : members.filter((m) => m.user.username.toLowerCase().startsWith(query)).slice(0, limit);
    const chunk: Record<string, unknown> = { guild_id: guildId, members: found, chunk_index: 0, chunk_count: 1 };
    if (wanted) chunk.not_found = [...wanted].filter((id) => !found.some((m) => m.user.id === id));
    if (d.nonce !== undefined) chunk.nonce = d.nonce;
    this.push(session, 'GUILD_MEMBERS_CHUNK', chunk);
  }

  private onShard(session: GatewaySession, guildId: string | null): boolean {
    const [id, count] = session.shard;
    return guildId === null ? id === 0 : shardOfGuild(guildId, count) === id;
  }

  private wants(session: GatewaySession, guildId: string | null, event: string): boolean {
    const needed = EVENT_INTENTS[event];
    if (!needed) return true;
    const bit = guildId === null ? needed[1] : needed[0];
    return bit === 0 || (session.intents & bit) !== 0;
  }

  private push(session: GatewaySession, t: string, d: unknown): void {
    session.seq += 1;
    const event = { s: session.seq, t, d };
    session.buffer.push(event);
    const limit = this.options.replayBufferSize ?? 1000;
    if (session.buffer.length > limit) session.buffer.splice(0, session.buffer.length - limit);
    if (session.connection) this.send(session.connection, { op: GatewayOpcodes.Dispatch, t, s: event.s, d });
  }

  /** Sends a dispatch to every live session of the guild's shard (DMs and guild-less events: shard 0). */
  dispatch(guildId: string | null, t: string, d: unknown): number {
    let delivered = 0;
    for (const session of this.sessions.values()) {
      if (session.invalidated || !this.onShard(session, guildId) || !this.wants(session, guildId, t)) continue;
      this.push(session, t, this.filterContent(session, t, d));
      delivered += 1;
    }
    return delivered;
  }

  /** Without the MESSAGE_CONTENT intent, messages arrive without content unless the bot wrote them or is mentioned. */
  private filterContent(session: GatewaySession, t: string, d: unknown): unknown {
    if ((t !== 'MESSAGE_CREATE' && t !== 'MESSAGE_UPDATE') || session.intents & GatewayIntentBits.MessageContent) return d;
    const message = d as { author?: { id: string }; mentions?: { id: string }[]; guild_id?: string };
    const botId = this.options.botUser.id;
    if (!message.guild_id || message.author?.id === botId || message.mentions?.some((user) => user.id === botId)) return d;
    return { ...message, content: '', embeds: [], attachments: [], components: [] };
  }

  sessionOfShard(shardId: number, shardCount?: number): GatewaySession | undefined {
    return [...this.sessions.values()]
      .reverse()
      .find((s) => !s.invalidated && s.shard[0] === shardId && (shardCount === undefined || s.shard[1] === shardCount));
  }

  private requireSession(shardId: number): GatewaySession {
    const session = this.sessionOfShard(shardId);
    if (!session) throw new Error(`No gateway session for shard ${shardId}: log a client in first.`);
    return session;
  }

  /**
   * Drops a shard's socket. Without a code the TCP connection is cut (the client sees 1006); with a
   * code the socket is closed with it. The session stays resumable.
   */
  dropConnection(shardId: number, code?: number): void {
    const connection = this.requireSession(shardId).connection;
    if (!connection) throw new Error(`Shard ${shardId} has no open socket to drop.`);
    if (code === undefined) connection.socket.terminate();
    else this.closeConnection(connection, code, 'Closed by the test.');
  }

  /** Sends INVALID_SESSION; with resumable false the session can no longer be resumed. */
  invalidateSession(shardId: number, resumable = false): void {
    const session = this.requireSession(shardId);
    if (!resumable) session.invalidated = true;
    if (session.connection) this.send(session.connection, { op: GatewayOpcodes.InvalidSession, d: resumable });
  }

  /** Sends op 7 RECONNECT: the client should close and resume. */
  requestReconnect(shardId: number): void {
    const connection = this.requireSession(shardId).connection;
    if (connection) this.send(connection, { op: GatewayOpcodes.Reconnect, d: null });
  }

  /** Sends an arbitrary dispatch to one shard's session, bypassing intent and shard routing. */
  sendToShard(shardId: number, t: string, d: unknown): void {
    this.push(this.requireSession(shardId), t, d);
  }

  async close(): Promise<void> {
    for (const connection of this.connections) {
      clearInterval(connection.heartbeatTimer);
      connection.socket.terminate();
    }
    this.connections.clear();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
