/**
 * Discord's answer to a bad request body: HTTP 400, code 50035 "Invalid Form Body", and an
 * `errors` tree that follows the body's shape down to the field, where `_errors` lists
 * `{ code, message }` (e.g. errors.components.0.components.0.custom_id._errors).
 */
import type { ErrorObject } from 'ajv';
import { DiscordHttpError } from '../errors.ts';

export interface FieldError {
  /** Path into the body, e.g. ['data', 'components', '0', 'custom_id']; [] for the body itself. */
  path: string[];
  code: string;
  message: string;
}

export function formBodyError(errors: readonly FieldError[]): DiscordHttpError {
  const tree: Record<string, unknown> = {};
  for (const error of errors) {
    let node = tree;
    for (const part of error.path) node = (node[part] ??= {}) as Record<string, unknown>;
    const list = ((node._errors as unknown[] | undefined) ??= []);
    list.push({ code: error.code, message: error.message });
  }
  return new DiscordHttpError(400, 50035, 'Invalid Form Body', tree);
}

/** "a.b.0.c" for reports. */
export function fieldName(error: FieldError): string {
  return error.path.length ? error.path.join('.') : '(body)';
}

const TYPE_ERRORS: Record<string, { code: string; message: (value: unknown) => string }> = {
  string: { code: 'STRING_TYPE_CONVERT', message: (v) => `Could not interpret "${String(v)}" as string.` },
  integer: { code: 'NUMBER_TYPE_COERCE', message: (v) => `Value "${String(v)}" is not int.` },
  number: { code: 'NUMBER_TYPE_COERCE', message: (v) => `Value "${String(v)}" is not a number.` },
  boolean: { code: 'BOOLEAN_TYPE_CONVERT', message: (v) => `Could not interpret "${String(v)}" as boolean.` },
  array: { code: 'BASE_TYPE_ARRAY', message: () => 'Must be an array.' },
  object: { code: 'DICT_TYPE_CONVERT', message: () => 'Only dictionaries may be used in a DictType' },
};

function valueAt(body: unknown, path: string[]): unknown {
  let node = body;
  for (const part of path) node = node && typeof node === 'object' ? (node as Record<string, unknown>)[part] : undefined;
  return node;
}

/**
 * ajv's errors as Discord's field errors. A union reports every member that failed: the
 * aggregate (oneOf, anyOf, if/then) and the "must be null" of nullable members are dropped, and at
 * or below a field that failed a real rule (a length, a range) the type mismatches of the other
 * members go.
 */
export function fromAjv(errors: readonly ErrorObject[], body: unknown): FieldError[] {
  const leaves = errors.filter(
    (e) => !['oneOf', 'anyOf', 'if', 'allOf', 'not'].includes(e.keyword) && !(e.keyword === 'type' && (e.params as { type?: unknown }).type === 'null'),
  );
  const converted = leaves.map((e) => convert(e, body));
  const realRules = converted.filter((c) => !c.typeMismatch).map((c) => c.path);
  const underRealRule = (path: string[]) => realRules.some((rule) => rule.length <= path.length && rule.every((part, i) => path[i] === part));
  const result: FieldError[] = [];
  const seen = new Set<string>();
  for (const c of converted) {
    const at = c.path.join('.');
    if (c.typeMismatch && underRealRule(c.path)) continue;
    const key = c.typeMismatch ? `${at}|type` : `${at}|${c.code}|${c.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    result.push({ path: c.path, code: c.code, message: c.message });
  }
  if (result.length === 0 && errors.length) result.push({ path: [], code: 'BASE_TYPE_INVALID', message: 'Invalid form body.' });
  return result;
}

function convert(e: ErrorObject, body: unknown): FieldError & { typeMismatch: boolean } {
  const path = e.instancePath.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  const p = e.params as Record<string, unknown>;
  const out = (code: string, message: string, at = path) => ({ path: at, code, message, typeMismatch: false });
  switch (e.keyword) {
    case 'required':
      return out('BASE_TYPE_REQUIRED', 'This field is required', [...path, String(p.missingProperty)]);
    case 'maxLength':
    case 'maxItems':
    case 'maxProperties':
      return out('BASE_TYPE_MAX_LENGTH', `Must be ${String(p.limit)} or fewer in length.`);
    case 'minLength':
    case 'minItems':
    case 'minProperties':
      return out('BASE_TYPE_MIN_LENGTH', `Must be ${String(p.limit)} or more in length.`);
    case 'maximum':
      return out('NUMBER_TYPE_MAX', `int value should be less than or equal to ${String(p.limit)}.`);
    case 'minimum':
      return out('NUMBER_TYPE_MIN', `int value should be greater than or equal to ${String(p.limit)}.`);
    case 'enum':
    case 'const': {
      const allowed = (p.allowedValues as unknown[] | undefined) ?? [p.allowedValue];
      return out('BASE_TYPE_CHOICES', `Value must be one of (${allowed.map(String).join(', ')}).`);
    }
    case 'pattern':
      return out('STRING_TYPE_REGEX', `String value did not match validation regex.`);
    case 'format':
      return p.format === 'uri' ? out('URL_TYPE_INVALID_URL', 'Not a well formed URL.') : out('BASE_TYPE_INVALID', `Not a valid ${String(p.format)}.`);
    case 'uniqueItems':
      return out('SET_TYPE_ALREADY_CONTAINS_VALUE', 'The set already contains this value.');
    case 'type': {
      const wanted = String(Array.isArray(p.type) ? p.type[0] : p.type);
      const known = TYPE_ERRORS[wanted] ?? { code: 'BASE_TYPE_INVALID', message: () => `Must be ${wanted}.` };
      return { ...out(known.code, known.message(valueAt(body, path))), typeMismatch: true };
    }
    default:
      return out('BASE_TYPE_INVALID', e.message ?? 'Invalid value.');
  }
}
