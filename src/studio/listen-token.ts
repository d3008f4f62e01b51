/**
 * Listen-along links: `/listen/<token>` where the token names a guild and an expiry, signed with
 * HMAC-SHA256 under STUDIO_SECRET (shared by the bot, which makes links, and the studio, which
 * checks them). Knowing a guild id is not enough to listen; a link stops working when it expires.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const LISTEN_LINK_TTL_SECONDS = 6 * 3600;

export type TokenVerdict = { ok: true; guildId: string; expiresAt: number } | { ok: false; reason: 'malformed' | 'bad-signature' | 'expired' };

const b64 = (b: Buffer | string) => Buffer.from(b).toString('base64url');
const sign = (secret: string, body: string) => createHmac('sha256', secret).update(`riffcord-listen.${body}`).digest();

export function makeListenToken(secret: string, guildId: string, now = Date.now(), ttlSeconds = LISTEN_LINK_TTL_SECONDS): string {
  const body = b64(JSON.stringify({ g: guildId, e: Math.floor(now / 1000) + ttlSeconds }));
  return `${body}.${b64(sign(secret, body))}`;
}

export function verifyListenToken(secret: string, token: string, now = Date.now()): TokenVerdict {
  const m = /^([A-Za-z0-9_-]{1,400})\.([A-Za-z0-9_-]{43})$/.exec(token);
  if (!m) return { ok: false, reason: 'malformed' };
  const [, body, sig] = m;
  const given = Buffer.from(sig, 'base64url');
  const wanted = sign(secret, body);
  if (given.length !== wanted.length || !timingSafeEqual(given, wanted)) return { ok: false, reason: 'bad-signature' };
  let payload: unknown;
  try {
    payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  const p = payload as { g?: unknown; e?: unknown };
  if (typeof p.g !== 'string' || !/^\d{1,25}$/.test(p.g) || typeof p.e !== 'number') return { ok: false, reason: 'malformed' };
  if (p.e * 1000 <= now) return { ok: false, reason: 'expired' };
  return { ok: true, guildId: p.g, expiresAt: p.e * 1000 };
}

export function listenRefusal(reason: Exclude<TokenVerdict, { ok: true }>['reason']): string {
  return reason === 'expired'
    ? 'This listen-along link has expired. Ask for a new one with /radio listen in the server.'
    : 'This listen-along link is not valid (it may have been cut short or altered). Ask for a new one with /radio listen in the server.';
}
