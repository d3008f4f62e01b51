import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { parseBody, readRaw } from './body.ts';
import type { ParsedBody } from './body.ts';
import { DiscordHttpError, methodNotAllowed, notFound, unauthorized } from './errors.ts';

export interface RestContext {
  method: string;
  url: URL;
  params: Record<string, string>;
  headers: IncomingMessage['headers'];
  raw: Buffer;
  body: () => Promise<ParsedBody>;
}

export type RestResult =
  | { status: 204 }
  | { status: number; json: unknown }
  | { status: number; bytes: Buffer; contentType: string };

export type RestHandler = (ctx: RestContext) => RestResult | Promise<RestResult>;

/** Runs before a route's handler; throwing a DiscordHttpError answers the request with it. */
export type RequestInspector = (method: string, template: string, ctx: RestContext) => void | Promise<void>;

/** Sees each JSON response a route gives (strict mode checks them against Discord's spec). */
export type ResponseInspector = (method: string, template: string, status: number, json: unknown) => void;

/** `bot`: needs "Authorization: Bot <token>"; `token`: authorised by a token in the path (interactions, webhooks); `public`: the CDN. */
export type RouteAuth = 'bot' | 'token' | 'public';

interface Route {
  method: string;
  template: string;
  pattern: RegExp;
  keys: string[];
  auth: RouteAuth;
  handler: RestHandler;
}

export interface RateLimitRule {
  limit: number;
  windowMs: number;
}

export interface RequestLogEntry {
  at: number;
  method: string;
  path: string;
  route: string;
  status: number;
  code?: number;
}

interface BucketState {
  remaining: number;
  resetAt: number;
}

const MAJOR_PARAMS = ['channel_id', 'guild_id', 'webhook_id', 'interaction_token'];

/** A small HTTP router speaking Discord's REST conventions: auth, JSON errors, rate-limit headers and 429s. */
export class RestServer {
  readonly server: Server;
  readonly log: RequestLogEntry[] = [];
  private readonly routes: Route[] = [];
  private readonly rules = new Map<string, RateLimitRule>();
  private readonly buckets = new Map<string, BucketState>();
  private readonly defaultRule: RateLimitRule = { limit: 50, windowMs: 1000 };

  constructor(
    private readonly token: string,
    private readonly inspect?: RequestInspector,
    private readonly inspectResponse?: ResponseInspector,
  ) {
    this.server = createServer((req, res) => void this.handle(req, res));
  }

  /** Registers a route; `:name` segments become params. API routes are given without the /api/v10 prefix. */
  route(method: string, template: string, auth: RouteAuth, handler: RestHandler): this {
    const keys: string[] = [];
    const source = template
      .split('/')
      .map((segment) => {
        if (!segment.startsWith(':')) return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
        keys.push(segment.slice(1));
        return '([^/]+)';
      })
      .join('/');
    const prefix = auth === 'public' ? '' : '/api/v10';
    this.routes.push({ method, template, pattern: new RegExp(`^${prefix}${source}/?$`), keys, auth, handler });
    return this;
  }

  /** Every registered route as [method, template]. */
  routeList(): [string, string][] {
    return this.routes.map((route) => [route.method, route.template]);
  }

  /** Limits a route (e.g. "POST /channels/:channel_id/messages") per major parameter; excess requests get 429. */
  setRateLimit(route: string, rule: RateLimitRule): void {
    this.rules.set(route, rule);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://standin.invalid');
    const method = req.method ?? 'GET';
    const entry: RequestLogEntry = { at: Date.now(), method, path: url.pathname, route: '?', status: 0 };
    this.log.push(entry);
    const respond = (result: RestResult, headers: Record<string, string> = {}) => {
      entry.status = result.status;
      if ('json' in result && result.json && typeof result.json === 'object' && 'code' in result.json && result.status >= 400)
        entry.code = (result.json as { code: number }).code;
      for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
      if ('json' in result && result.status < 300 && entry.route !== '?') {
        const [routeMethod, ...template] = entry.route.split(' ');
        this.inspectResponse?.(routeMethod, template.join(' '), result.status, result.json);
      }
      if ('json' in result) {
        res.writeHead(result.status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(result.json));
      } else if ('bytes' in result) {
        res.writeHead(result.status, { 'content-type': result.contentType, 'content-length': result.bytes.length });
        res.end(result.bytes);
      } else {
        res.writeHead(204);
        res.end();
      }
    };
    let raw: Buffer;
    try {
      raw = await readRaw(req);
    } catch {
      return;
    }
    // Match on decoded segments: clients encode "@original" and emoji as %40original and %F0%9F...
    const path = url.pathname
      .split('/')
      .map((segment) => {
        try {
          return decodeURIComponent(segment);
        } catch {
          return segment;
        }
      })
      .join('/');
    const candidates = this.routes.filter((route) => route.pattern.test(path));
    const route = candidates.find((candidate) => candidate.method === method);
    if (!route) {
      const error = candidates.length ? methodNotAllowed() : notFound();
      return respond({ status: error.status, json: error.body() });
    }
    entry.route = `${route.method} ${route.template}`;
    const match = route.pattern.exec(path)!;
    const params = Object.fromEntries(route.keys.map((key, index) => [key, match[index + 1]]));
    const authorization = req.headers.authorization;
    const validAuth = authorization === `Bot ${this.token}`;
    if ((route.auth === 'bot' && !validAuth) || (route.auth === 'token' && authorization !== undefined && !validAuth)) {
      const error = unauthorized();
      return respond({ status: 401, json: error.body() });
    }
    const limit = route.auth === 'public' ? { headers: {} } : this.takeRateLimit(entry.route, params);
    const limitHeaders = limit.headers;
    if (limit.retryAfter !== undefined)
      return respond(
        { status: 429, json: { message: 'You are being rate limited.', retry_after: limit.retryAfter, global: false } },
        limitHeaders,
      );
    let parsed: Promise<ParsedBody> | undefined;
    const ctx: RestContext = {
      method,
      url,
      params,
      headers: req.headers,
      raw,
      body: () => (parsed ??= parseBody(req, raw)),
    };
    try {
      if (this.inspect) await this.inspect(route.method, route.template, ctx);
      respond(await route.handler(ctx), limitHeaders);
    } catch (error) {
      if (error instanceof DiscordHttpError) return respond({ status: error.status, json: error.body() }, limitHeaders);
      const message = error instanceof Error ? error.message : String(error);
      respond({ status: 500, json: { code: 0, message: `500: Internal Server Error (${message})` } }, limitHeaders);
    }
  }

  private takeRateLimit(
    route: string,
    params: Record<string, string>,
  ): { headers: Record<string, string>; retryAfter?: number } {
    const rule = this.rules.get(route) ?? this.defaultRule;
    const major = MAJOR_PARAMS.map((key) => params[key]).filter(Boolean).join(':');
    const key = `${route}|${major}`;
    const now = Date.now();
    let bucket = this.buckets.get(key);
    if (!bucket || bucket.resetAt <= now) {
      bucket = { remaining: rule.limit, resetAt: now + rule.windowMs };
      this.buckets.set(key, bucket);
    }
    const resetAfter = (bucket.resetAt - now) / 1000;
    const bucketHash = Buffer.from(route).toString('base64url').slice(0, 16);
    const headers: Record<string, string> = {
      'x-ratelimit-limit': String(rule.limit),
      'x-ratelimit-reset': (bucket.resetAt / 1000).toFixed(3),
      'x-ratelimit-reset-after': resetAfter.toFixed(3),
      'x-ratelimit-bucket': bucketHash,
    };
    if (bucket.remaining <= 0) {
      headers['x-ratelimit-remaining'] = '0';
      headers['x-ratelimit-scope'] = 'user';
      headers['retry-after'] = String(Math.max(1, Math.ceil(resetAfter)));
      return { headers, retryAfter: Number(resetAfter.toFixed(3)) };
    }
    bucket.remaining -= 1;
    headers['x-ratelimit-remaining'] = String(bucket.remaining);
    return { headers };
  }

  listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', () => {
        const address = this.server.address();
        if (!address || typeof address === 'string') return reject(new Error('The stand-in server has no TCP address.'));
        resolve(address.port);
      });
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.closeAllConnections();
      this.server.close(() => resolve());
    });
  }
}
