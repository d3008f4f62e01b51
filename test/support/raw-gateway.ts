import { constants as zlibConstants, createInflate, inflateSync } from 'node:zlib';
import type { Inflate } from 'node:zlib';
import { WebSocket } from 'ws';

export interface GatewayPayload {
  op: number;
  d: unknown;
  s?: number | null;
  t?: string | null;
}

/** A bare gateway client for protocol tests: sends raw payloads, decodes json or zlib-stream frames. */
export class RawGatewayClient {
  readonly received: GatewayPayload[] = [];
  closeCode: number | null = null;
  binaryFrames = 0;
  private readonly socket: WebSocket;
  private readonly inflate: Inflate | null;
  private decodeChain = Promise.resolve();
  private waiters: (() => void)[] = [];

  private constructor(url: string, compress: boolean) {
    this.inflate = compress ? createInflate() : null;
    this.socket = new WebSocket(url);
    this.socket.on('message', (data: Buffer, isBinary) => {
      if (!isBinary) return this.push(JSON.parse(data.toString()) as GatewayPayload);
      this.binaryFrames += 1;
      const inflate = this.inflate;
      // Without zlib-stream, binary frames are whole zlib messages (IDENTIFY with compress: true).
      if (!inflate) return this.push(JSON.parse(inflateSync(data).toString()) as GatewayPayload);
      this.decodeChain = this.decodeChain.then(
        () =>
          new Promise<void>((resolve) => {
            const chunks: Buffer[] = [];
            const onData = (chunk: Buffer) => chunks.push(chunk);
            inflate.on('data', onData);
            inflate.write(data);
            inflate.flush(zlibConstants.Z_SYNC_FLUSH, () => {
              inflate.off('data', onData);
              this.push(JSON.parse(Buffer.concat(chunks).toString()) as GatewayPayload);
              resolve();
            });
          }),
      );
    });
    this.socket.on('close', (code) => {
      this.closeCode = code;
      this.notify();
    });
  }

  static async connect(baseUrl: string, query = 'v=10&encoding=json'): Promise<RawGatewayClient> {
    const client = new RawGatewayClient(`${baseUrl}?${query}`, query.includes('compress=zlib-stream'));
    await new Promise<void>((resolve, reject) => {
      client.socket.once('open', () => resolve());
      client.socket.once('error', reject);
    });
    return client;
  }

  private push(payload: GatewayPayload): void {
    this.received.push(payload);
    this.notify();
  }

  private notify(): void {
    for (const waiter of this.waiters.splice(0)) waiter();
  }

  send(op: number, d: unknown): void {
    this.socket.send(JSON.stringify({ op, d }));
  }

  /** Resolves with the first received payload (from `from` on) matching `match`. */
  async next(match: (p: GatewayPayload) => boolean, timeoutMs = 3000, from = 0): Promise<GatewayPayload> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.received.slice(from).find(match);
      if (found) return found;
      if (this.closeCode !== null) throw new Error(`Socket closed (${this.closeCode}) before a matching payload arrived.`);
      if (Date.now() > deadline) throw new Error('Timed out waiting for a gateway payload.');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(1, deadline - Date.now()));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  async closed(timeoutMs = 3000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    while (this.closeCode === null) {
      if (Date.now() > deadline) throw new Error('Timed out waiting for the socket to close.');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 50);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.closeCode;
  }

  close(code = 1000): void {
    this.socket.close(code);
  }
}
