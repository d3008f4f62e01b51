/**
 * The stand-in's judge of request bodies, rule by rule: what Discord's OpenAPI description says,
 * what only its docs say, and the error paths and codes a fault is answered with.
 */
import { describe, expect, it } from 'vitest';
import { judgeBody } from './standin/conformance/requests.ts';

const MESSAGE: [string, string] = ['POST', '/channels/:channel_id/messages'];
const CALLBACK: [string, string] = ['POST', '/interactions/:interaction_id/:interaction_token/callback'];
const COMMANDS: [string, string] = ['PUT', '/applications/:application_id/commands'];

const faults = (route: [string, string], body: unknown) =>
  judgeBody(route[0], route[1], body)!.errors.map((e) => `${e.path.join('.')} ${e.code}`);
const button = (extra: Record<string, unknown>) => ({ type: 2, style: 1, label: 'Go', custom_id: 'go', ...extra });
const row = (...components: unknown[]) => ({ type: 1, components });

describe('request bodies judged as Discord judges them', () => {
  it('accepts what discord.js sends for an ordinary message', () => {
    expect(faults(MESSAGE, { content: 'hi', embeds: [{ title: 't', fields: [{ name: 'a', value: 'b', inline: true }] }], components: [row(button({}))], allowed_mentions: { parse: [] } })).toEqual([]);
  });

  it('buttons: link buttons need a url and no custom_id; others a custom_id; every button a label or emoji', () => {
    expect(faults(MESSAGE, { components: [row({ type: 2, style: 5, label: 'Docs', url: 'https://discord.com' })] })).toEqual([]);
    expect(faults(MESSAGE, { components: [row({ type: 2, style: 5, label: 'Docs', custom_id: 'x' })] })).toEqual([
      'components.0.components.0.url BASE_TYPE_REQUIRED',
      'components.0.components.0.custom_id BUTTON_COMPONENT_CUSTOM_ID_NOT_ALLOWED',
    ]);
    expect(faults(MESSAGE, { components: [row({ type: 2, style: 1, label: 'Go' })] })).toEqual(['components.0.components.0.custom_id BASE_TYPE_REQUIRED']);
    expect(faults(MESSAGE, { components: [row({ type: 2, style: 1, custom_id: 'go' })] })).toEqual(['components.0.components.0.label BASE_TYPE_REQUIRED']);
  });

  it('action rows: up to 5 buttons (the spec) or one select alone (the docs)', () => {
    const six = [1, 2, 3, 4, 5, 6].map((n) => button({ custom_id: `b${n}` }));
    expect(faults(MESSAGE, { components: [row(...six)] })).toEqual(['components.0.components BASE_TYPE_MAX_LENGTH']);
    const select = { type: 3, custom_id: 's', options: [{ label: 'a', value: 'a' }] };
    expect(faults(MESSAGE, { components: [row(select)] })).toEqual([]);
    expect(faults(MESSAGE, { components: [row(select, button({}))] })).toEqual(['components.0.components COMPONENT_LAYOUT_WIDTH_EXCEEDED']);
  });

  it('components v2: no content, and 40 components in all, nested ones counted', () => {
    const text = (n: number) => ({ type: 10, content: `t${n}` });
    const container = (n: number) => ({ type: 17, components: Array.from({ length: n }, (_, i) => text(i)) });
    expect(faults(MESSAGE, { flags: 1 << 15, components: [container(38)] })).toEqual([]);
    expect(faults(MESSAGE, { flags: 1 << 15, components: [container(39), container(1)] })).toEqual(['components BASE_TYPE_MAX_LENGTH']);
    expect(faults(MESSAGE, { flags: 1 << 15, content: 'x', components: [container(1)] })).toEqual(['content MESSAGE_CONTENT_WITH_COMPONENTS_V2']);
    // Without the flag only action rows may be top-level.
    expect(faults(MESSAGE, { components: [text(1)] })).toEqual(['components.0.type UNION_TYPE_CHOICES']);
  });

  it('embeds: each field by the spec, 6000 characters over all embeds by the docs', () => {
    expect(faults(MESSAGE, { embeds: [{ fields: [{ name: 'n', value: 'v'.repeat(1025) }] }] })).toEqual(['embeds.0.fields.0.value BASE_TYPE_MAX_LENGTH']);
    const big = { title: 't'.repeat(256), description: 'd'.repeat(4096), footer: { text: 'f'.repeat(1648) } };
    expect(faults(MESSAGE, { embeds: [big] })).toEqual([]);
    expect(faults(MESSAGE, { embeds: [big, { author: { name: 'a' } }] })).toEqual(['embeds BASE_TYPE_MAX_LENGTH']);
  });

  it('content counts characters, not UTF-16 units: 2000 emoji pass, 2001 do not', () => {
    expect(faults(MESSAGE, { content: '🎵'.repeat(2000) })).toEqual([]);
    expect(faults(MESSAGE, { content: '🎵'.repeat(2001) })).toEqual(['content BASE_TYPE_MAX_LENGTH']);
  });

  it('callbacks: autocomplete at most 25 choices of at most 100 characters; modals at most 5 components', () => {
    const choices = (n: number, value = 'v') => Array.from({ length: n }, (_, i) => ({ name: `c${i}`, value }));
    expect(faults(CALLBACK, { type: 8, data: { choices: choices(25) } })).toEqual([]);
    expect(faults(CALLBACK, { type: 8, data: { choices: choices(26) } })).toEqual(['data.choices BASE_TYPE_MAX_LENGTH']);
    expect(faults(CALLBACK, { type: 8, data: { choices: choices(1, 'v'.repeat(101)) } })).toEqual(['data.choices.0.value BASE_TYPE_MAX_LENGTH']);
    const label = (n: number) => ({ type: 18, label: `L${n}`, component: { type: 4, custom_id: `f${n}`, style: 1 } });
    expect(faults(CALLBACK, { type: 9, data: { custom_id: 'm', title: 'T', components: [1, 2, 3, 4, 5].map(label) } })).toEqual([]);
    expect(faults(CALLBACK, { type: 9, data: { custom_id: 'm', title: 'T', components: [1, 2, 3, 4, 5, 6].map(label) } })).toEqual(['data.components BASE_TYPE_MAX_LENGTH']);
    expect(faults(CALLBACK, { type: 9, data: { custom_id: 'm', title: 't'.repeat(46), components: [label(1)] } })).toEqual(['data.title BASE_TYPE_MAX_LENGTH']);
    expect(faults(CALLBACK, { type: 99 })).toEqual(['type BASE_TYPE_CHOICES']);
  });

  it('commands: the spec\'s limits, a string default_member_permissions as discord.js sends it', () => {
    const command = { name: 'riff', description: 'Make a clip', default_member_permissions: '32', options: [{ type: 3, name: 'style', description: 'd', choices: [{ name: 'a', value: 'a' }] }] };
    expect(faults(COMMANDS, [command])).toEqual([]);
    expect(faults(COMMANDS, [{ ...command, name: 'n'.repeat(33) }])).toEqual(['0.name BASE_TYPE_MAX_LENGTH']);
    expect(faults(COMMANDS, [{ ...command, default_member_permissions: 'manage' }])).toEqual(['0.default_member_permissions STRING_TYPE_REGEX']);
    expect(faults(COMMANDS, [{ ...command, options: [{ ...command.options[0], choices: [{ name: 'a', value: 'v'.repeat(101) }] }] }])).toEqual(['0.options.0.choices.0.value BASE_TYPE_MAX_LENGTH']);
  });
});
