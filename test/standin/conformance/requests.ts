/**
 * Checks every REST request body the stand-in receives (JSON, or multipart's payload_json)
 * against Discord's OpenAPI description and the docs-only rules, before the route handles it.
 * A violation is answered as Discord answers it (400, 50035, the field path and reason) and
 * recorded: the test harnesses fail a test whose bot sent one.
 */
import { appendFileSync } from 'node:fs';
import type { RestContext } from '../rest.ts';
import { fieldName, formBodyError, fromAjv, type FieldError } from './form-errors.ts';
import { docsRules } from './rules.ts';
import { specBody, specResponse } from './spec.ts';

export interface Violation {
  at: number;
  /** "METHOD /template" as the stand-in routes it. */
  route: string;
  /**
   * rejected: Discord would answer 400; deprecated: a form the docs deprecate (still accepted);
   * response: (strict mode) the stand-in's own answer does not match the spec's response schema.
   */
  kind: 'rejected' | 'deprecated' | 'response';
  errors: FieldError[];
}

/** Where each stand-in appends one JSON line of counts when it stops (for the suite's figures). */
export const CONFORMANCE_LOG_ENV = 'STANDIN_CONFORMANCE_LOG';
/** Set to 1 to run every stand-in in strict mode (its answers checked too). */
export const STRICT_RESPONSES_ENV = 'STANDIN_STRICT_RESPONSES';

/**
 * What Discord would say to `body` on a route (a stand-in template such as
 * "/channels/:channel_id/messages"): the spec's and the docs' errors, and deprecated forms.
 * Undefined where the spec gives the route no body.
 */
export function judgeBody(method: string, template: string, body: unknown): { errors: FieldError[]; deprecated: FieldError[] } | undefined {
  const spec = specBody(method, template);
  if (!spec) return undefined;
  const errors = spec.validate(body) ? [] : fromAjv(spec.validate.errors ?? [], body);
  const rules = docsRules(method, template, body);
  errors.push(...rules.errors.filter((r) => !errors.some((e) => fieldName(e) === fieldName(r) && e.code === r.code)));
  return { errors, deprecated: rules.deprecated };
}

export class RequestConformance {
  /** Bodies checked against the spec. */
  validated = 0;
  /** Bodies sent to a route the spec gives no body (not checked). */
  unchecked = 0;
  /** Strict mode: the stand-in's answers checked against the spec's response schemas. */
  responsesValidated = 0;
  readonly violations: Violation[] = [];
  private taken = 0;

  /** Throws Discord's 50035 error for a body Discord would reject. */
  async check(method: string, template: string, ctx: RestContext): Promise<void> {
    if (ctx.raw.length === 0) return;
    const type = String(ctx.headers['content-type'] ?? '');
    let body: unknown;
    if (type.startsWith('multipart/form-data')) body = (await ctx.body()).json;
    else {
      try {
        body = JSON.parse(ctx.raw.toString('utf8'));
      } catch {
        return; // the route answers 50109 for invalid JSON
      }
    }
    const spec = specBody(method, template);
    if (!spec) {
      this.unchecked++;
      return;
    }
    this.validated++;
    const route = `${method} ${template}`;
    const { errors, deprecated } = judgeBody(method, template, body)!;
    if (deprecated.length) this.violations.push({ at: Date.now(), route, kind: 'deprecated', errors: deprecated });
    if (errors.length) {
      this.violations.push({ at: Date.now(), route, kind: 'rejected', errors });
      throw formBodyError(errors);
    }
  }

  /** Strict mode: records a 2xx JSON answer of the stand-in that Discord's spec would not describe. */
  checkResponse(method: string, template: string, status: number, json: unknown): void {
    const spec = specResponse(method, template, status);
    if (!spec) return;
    this.responsesValidated++;
    if (spec.validate(json)) return;
    this.violations.push({ at: Date.now(), route: `${method} ${template} -> ${status}`, kind: 'response', errors: fromAjv(spec.validate.errors ?? [], json) });
  }

  /** Violations since the last take (for tests that send faults on purpose); they no longer fail the run. */
  take(): Violation[] {
    const fresh = this.violations.slice(this.taken);
    this.taken = this.violations.length;
    return fresh;
  }

  /** Violations not taken by a test. */
  get unexpected(): Violation[] {
    return this.violations.slice(this.taken);
  }

  /** Throws, listing each violation, when the bot sent anything Discord would reject or deprecates. */
  assertClean(): void {
    const found = this.unexpected;
    if (!found.length) return;
    const lines = found.flatMap((v) => v.errors.map((e) => `${v.kind} ${v.route}: ${fieldName(e)}: ${e.code} ${e.message}`));
    throw new Error(`Discord conformance: ${found.length} request(s) Discord would not take as sent:\n${lines.join('\n')}`);
  }

  /** Appends the counts to the file named by STANDIN_CONFORMANCE_LOG, if set. */
  report(label: string): void {
    const file = process.env[CONFORMANCE_LOG_ENV];
    if (!file) return;
    const line = { label, validated: this.validated, unchecked: this.unchecked, responsesValidated: this.responsesValidated, violations: this.unexpected.length, planted: this.taken };
    appendFileSync(file, `${JSON.stringify(line)}\n`);
  }
}
