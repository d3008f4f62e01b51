/**
 * Joins a voice channel and keeps the connection up: the voice library resumes a dropped voice
 * websocket itself; when the session is gone (Disconnected without a quick reconnect) we rejoin,
 * with backoff, and give up only after `maxRejoins` attempts. DAVE (E2EE) runs with the fixes of
 * dave-guard.ts.
 */
import { entersState, joinVoiceChannel, VoiceConnectionStatus, type VoiceConnection } from '@discordjs/voice';
import type { Guild } from 'discord.js';
import { installDaveGuard } from './dave-guard.ts';

export interface KeepConnectedOptions {
  maxRejoins?: number;
  readyTimeoutMs?: number;
  onRejoin?: (attempt: number) => void;
  onGiveUp?: (err: Error) => void;
}

export class VoiceJoinError extends Error {
  override name = 'VoiceJoinError';
}

/** Destroys the connection unless it is already gone: the voice library throws on a second destroy. */
export function destroyConnection(connection: VoiceConnection): void {
  if (connection.state.status !== VoiceConnectionStatus.Destroyed) connection.destroy();
}

export async function joinAndKeepConnected(guild: Guild, channelId: string, options: KeepConnectedOptions = {}): Promise<VoiceConnection> {
  installDaveGuard();
  const connection = joinVoiceChannel({ guildId: guild.id, channelId, adapterCreator: guild.voiceAdapterCreator, selfDeaf: true });
  const readyTimeout = options.readyTimeoutMs ?? 15_000;
  try {
    await entersState(connection, VoiceConnectionStatus.Ready, readyTimeout);
  } catch {
    destroyConnection(connection);
    throw new VoiceJoinError(`could not connect to the voice channel within ${readyTimeout / 1000} s`);
  }
  let attempts = 0;
  connection.on('stateChange', (_old, state) => {
    if (state.status === VoiceConnectionStatus.Ready) attempts = 0;
  });
  const onDisconnected = async () => {
    try {
      // Moving channels or a resumable drop: the library gets back to Signalling/Connecting itself.
      await Promise.race([
        entersState(connection, VoiceConnectionStatus.Signalling, 2_000),
        entersState(connection, VoiceConnectionStatus.Connecting, 2_000),
      ]);
    } catch {
      if (connection.state.status === VoiceConnectionStatus.Destroyed) return;
      const max = options.maxRejoins ?? 5;
      if (attempts >= max) {
        destroyConnection(connection);
        options.onGiveUp?.(new VoiceJoinError(`the voice connection dropped and ${max} rejoins failed`));
        return;
      }
      attempts++;
      options.onRejoin?.(attempts);
      await new Promise((r) => setTimeout(r, Math.min(5_000, 250 * 2 ** (attempts - 1))));
      if ((connection.state.status as VoiceConnectionStatus) !== VoiceConnectionStatus.Destroyed) connection.rejoin();
    }
  };
  // An event listener's rejection would be unhandled and end the process: nothing may escape.
  connection.on(VoiceConnectionStatus.Disconnected, () => void onDisconnected().catch(() => undefined));
  return connection;
}
