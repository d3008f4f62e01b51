/**
 * Discord's own OpenAPI description (test/fixtures/discord-api/openapi.json), compiled with ajv
 * into one request-body validator per route. Loaded once per process and shared by every stand-in.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';

const SPEC_PATH = join(resolve(import.meta.dirname, '../../fixtures/discord-api'), 'openapi.json');

type Json = Record<string, unknown>;

interface Operation {
  /** The spec's path template, e.g. "/channels/{channel_id}/messages". */
  path: string;
  /** Content type -> schema of the request body. */
  bodies: Map<string, Json>;
  /** HTTP status -> schema of the JSON response. */
  responses: Map<string, Json>;
}

interface LoadedSpec {
  ajv: Ajv2020;
  /** "METHOD /a/{}/b" (parameters blanked) -> operation. */
  operations: Map<string, Operation>;
  validators: Map<string, ValidateFunction>;
}

let loaded: LoadedSpec | null = null;

/** "/channels/:channel_id/x" or "/channels/{channel_id}/x" -> "/channels/{}/x". */
export function routeShape(template: string): string {
  return template
    .split('/')
    .map((segment) => (segment.startsWith(':') || /^\{.+\}$/.test(segment) ? '{}' : segment))
    .join('/');
}

function load(): LoadedSpec {
  if (loaded) return loaded;
  const spec = JSON.parse(readFileSync(SPEC_PATH, 'utf8')) as { paths: Record<string, Record<string, Json>>; components: { schemas: Record<string, Json> } };
  const schemas = spec.components.schemas;
  for (const schema of Object.values(schemas)) patch(schema, schemas);
  const operations = new Map<string, Operation>();
  for (const [path, item] of Object.entries(spec.paths)) {
    for (const [method, op] of Object.entries(item)) {
      if (method === 'parameters') continue;
      const content = ((op.requestBody as Json | undefined)?.content ?? {}) as Record<string, { schema: Json }>;
      const bodies = new Map<string, Json>();
      for (const [type, { schema }] of Object.entries(content)) {
        patch(schema, schemas);
        bodies.set(type, schema);
      }
      const responses = new Map<string, Json>();
      for (const [status, response] of Object.entries((op.responses ?? {}) as Record<string, Json>)) {
        const schema = ((response.content as Record<string, { schema: Json }> | undefined)?.['application/json'])?.schema;
        if (!schema) continue;
        patch(schema, schemas);
        responses.set(status, schema);
      }
      operations.set(`${method.toUpperCase()} ${routeShape(path)}`, { path, bodies, responses });
    }
  }
  // The spec's own keywords (x-discord-union...) are annotations; formats Discord adds are free-form.
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  const addFormats = addFormatsModule as unknown as (a: Ajv2020) => Ajv2020;
  addFormats(ajv);
  ajv.addFormat('snowflake', /^(0|[1-9][0-9]*)$/);
  ajv.addFormat('nonce', true);
  ajv.addSchema({ $id: 'discord', components: { schemas } });
  loaded = { ajv, operations, validators: new Map() };
  return loaded;
}

/**
 * The spec's unions of components and callbacks list their members with no discriminator, so one
 * bad button would draw errors from every other component type. Where every member is an object
 * with its own `type` values, the union becomes a discriminated oneOf: one error per fault.
 * Also: `default_member_permissions` is typed integer, where the docs (and discord.js) send a
 * string of digits; both are accepted.
 */
function patch(node: unknown, schemas: Record<string, Json>): void {
  if (Array.isArray(node)) {
    for (const item of node) patch(item, schemas);
    return;
  }
  if (!node || typeof node !== 'object') return;
  const schema = node as Json;
  if (typeof schema.$ref === 'string' && schema.$ref.startsWith('#/components/schemas/'))
    schema.$ref = `discord${schema.$ref}`;
  for (const key of ['oneOf', 'anyOf'] as const) {
    const members = schema[key];
    if (!Array.isArray(members) || schema.discriminator) continue;
    const tagged = taggedMembers(members as Json[], schemas);
    if (tagged) {
      // ajv's own discriminator takes string tags only; Discord's are integers.
      delete schema[key];
      schema.type = 'object';
      schema.required = [...new Set([...((schema.required as string[] | undefined) ?? []), 'type'])];
      schema.properties = { ...(schema.properties as Json | undefined), type: { enum: tagged.flatMap((t) => t.values) } };
      schema.allOf = tagged.map((t) => ({ if: { properties: { type: { enum: t.values } }, required: ['type'] }, then: t.member }));
    }
  }
  const properties = schema.properties as Json | undefined;
  if (properties?.default_member_permissions) {
    const integer = properties.default_member_permissions;
    properties.default_member_permissions = { anyOf: [integer, { type: 'string', pattern: '^(0|[1-9][0-9]*)$' }] };
  }
  for (const value of Object.values(schema)) patch(value, schemas);
}

/** Each member with its `type` values, when every member is a $ref to an object that requires a distinct `type`. */
function taggedMembers(members: Json[], schemas: Record<string, Json>): { member: Json; values: unknown[] }[] | null {
  if (members.length < 2) return null;
  const seen = new Set<unknown>();
  const tagged: { member: Json; values: unknown[] }[] = [];
  for (const member of members) {
    const ref = typeof member.$ref === 'string' ? /#\/components\/schemas\/(\w+)$/.exec(member.$ref)?.[1] : undefined;
    const target = ref ? schemas[ref] : undefined;
    const tag = (target?.properties as Json | undefined)?.type as Json | undefined;
    const required = target?.required as string[] | undefined;
    if (!tag || !Array.isArray(tag.enum) || !required?.includes('type')) return null;
    for (const value of tag.enum) {
      if (seen.has(value)) return null;
      seen.add(value);
    }
    tagged.push({ member, values: tag.enum });
  }
  return tagged;
}

export interface SpecBody {
  /** The spec's path template. */
  path: string;
  validate: ValidateFunction;
}

/**
 * The validator for a request body on a route (the stand-in's template, e.g.
 * "/channels/:channel_id/messages"); multipart bodies are checked against the JSON schema, since
 * their JSON travels in `payload_json`. Undefined where the spec gives the route no body.
 */
export function specBody(method: string, template: string): SpecBody | undefined {
  const spec = load();
  const key = `${method} ${routeShape(template)}`;
  const operation = spec.operations.get(key);
  const schema = operation?.bodies.get('application/json');
  if (!operation || !schema) return undefined;
  let validate = spec.validators.get(key);
  if (!validate) {
    validate = spec.ajv.compile(schema);
    spec.validators.set(key, validate);
  }
  return { path: operation.path, validate };
}

/** Whether the spec describes this route at all (any method). */
export function specHasRoute(method: string, template: string): boolean {
  return load().operations.has(`${method} ${routeShape(template)}`);
}

/** The validator for a route's JSON response with this status; undefined where the spec has none. */
export function specResponse(method: string, template: string, status: number): SpecBody | undefined {
  const spec = load();
  const key = `${method} ${routeShape(template)}`;
  const operation = spec.operations.get(key);
  const schema = operation?.responses.get(String(status));
  if (!operation || !schema) return undefined;
  const cacheKey = `${key} -> ${status}`;
  let validate = spec.validators.get(cacheKey);
  if (!validate) {
    validate = spec.ajv.compile(schema);
    spec.validators.set(cacheKey, validate);
  }
  return { path: operation.path, validate };
}
