/**
 * Who may use which radio control. Read from the guild's controls (the DJ role) and from what
 * Discord says about the member (its permissions and roles on the interaction), never from
 * anything the member typed. Pure: the caller gathers the facts.
 */
import { PermissionFlagsBits } from 'discord.js';
import type { RadioControls } from './controls.ts';

/** admin-settings: 24/7 and the DJ role itself, which only server managers set. */
export type RadioAction = 'stop' | 'skip-now' | 'pause' | 'volume' | 'settings' | 'admin-settings';

export interface RadioCaller {
  /** The member's permissions in the channel, from the interaction. */
  permissions: bigint;
  roleIds: ReadonlySet<string>;
  /** In the radio's voice channel now. */
  listening: boolean;
}

export type Verdict = { ok: true } | { ok: false; who: string };

const has = (perms: bigint, bit: bigint) => (perms & bit) === bit || (perms & PermissionFlagsBits.Administrator) === PermissionFlagsBits.Administrator;

export function mayUse(action: RadioAction, caller: RadioCaller, controls: Pick<RadioControls, 'djRoleId'>): Verdict {
  const manager = has(caller.permissions, PermissionFlagsBits.ManageGuild);
  if (manager) return { ok: true };
  const admins = 'members with the Manage Server permission';
  if (action === 'admin-settings') return { ok: false, who: admins };
  if (controls.djRoleId) {
    return caller.roleIds.has(controls.djRoleId) ? { ok: true } : { ok: false, who: `members with the DJ role <@&${controls.djRoleId}>, or ${admins}` };
  }
  if (action === 'settings') return { ok: false, who: `${admins} (or a DJ role, once they set one)` };
  // No DJ role: the listeners run the radio together; channel managers may step in.
  if (caller.listening || has(caller.permissions, PermissionFlagsBits.ManageChannels)) return { ok: true };
  return { ok: false, who: 'listeners in the radio’s voice channel, or members with the Manage Channels or Manage Server permission' };
}
