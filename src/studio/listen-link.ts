/**
 * The bot's half of listen-along links: where the studio is reachable from listeners' browsers
 * (STUDIO_PUBLIC_URL) and the secret it shares with the studio (STUDIO_SECRET). Both unset: the
 * feature is off and /radio listen says so.
 */
import type { Logger } from '../jobs/logging.ts';
import { makeListenToken } from './listen-token.ts';

export interface ListenLinkConfig {
  publicUrl: string;
  secret: string;
}

export class ListenLinkConfigError extends Error {
  override name = 'ListenLinkConfigError';
}

export function listenLinkConfigFromEnv(env: NodeJS.ProcessEnv = process.env): ListenLinkConfig | null {
  const url = env.STUDIO_PUBLIC_URL?.trim() ?? '';
  const secret = env.STUDIO_SECRET ?? '';
  if (!url && !secret) return null;
  if (!/^https?:\/\/[^\s/]+(\/[^\s]*)?$/.test(url)) throw new ListenLinkConfigError('STUDIO_PUBLIC_URL must be the http(s) address listeners open the studio at, e.g. https://studio.example.org');
  if (secret.length < 16) throw new ListenLinkConfigError('STUDIO_SECRET must be set to the studio\'s secret (at least 16 characters)');
  return { publicUrl: url.replace(/\/+$/, ''), secret };
}

export function listenLink(c: ListenLinkConfig, guildId: string, now = Date.now()): string {
  return `${c.publicUrl}/listen/${makeListenToken(c.secret, guildId, now)}`;
}

/** The configuration, or null when listen-along is off; a bad configuration is logged and turns it off. */
export function listenLinkConfigOrOff(log: Pick<Logger, 'warn'>, env: NodeJS.ProcessEnv = process.env): ListenLinkConfig | null {
  try {
    return listenLinkConfigFromEnv(env);
  } catch (err) {
    if (err instanceof ListenLinkConfigError) log.warn({ err: err.message }, 'listen-along is off: bad configuration');
    return null;
  }
}
