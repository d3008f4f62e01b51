/**
 * The voice side of the stand-in: a voice gateway (wss, v8) and a UDP media endpoint, as the
 * VOICE_SERVER_UPDATE endpoint points clients to. It performs IP discovery, offers the rtpsize
 * AEAD modes, hands out a session key, decrypts RTP and decodes the Opus into PCM per guild.
 * With clients that offer DAVE it negotiates protocol version 1 (dave-call.ts) and decodes only
 * the E2EE frames a member of the call can decrypt; `daveMembers: 0` answers version 0 instead
 * (transport encryption only, as for a call without E2EE).
 */
import { randomBytes, randomInt } from 'node:crypto';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { EventEmitter } from 'node:events';
import { createServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { decryptAes256GcmRtpSize, decryptXChaCha20RtpSize, discoveryResponse, isRtp, parseDiscoveryRequest, RtpDecryptError } from './rtp.ts';
import { ReceivedAudio } from './sink.ts';
import { selfSignedCertificate, type TestCertificate } from './tls.ts';
import { DaveCall } from './dave-call.ts';
import { DaveExternalSender } from './dave.ts';

export const VoiceOp = {
  Identify: 0,
  SelectProtocol: 1,
  Ready: 2,
  Heartbeat: 3,
  SessionDescription: 4,
  Speaking: 5,
  HeartbeatAck: 6,
  Resume: 7,
  Hello: 8,
  Resumed: 9,
  ClientsConnect: 11,
  ClientDisconnect: 13,
} as const;

export const AES_GCM_RTPSIZE = 'aead_aes256_gcm_rtpsize';
export const XCHACHA_RTPSIZE = 'aead_xchacha20_poly1305_rtpsize';

export interface VoiceStandinOptions {
  heartbeatIntervalMs?: number;
  /** Modes offered in READY, in order of preference (clients take the first they support). */
  modes?: string[];
  /** Like Discord since March 2026: close with 4017 when IDENTIFY offers no DAVE support (default true). */
  requireDaveCapable?: boolean;
  /**
   * Negotiate DAVE (protocol version 1) with clients that support it, with this many other members
   * in each call (davey sessions held by the stand-in, the first of which decrypts the bot's frames).
   * 0: answer dave_protocol_version 0 (transport encryption only). Default 1.
   */
  daveMembers?: number;
}

interface Grant {
  guildId: string;
  userId: string;
  sessionId: string;
  /** The voice channel: DAVE's MLS group id. */
  channelId: string;
}

interface VoiceSession extends Grant {
  token: string;
  ssrc: number;
  ws: WebSocket | null;
  seq: number;
  mode?: string;
  secretKey?: Buffer;
  maxDaveProtocolVersion?: number;
  speaking: boolean;
  /** Numbered messages sent, kept for a buffered resume (v8). */
  sent: { seq: number; data: string | Buffer }[];
  dave?: DaveCall;
  /** The last seq_ack the client sent (heartbeat or resume); -1 before any. */
  seqAck: number;
}

/** Numbered messages kept per session for a buffered resume. */
const RESUME_BUFFER = 64;
/** What a client may send (JSON); the binary DAVE ones (26, 28) come as binary frames. */
const CLIENT_OPS = new Set([0, 1, 3, 5, 7, 23, 31]);

export interface VoiceLogEntry {
  guildId: string;
  direction: 'in' | 'out' | 'close';
  op: number;
  d: unknown;
}

export class VoiceStandin extends EventEmitter {
  readonly log: VoiceLogEntry[] = [];
  /** Decoded audio per guild, across reconnects. */
  readonly received = new Map<string, ReceivedAudio>();
  /** UDP datagrams that failed decryption, per guild. */
  readonly decryptFailures = new Map<string, number>();
  private readonly grants = new Map<string, Grant>();
  private readonly sessions = new Map<string, VoiceSession>();
  private readonly bySsrc = new Map<number, VoiceSession>();
  private https: HttpsServer | null = null;
  private wss: WebSocketServer | null = null;
  private udp: UdpSocket | null = null;
  private wsPort = 0;
  private udpPort = 0;
  private readonly options: Required<VoiceStandinOptions>;
  private externalSender: DaveExternalSender | null = null;
  /** DAVE steps that failed (a commit or welcome a member could not process...). */
  readonly daveErrors: string[] = [];

  constructor(options: VoiceStandinOptions = {}) {
    super();
    this.options = {
      heartbeatIntervalMs: options.heartbeatIntervalMs ?? 13_750,
      modes: options.modes ?? [AES_GCM_RTPSIZE, XCHACHA_RTPSIZE],
      requireDaveCapable: options.requireDaveCapable ?? true,
      daveMembers: options.daveMembers ?? 1,
    };
  }

  async start(certificate: TestCertificate = selfSignedCertificate()): Promise<this> {
    this.externalSender = await DaveExternalSender.create();
    this.https = createServer({ key: certificate.key, cert: certificate.cert });
    this.wss = new WebSocketServer({ server: this.https });
    this.wss.on('connection', (ws) => this.onConnection(ws));
    await new Promise<void>((res) => this.https!.listen(0, '127.0.0.1', res));
    this.wsPort = (this.https.address() as AddressInfo).port;
    this.udp = createSocket('udp4');
    this.udp.on('message', (msg, rinfo) => this.onDatagram(msg, rinfo.address, rinfo.port));
    await new Promise<void>((res) => this.udp!.bind(0, '127.0.0.1', res));
    this.udpPort = this.udp.address().port;
    return this;
  }

  async stop(): Promise<void> {
    for (const s of this.sessions.values()) s.ws?.terminate();
    this.wss?.close();
    await new Promise<void>((res) => (this.https ? this.https.close(() => res()) : res()));
    this.https?.closeAllConnections();
    await new Promise<void>((res) => (this.udp ? this.udp.close(() => res()) : res()));
    this.removeAllListeners();
  }

  /** host:port, as VOICE_SERVER_UPDATE's endpoint field carries it (clients add wss:// and ?v=8). */
  get endpoint(): string {
    if (!this.wsPort) throw new Error('The voice stand-in is not started: await voice.start() first.');
    return `127.0.0.1:${this.wsPort}`;
  }

  /** Called by the gateway when a user's op 4 puts it in a channel: the token it must IDENTIFY with. */
  grant(guildId: string, userId: string, sessionId: string, channelId = '0'): { token: string; endpoint: string } {
    const token = randomBytes(8).toString('hex');
    this.grants.set(token, { guildId, userId, sessionId, channelId });
    return { token, endpoint: this.endpoint };
  }

  /** The user left voice in that guild: its voice session ends (Discord closes with 4014). */
  disconnect(guildId: string, userId: string): void {
    const session = this.sessions.get(`${guildId}:${userId}`);
    if (!session) return;
    this.endSession(session, 4014);
  }

  /** Kills a guild's voice websocket without a close frame (clients see 1006 and RESUME). */
  dropSocket(guildId: string): void {
    for (const s of this.sessions.values()) {
      if (s.guildId !== guildId) continue;
      s.ws?.terminate();
      s.ws = null; // from now on, numbered messages wait in the buffer for the resume
    }
  }

  /** Closes a guild's voice session with a code that forbids resuming (e.g. 4006 session no longer valid). */
  invalidateSession(guildId: string, code = 4006): void {
    for (const s of [...this.sessions.values()]) if (s.guildId === guildId) this.endSession(s, code);
  }

  audio(guildId: string): ReceivedAudio {
    let a = this.received.get(guildId);
    if (!a) {
      a = new ReceivedAudio();
      this.received.set(guildId, a);
    }
    return a;
  }

  sessionOf(guildId: string): { mode?: string; maxDaveProtocolVersion?: number; ssrc: number; connected: boolean; seq: number; seqAck: number } | undefined {
    const s = [...this.sessions.values()].find((x) => x.guildId === guildId);
    return s && { mode: s.mode, maxDaveProtocolVersion: s.maxDaveProtocolVersion, ssrc: s.ssrc, connected: s.ws !== null, seq: s.seq, seqAck: s.seqAck };
  }

  private endSession(session: VoiceSession, code: number): void {
    this.sessions.delete(`${session.guildId}:${session.userId}`);
    this.bySsrc.delete(session.ssrc);
    this.log.push({ guildId: session.guildId, direction: 'close', op: -1, d: { code } });
    session.ws?.close(code);
    session.ws = null;
  }

  private send(session: VoiceSession, ws: WebSocket | null, op: number, d: unknown): void {
    session.seq += 1;
    this.log.push({ guildId: session.guildId, direction: 'out', op, d });
    this.transmit(session, ws, JSON.stringify({ op, d, seq: session.seq }));
  }

  /** A binary DAVE message: seq (u16), opcode (u8), payload. */
  private sendBinary(session: VoiceSession, op: number, payload: Buffer): void {
    session.seq += 1;
    this.log.push({ guildId: session.guildId, direction: 'out', op, d: { bytes: payload.length } });
    const head = Buffer.alloc(3);
    head.writeUInt16BE(session.seq & 0xffff);
    head[2] = op;
    this.transmit(session, session.ws, Buffer.concat([head, payload]));
  }

  private transmit(session: VoiceSession, ws: WebSocket | null, data: string | Buffer): void {
    session.sent.push({ seq: session.seq, data });
    if (session.sent.length > RESUME_BUFFER) session.sent.shift();
    ws?.send(data);
  }

  /** The DAVE state of a guild's voice session (undefined without DAVE). */
  daveOf(guildId: string): DaveCall | undefined {
    return [...this.sessions.values()].find((x) => x.guildId === guildId)?.dave;
  }

  private startDave(session: VoiceSession): void {
    if (!this.externalSender) throw new Error('the voice stand-in has no DAVE external sender: start() it first');
    const wire = { json: (op: number, d: unknown) => this.send(session, session.ws, op, d), binary: (op: number, payload: Buffer) => this.sendBinary(session, op, payload) };
    const onError = (err: unknown) => {
      this.daveErrors.push(err instanceof Error ? err.message : String(err));
      this.emit('daveError', err);
    };
    session.dave = new DaveCall(this.externalSender, wire, session.userId, session.channelId, this.options.daveMembers, onError);
  }

  /** Sends a numbered message to a guild's voice session(s) now, or on its resume if its socket is down. */
  sendToGuild(guildId: string, op: number, d: unknown): number {
    let sent = 0;
    for (const s of this.sessions.values()) {
      if (s.guildId !== guildId) continue;
      this.send(s, s.ws, op, d);
      sent++;
    }
    return sent;
  }

  private onConnection(ws: WebSocket): void {
    let session: VoiceSession | null = null;
    ws.send(JSON.stringify({ op: VoiceOp.Hello, d: { heartbeat_interval: this.options.heartbeatIntervalMs } }));
    ws.on('message', (raw, isBinary) => {
      if (isBinary) {
        const bytes = Buffer.isBuffer(raw) ? raw : Buffer.from(raw as ArrayBuffer);
        if (!session) return ws.close(4003, 'Not authenticated');
        this.log.push({ guildId: session.guildId, direction: 'in', op: bytes[0], d: { bytes: bytes.length - 1 } });
        if (!session.dave) return ws.close(4020, 'Bad request: binary DAVE message without a DAVE session');
        return session.dave.onBinary(bytes[0], bytes.subarray(1));
      }
      let packet: { op: number; d: Record<string, unknown> };
      try {
        packet = JSON.parse(raw.toString()) as typeof packet;
      } catch {
        return ws.close(4002, 'Failed to decode payload');
      }
      const d = packet.d ?? {};
      this.log.push({ guildId: session?.guildId ?? String(d.server_id ?? ''), direction: 'in', op: packet.op, d });
      if (!CLIENT_OPS.has(packet.op)) return ws.close(4001, 'Unknown opcode');
      const opens = packet.op === VoiceOp.Identify || packet.op === VoiceOp.Resume || packet.op === VoiceOp.Heartbeat;
      if (!session && !opens) return ws.close(4003, 'Not authenticated');
      if (session && (packet.op === VoiceOp.Identify || packet.op === VoiceOp.Resume)) return ws.close(4005, 'Already authenticated');
      switch (packet.op) {
        case VoiceOp.Identify: {
          const grant = this.grants.get(String(d.token));
          if (!grant || grant.guildId !== d.server_id || grant.userId !== d.user_id || grant.sessionId !== d.session_id) {
            return ws.close(4004, 'Authentication failed');
          }
          if (this.options.requireDaveCapable && !(Number(d.max_dave_protocol_version) >= 1)) return ws.close(4017, 'E2EE/DAVE protocol required');
          const key = `${grant.guildId}:${grant.userId}`;
          const old = this.sessions.get(key);
          if (old) this.endSession(old, 4006);
          session = { ...grant, token: String(d.token), ssrc: randomInt(1, 2 ** 31), ws, seq: 0, speaking: false, maxDaveProtocolVersion: Number(d.max_dave_protocol_version ?? 0), sent: [], seqAck: -1 };
          this.sessions.set(key, session);
          this.bySsrc.set(session.ssrc, session);
          return this.send(session, ws, VoiceOp.Ready, { ssrc: session.ssrc, ip: '127.0.0.1', port: this.udpPort, modes: this.options.modes, heartbeat_interval: 1 });
        }
        case VoiceOp.Resume: {
          const s = [...this.sessions.values()].find((x) => x.guildId === d.server_id && x.sessionId === d.session_id && x.token === d.token);
          if (!s) return ws.close(4006, 'Session no longer valid');
          // Buffered resume: everything after the client's seq_ack is sent again, if still buffered.
          const ack = typeof d.seq_ack === 'number' ? d.seq_ack : -1;
          const missed = s.sent.filter((m) => m.seq > ack);
          if (missed.length && missed[0].seq !== ack + 1) return this.endSession(s, 4006);
          s.ws = ws;
          s.seqAck = ack;
          session = s;
          ws.send(JSON.stringify({ op: VoiceOp.Resumed, d: null }));
          this.log.push({ guildId: s.guildId, direction: 'out', op: VoiceOp.Resumed, d: { replayed: missed.length } });
          for (const m of missed) ws.send(m.data);
          return;
        }
        case VoiceOp.Heartbeat:
          if (session && typeof d.seq_ack === 'number') session.seqAck = d.seq_ack;
          return void ws.send(JSON.stringify({ op: VoiceOp.HeartbeatAck, d: { t: d.t } }));
        case VoiceOp.SelectProtocol: {
          if (!session) return ws.close(4003, 'Not authenticated');
          const data = (d.data ?? {}) as Record<string, unknown>;
          const mode = String(data.mode);
          if (d.protocol !== 'udp' || !this.options.modes.includes(mode)) return ws.close(4016, 'Unknown encryption mode');
          session.mode = mode;
          session.secretKey = randomBytes(32);
          const dave = this.options.daveMembers > 0 && (session.maxDaveProtocolVersion ?? 0) >= 1;
          this.send(session, ws, VoiceOp.SessionDescription, {
            mode,
            secret_key: [...session.secretKey],
            audio_codec: 'opus',
            media_session_id: randomBytes(8).toString('hex'),
            dave_protocol_version: dave ? 1 : 0,
          });
          if (dave && !session.dave) this.startDave(session);
          return;
        }
        case 23:
        case 31:
          return session?.dave?.onJson(packet.op, d);
        case VoiceOp.Speaking:
          if (session) session.speaking = Boolean(d.speaking);
          return;
        default:
          return;
      }
    });
    ws.on('close', () => {
      if (session && session.ws === ws) session.ws = null;
    });
  }

  private onDatagram(msg: Buffer, address: string, port: number): void {
    const discovery = parseDiscoveryRequest(msg);
    if (discovery) {
      if (!this.bySsrc.has(discovery.ssrc)) return;
      this.udp!.send(discoveryResponse(discovery.ssrc, address, port), port, address);
      return;
    }
    if (!isRtp(msg)) return; // keep-alives
    const ssrc = msg.readUInt32BE(8);
    const session = this.bySsrc.get(ssrc);
    if (!session?.secretKey) return;
    try {
      const rtp = session.mode === XCHACHA_RTPSIZE ? decryptXChaCha20RtpSize(msg, session.secretKey) : decryptAes256GcmRtpSize(msg, session.secretKey);
      // With DAVE, the transport payload is an E2EE frame only the call's members can open.
      const opus = session.dave ? session.dave.openFrame(rtp.opus) : rtp.opus;
      if (opus) this.audio(session.guildId).add(ssrc, rtp.sequence, rtp.timestamp, opus);
    } catch (err) {
      if (!(err instanceof RtpDecryptError)) throw err;
      this.decryptFailures.set(session.guildId, (this.decryptFailures.get(session.guildId) ?? 0) + 1);
    }
  }
}
