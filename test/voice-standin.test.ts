/** The voice stand-in's protocol edges, spoken to with a raw websocket and UDP socket. */
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { discoveryResponse, parseDiscoveryRequest } from './standin/voice/rtp.ts';
import { VoiceOp, VoiceStandin } from './standin/voice/server.ts';

let voice: VoiceStandin;
beforeAll(async () => {
  voice = await new VoiceStandin().start();
});
afterAll(async () => {
  await voice.stop();
});

async function open(): Promise<{ ws: WebSocket; next: () => Promise<{ op: number; d: Record<string, unknown> }>; closed: Promise<number> }> {
  const ws = new WebSocket(`wss://${voice.endpoint}?v=8`, { rejectUnauthorized: false });
  const queue: { op: number; d: Record<string, unknown> }[] = [];
  const waiters: ((m: { op: number; d: Record<string, unknown> }) => void)[] = [];
  ws.on('message', (raw) => {
    const m = JSON.parse(raw.toString()) as { op: number; d: Record<string, unknown> };
    const w = waiters.shift();
    if (w) w(m);
    else queue.push(m);
  });
  const closed = new Promise<number>((res) => ws.on('close', (code) => res(code)));
  await once(ws, 'open');
  return { ws, next: () => (queue.length ? Promise.resolve(queue.shift()!) : new Promise((res) => waiters.push(res))), closed };
}

describe('voice stand-in', () => {
  it('greets with HELLO, refuses a token it did not grant (4004) and a client without DAVE (4017)', async () => {
    const bad = await open();
    expect((await bad.next()).op).toBe(VoiceOp.Hello);
    bad.ws.send(JSON.stringify({ op: 0, d: { server_id: 'g', user_id: 'u', session_id: 's', token: 'nope', max_dave_protocol_version: 1 } }));
    expect(await bad.closed).toBe(4004);

    const { token } = voice.grant('g', 'u', 's');
    const noDave = await open();
    await noDave.next();
    noDave.ws.send(JSON.stringify({ op: 0, d: { server_id: 'g', user_id: 'u', session_id: 's', token, max_dave_protocol_version: 0 } }));
    expect(await noDave.closed).toBe(4017);
  });

  it('answers IDENTIFY with READY, IP discovery over UDP, an unknown mode with 4016', async () => {
    const { token } = voice.grant('g2', 'u2', 's2');
    const c = await open();
    await c.next();
    c.ws.send(JSON.stringify({ op: 0, d: { server_id: 'g2', user_id: 'u2', session_id: 's2', token, max_dave_protocol_version: 1 } }));
    const ready = await c.next();
    expect(ready.op).toBe(VoiceOp.Ready);
    expect(ready.d.modes).toEqual(['aead_aes256_gcm_rtpsize', 'aead_xchacha20_poly1305_rtpsize']);
    const ssrc = ready.d.ssrc as number;

    const udp = createSocket('udp4');
    await new Promise<void>((r) => udp.bind(0, '127.0.0.1', r));
    const request = Buffer.alloc(74);
    request.writeUInt16BE(1, 0);
    request.writeUInt16BE(70, 2);
    request.writeUInt32BE(ssrc, 4);
    expect(parseDiscoveryRequest(request)).toEqual({ ssrc });
    udp.send(request, ready.d.port as number, '127.0.0.1');
    const [reply] = (await once(udp, 'message')) as [Buffer];
    expect(reply).toEqual(discoveryResponse(ssrc, '127.0.0.1', udp.address().port));
    expect([reply.readUInt16BE(0), reply.readUInt16BE(2), reply.readUInt32BE(4), reply.readUInt16BE(72)]).toEqual([2, 70, ssrc, udp.address().port]);
    udp.close();

    c.ws.send(JSON.stringify({ op: 1, d: { protocol: 'udp', data: { address: '127.0.0.1', port: 1, mode: 'xsalsa20_poly1305' } } }));
    expect(await c.closed).toBe(4016);
  });

  it('closes as the docs say: 4003 for a payload before IDENTIFY, 4005 for a second IDENTIFY, 4001 for an unknown opcode', async () => {
    const early = await open();
    await early.next();
    early.ws.send(JSON.stringify({ op: 1, d: { protocol: 'udp', data: { address: '127.0.0.1', port: 1, mode: 'aead_aes256_gcm_rtpsize' } } }));
    expect(await early.closed).toBe(4003);

    const identify = (token: string) => JSON.stringify({ op: 0, d: { server_id: 'g3', user_id: 'u3', session_id: 's3', token, max_dave_protocol_version: 1 } });
    const twice = await open();
    await twice.next();
    const first = voice.grant('g3', 'u3', 's3').token;
    twice.ws.send(identify(first));
    expect((await twice.next()).op).toBe(VoiceOp.Ready);
    twice.ws.send(identify(first));
    expect(await twice.closed).toBe(4005);

    const unknown = await open();
    await unknown.next();
    unknown.ws.send(identify(voice.grant('g3', 'u3', 's3').token));
    expect((await unknown.next()).op).toBe(VoiceOp.Ready);
    unknown.ws.send(JSON.stringify({ op: 42, d: {} }));
    expect(await unknown.closed).toBe(4001);
  });
});
