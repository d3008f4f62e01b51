/**
 * The rules Discord enforces that its OpenAPI description does not state, from its docs
 * (test/fixtures/discord-api/README.md names the pages). Codes follow Discord's where its answers
 * are known; the rest are named after the rule.
 */
import { routeShape } from './spec.ts';
import type { FieldError } from './form-errors.ts';

/** Message content (docs: "up to 2000 characters"; the spec says 4000 for channel messages). */
export const MAX_CONTENT_CHARS = 2000;
/** Title, description, field names and values, footer text and author name over all embeds. */
export const MAX_EMBED_TOTAL_CHARS = 6000;
/** Top-level action rows of a message without IS_COMPONENTS_V2 (the spec allows 40 components). */
export const MAX_LEGACY_ACTION_ROWS = 5;
/** Every component, nested ones included, of a message with IS_COMPONENTS_V2. */
export const MAX_V2_COMPONENTS = 40;
/** Top-level components of a modal (interaction-response docs: 1 to 5). */
export const MAX_MODAL_COMPONENTS = 5;
/** A string choice's value (application-command docs: 1 to 100 characters; the spec says 6000). */
export const MAX_CHOICE_VALUE_CHARS = 100;

const IS_COMPONENTS_V2 = 1 << 15;
const ACTION_ROW = 1;
const BUTTON = 2;
const TEXT_INPUT = 4;
const SELECTS = new Set([3, 5, 6, 7, 8]);
const LINK = 5;
const PREMIUM = 6;

export interface RuleFindings {
  /** Requests Discord rejects. */
  errors: FieldError[];
  /** Forms the docs mark deprecated: Discord still takes them, the stand-in reports them. */
  deprecated: FieldError[];
}

type Json = Record<string, unknown>;

const chars = (value: unknown) => (typeof value === 'string' ? [...value].length : 0);
const isObject = (value: unknown): value is Json => !!value && typeof value === 'object' && !Array.isArray(value);

const MESSAGE_ROUTES = new Set([
  'POST /channels/{}/messages',
  'PATCH /channels/{}/messages/{}',
  'POST /webhooks/{}/{}',
  'PATCH /webhooks/{}/{}/messages/@original',
  'PATCH /webhooks/{}/{}/messages/{}',
]);
const COMMAND_ROUTES = new Set(['PUT /applications/{}/commands', 'POST /applications/{}/commands', 'PATCH /applications/{}/commands/{}']);

/** Applies the docs-only rules that fit a route to its (JSON) body. */
export function docsRules(method: string, template: string, body: unknown): RuleFindings {
  const findings: RuleFindings = { errors: [], deprecated: [] };
  const shape = routeShape(template).replace(/^\/applications\/\{\}\/guilds\/\{\}\/commands/, '/applications/{}/commands');
  const route = `${method} ${shape}`;
  if (MESSAGE_ROUTES.has(route) && isObject(body)) messageRules(body, [], findings);
  else if (route === 'POST /interactions/{}/{}/callback' && isObject(body)) callbackRules(body, findings);
  else if (COMMAND_ROUTES.has(route)) {
    const commands = Array.isArray(body) ? body : [body];
    commands.forEach((command, i) => commandRules(command, Array.isArray(body) ? [String(i)] : [], findings));
  }
  return findings;
}

function callbackRules(body: Json, findings: RuleFindings): void {
  const data = body.data;
  if (!isObject(data)) return;
  if (body.type === 4 || body.type === 7) messageRules(data, ['data'], findings);
  else if (body.type === 9) modalRules(data, ['data'], findings);
  else if (body.type === 8 && Array.isArray(data.choices)) choiceRules(data.choices, ['data', 'choices'], findings);
}

function messageRules(message: Json, at: string[], findings: RuleFindings): void {
  const { errors } = findings;
  const v2 = typeof message.flags === 'number' && (message.flags & IS_COMPONENTS_V2) !== 0;
  if (chars(message.content) > MAX_CONTENT_CHARS)
    errors.push({ path: [...at, 'content'], code: 'BASE_TYPE_MAX_LENGTH', message: `Must be ${MAX_CONTENT_CHARS} or fewer in length.` });
  if (Array.isArray(message.embeds)) {
    let total = 0;
    for (const embed of message.embeds.filter(isObject)) {
      total += chars(embed.title) + chars(embed.description);
      if (isObject(embed.footer)) total += chars(embed.footer.text);
      if (isObject(embed.author)) total += chars(embed.author.name);
      if (Array.isArray(embed.fields)) for (const field of embed.fields.filter(isObject)) total += chars(field.name) + chars(field.value);
    }
    if (total > MAX_EMBED_TOTAL_CHARS)
      errors.push({ path: [...at, 'embeds'], code: 'BASE_TYPE_MAX_LENGTH', message: `Embed size exceeds maximum size of ${MAX_EMBED_TOTAL_CHARS}` });
  }
  if (!Array.isArray(message.components)) return;
  const components = message.components;
  if (v2) {
    if (chars(message.content) > 0 || (Array.isArray(message.embeds) && message.embeds.length > 0))
      errors.push({ path: [...at, 'content'], code: 'MESSAGE_CONTENT_WITH_COMPONENTS_V2', message: 'content and embeds cannot be used with IS_COMPONENTS_V2.' });
    const count = countComponents(components);
    if (count > MAX_V2_COMPONENTS)
      errors.push({ path: [...at, 'components'], code: 'BASE_TYPE_MAX_LENGTH', message: `Must be ${MAX_V2_COMPONENTS} or fewer components in total (found ${count}).` });
  } else {
    if (components.length > MAX_LEGACY_ACTION_ROWS)
      errors.push({ path: [...at, 'components'], code: 'BASE_TYPE_MAX_LENGTH', message: `Must be ${MAX_LEGACY_ACTION_ROWS} or fewer in length.` });
    components.forEach((row, i) => {
      if (isObject(row) && row.type !== ACTION_ROW)
        errors.push({ path: [...at, 'components', String(i), 'type'], code: 'UNION_TYPE_CHOICES', message: 'Value of field "type" must be one of (1,) without the IS_COMPONENTS_V2 flag.' });
    });
  }
  walkComponents(components, [...at, 'components'], (component, path) => {
    if (component.type === ACTION_ROW && Array.isArray(component.components)) {
      const children = component.components.filter(isObject);
      const selects = children.filter((c) => SELECTS.has(c.type as number)).length;
      if (selects > 0 && children.length > 1)
        errors.push({ path: [...path, 'components'], code: 'COMPONENT_LAYOUT_WIDTH_EXCEEDED', message: 'The specified component exceeds the maximum width' });
    }
    if (component.type === BUTTON) buttonRules(component, path, errors);
  });
  duplicateCustomIds(components, [...at, 'components'], errors);
}

function buttonRules(button: Json, path: string[], errors: FieldError[]): void {
  const style = button.style;
  const has = (key: string) => button[key] !== undefined && button[key] !== null;
  if (style === LINK) {
    if (!has('url')) errors.push({ path: [...path, 'url'], code: 'BASE_TYPE_REQUIRED', message: 'This field is required' });
    if (has('custom_id')) errors.push({ path: [...path, 'custom_id'], code: 'BUTTON_COMPONENT_CUSTOM_ID_NOT_ALLOWED', message: 'A link button cannot have a custom_id.' });
  } else if (style === PREMIUM) {
    if (!has('sku_id')) errors.push({ path: [...path, 'sku_id'], code: 'BASE_TYPE_REQUIRED', message: 'This field is required' });
  } else {
    if (!has('custom_id')) errors.push({ path: [...path, 'custom_id'], code: 'BASE_TYPE_REQUIRED', message: 'This field is required' });
    if (has('url')) errors.push({ path: [...path, 'url'], code: 'BUTTON_COMPONENT_URL_NOT_ALLOWED', message: 'Only a link button can have a url.' });
  }
  if (!has('label') && !has('emoji')) errors.push({ path: [...path, 'label'], code: 'BASE_TYPE_REQUIRED', message: 'A button needs a label or an emoji.' });
}

function modalRules(modal: Json, at: string[], findings: RuleFindings): void {
  if (!Array.isArray(modal.components)) return;
  if (modal.components.length > MAX_MODAL_COMPONENTS)
    findings.errors.push({ path: [...at, 'components'], code: 'BASE_TYPE_MAX_LENGTH', message: `Must be ${MAX_MODAL_COMPONENTS} or fewer in length.` });
  modal.components.forEach((row, i) => {
    if (!isObject(row) || row.type !== ACTION_ROW || !Array.isArray(row.components)) return;
    if (row.components.some((c) => isObject(c) && c.type === TEXT_INPUT))
      findings.deprecated.push({ path: [...at, 'components', String(i)], code: 'DEPRECATED_ACTION_ROW_TEXT_INPUT', message: 'A text input in an action row is deprecated: put it in a Label (type 18).' });
  });
  walkComponents(modal.components, [...at, 'components'], (component, path) => {
    if (component.type === TEXT_INPUT && component.label !== undefined && component.label !== null)
      findings.deprecated.push({ path: [...path, 'label'], code: 'DEPRECATED_TEXT_INPUT_LABEL', message: "A text input's own label is deprecated: use the Label component's label." });
  });
  duplicateCustomIds(modal.components, [...at, 'components'], findings.errors);
}

function commandRules(command: unknown, at: string[], findings: RuleFindings): void {
  if (!isObject(command) || !Array.isArray(command.options)) return;
  command.options.forEach((option, i) => {
    if (!isObject(option)) return;
    const path = [...at, 'options', String(i)];
    if (Array.isArray(option.choices)) choiceRules(option.choices, [...path, 'choices'], findings);
    if (Array.isArray(option.options)) commandRules(option, path, findings);
  });
}

function choiceRules(choices: unknown[], at: string[], findings: RuleFindings): void {
  choices.forEach((choice, i) => {
    if (isObject(choice) && chars(choice.value) > MAX_CHOICE_VALUE_CHARS)
      findings.errors.push({ path: [...at, String(i), 'value'], code: 'BASE_TYPE_MAX_LENGTH', message: `Must be ${MAX_CHOICE_VALUE_CHARS} or fewer in length.` });
  });
}

/** Visits every component, nested ones included (rows, sections' accessories, labels' components). */
function walkComponents(list: unknown[], at: string[], visit: (component: Json, path: string[]) => void): void {
  list.forEach((component, i) => {
    if (!isObject(component)) return;
    const path = [...at, String(i)];
    visit(component, path);
    if (Array.isArray(component.components)) walkComponents(component.components, [...path, 'components'], visit);
    if (isObject(component.accessory)) walkComponents([component.accessory], [...path, 'accessory'], (c, p) => visit(c, p.slice(0, -1)));
    if (isObject(component.component)) walkComponents([component.component], [...path, 'component'], (c, p) => visit(c, p.slice(0, -1)));
  });
}

function countComponents(list: unknown[]): number {
  let count = 0;
  walkComponents(list, [], () => void count++);
  return count;
}

function duplicateCustomIds(list: unknown[], at: string[], errors: FieldError[]): void {
  const seen = new Set<string>();
  walkComponents(list, at, (component, path) => {
    if (typeof component.custom_id !== 'string') return;
    if (seen.has(component.custom_id))
      errors.push({ path: [...path, 'custom_id'], code: 'COMPONENT_CUSTOM_ID_DUPLICATED', message: 'Component custom id cannot be duplicated' });
    seen.add(component.custom_id);
  });
}
