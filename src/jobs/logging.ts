/** Structured JSON logs (pino). Every job log line carries jobId, kind and model via child loggers. */
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(service: string, level = process.env.LOG_LEVEL ?? 'info', extra: Record<string, unknown> = {}): Logger {
  return pino({ level, base: { service, pid: process.pid, ...extra }, timestamp: pino.stdTimeFunctions.isoTime });
}
