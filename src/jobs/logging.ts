/** Structured JSON logs (pino). Every job log line carries jobId, kind and model via child loggers. */
import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

/** Interaction tokens ride in REST paths (`/webhooks/<app>/<token>`, `/interactions/<id>/<token>`). */
const TOKEN_IN_PATH = /\/(webhooks|interactions)\/(\d+)\/[^/?#\s"]+/g;

export function redactTokens(text: string): string {
  return text.replace(TOKEN_IN_PATH, '/$1/$2/[token]');
}

/**
 * pino's error serializer copies every enumerable field; discord.js's DiscordAPIError and HTTPError
 * carry the request URL (an interaction token) and the request body (attachment bytes) that way.
 */
function serializeError(err: unknown): unknown {
  if (!(err instanceof Error)) return err;
  const out = pino.stdSerializers.err(err) as unknown as Record<string, unknown>;
  delete out.requestBody;
  for (const [key, value] of Object.entries(out)) if (typeof value === 'string') out[key] = redactTokens(value);
  return out;
}

export function createLogger(service: string, level = process.env.LOG_LEVEL ?? 'info', extra: Record<string, unknown> = {}, destination?: DestinationStream): Logger {
  const options = {
    level,
    base: { service, pid: process.pid, ...extra },
    timestamp: pino.stdTimeFunctions.isoTime,
    serializers: { err: serializeError, error: serializeError },
  };
  return destination ? pino(options, destination) : pino(options);
}
