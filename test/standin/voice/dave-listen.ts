/**
 * What a member of the call hears from the bot under DAVE, and the counts the DAVE tests read:
 * E2EE frames decrypted by a member's davey session, frames lost, and Opus sent in the clear
 * while E2EE was in force.
 */
import { isDaveFrame, type DaveMember } from './dave.ts';

export interface DaveStats {
  protocolVersion: number;
  epoch: number;
  /** performance.now() of SESSION_DESCRIPTION, of the first E2EE frame that decrypted. */
  startedAt: number;
  firstDecryptedAt: number | null;
  decrypted: number;
  /** DAVE frames no member could decrypt. */
  undecryptable: number;
  /** Non-silence Opus sent without E2EE while DAVE was in force. */
  plainWhileE2ee: number;
  /** Non-silence Opus without E2EE that was in flight when an upgrade executed (not counted above). */
  plainAtUpgradeSeam: number;
  /** Opus silence while DAVE was in force: what a sender without keys sends in place of its audio. */
  silenceWhileE2ee: number;
  /** Executed transitions: id, what, when (performance.now()). */
  transitions: { id: number; kind: string; at: number }[];
  members: string[];
  /** Op 31s received. */
  invalidCommits: number;
  /** The bot's op 28s for an epoch another member's commit had already won. */
  droppedCommits: number;
  /**
   * Moments the bot's E2EE had to start over (an upgrade's op 24, an op 31): when, when the bot was
   * back in a group (its commit announced, or its welcome sent), its first frame that decrypted after.
   */
  restarts: { label: string; at: number; rejoinedAt: number | null; firstDecryptedAt: number | null }[];
}

export function newDaveStats(): DaveStats {
  return {
    protocolVersion: 1,
    epoch: 0,
    startedAt: performance.now(),
    firstDecryptedAt: null,
    decrypted: 0,
    undecryptable: 0,
    plainWhileE2ee: 0,
    plainAtUpgradeSeam: 0,
    silenceWhileE2ee: 0,
    transitions: [],
    members: [],
    invalidCommits: 0,
    droppedCommits: 0,
    restarts: [],
  };
}

/** Opus silence (0xF8 0xFF 0xFE): sent in the clear even with DAVE (whitepaper, "Silence packets"). */
const SILENCE = Buffer.from([0xf8, 0xff, 0xfe]);

/**
 * After an upgrade executes, plain Opus already in flight still arrives: receivers keep passthrough
 * for a transition window (whitepaper, "Passthrough Mode"). The sender prepares each packet 20 ms
 * before it goes out, so frames in flight are the ones that arrive within this of the execute.
 */
export const UPGRADE_SEAM_MS = 100;

export interface Hearing {
  /** The member that listens (the first in the group); none while the group is being made. */
  member: DaveMember | undefined;
  senderId: string;
  /** Whether DAVE is in force (the last executed transition's protocol version is above 0). */
  e2ee: boolean;
  /** Whether an upgrade executed just now (plain frames still in flight are expected). */
  atUpgradeSeam: boolean;
}

/** The Opus inside a media payload: an E2EE frame as the member decrypts it; null when it does not. */
export function hearFrame(stats: DaveStats, payload: Buffer, hearing: Hearing): Buffer | null {
  if (isDaveFrame(payload)) {
    const plain = hearing.member?.decrypt(hearing.senderId, payload) ?? null;
    if (!plain) {
      stats.undecryptable++;
      return null;
    }
    stats.decrypted++;
    const now = performance.now();
    stats.firstDecryptedAt ??= now;
    const restart = stats.restarts.at(-1);
    if (restart?.rejoinedAt) restart.firstDecryptedAt ??= now;
    return plain;
  }
  // Once E2EE frames arrive, every later non-silence frame must be one, until a downgrade.
  if (hearing.e2ee && stats.firstDecryptedAt !== null) {
    if (payload.equals(SILENCE)) stats.silenceWhileE2ee++;
    else if (hearing.atUpgradeSeam) stats.plainAtUpgradeSeam++;
    else stats.plainWhileE2ee++;
  }
  return payload;
}
