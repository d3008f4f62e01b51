/**
 * DAVE (voice E2EE) the way the protocol whitepaper and Discord's libdave handle the voice
 * gateway's messages, where @discordjs/voice 0.19.2's DAVESession does not. Its methods run inside
 * the voice websocket's message handler, so whatever they throw is an uncaught exception (the end
 * of the bot process), and the rest of that read from the socket is lost.
 *
 * - An external sender (op 25) or proposals (op 27) the session cannot take are logged and
 *   ignored, as libdave does; davey throws (an external sender while a group exists: the gateway
 *   may send op 25 again when an upgrade comes, and the bot still holds its group of before the
 *   downgrade; proposals for an epoch the bot is not in).
 * - Every welcome that fails is flagged (op 31) with a new key package ("Recovery from Invalid
 *   Commit or Welcome"): the library flags only the first failure until a transition executes, so
 *   a bad welcome during its re-add left the bot outside the group for good.
 * - While E2EE is in force (the protocol version of the last executed transition, or of the
 *   session description, is above 0) and the session has no keys (it is recovering, or not yet
 *   welcomed), audio goes out as Opus silence, which receivers pass through: the library sent it
 *   unencrypted, which libdave never does (it fails the frame). Plain Opus stays right while the
 *   call is at version 0, an upgrade included until its transition executes.
 *
 * The patch is for the audited version only; `installDaveGuard` says whether it applied.
 */
import { DAVESession, version } from '@discordjs/voice';

/** The @discordjs/voice release whose DAVESession this was written against. */
export const AUDITED_VOICE_VERSION = '0.19.2';

type TransitionResult = ReturnType<DAVESession['processWelcome']>;

/** Opus silence: receivers take it unencrypted even with E2EE (whitepaper, "Silence Packets"). */
const SILENCE = Buffer.from([0xf8, 0xff, 0xfe]);

/** The protocol version in force per session, once a transition or an upgrade's prepare epoch changed it. */
const versionInForce = new WeakMap<DAVESession, number>();

let installed = false;

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export function installDaveGuard(): boolean {
  if (installed) return true;
  if (version !== AUDITED_VOICE_VERSION) return false;
  const proto = DAVESession.prototype;
  const { setExternalSender, processProposals, processWelcome, prepareEpoch, executeTransition, encrypt } = proto;

  proto.setExternalSender = function (this: DAVESession, externalSender: Buffer): void {
    try {
      setExternalSender.call(this, externalSender);
    } catch (err) {
      this.emit('debug', `Ignored an external sender the session cannot take: ${describe(err)}`);
    }
  };

  proto.processProposals = function (this: DAVESession, payload: Buffer, connectedClients: Set<string>): Buffer | undefined {
    try {
      return processProposals.call(this, payload, connectedClients);
    } catch (err) {
      this.emit('debug', `Ignored MLS proposals the session cannot process: ${describe(err)}`);
      return undefined;
    }
  };

  proto.processWelcome = function (this: DAVESession, payload: Buffer): TransitionResult {
    const alreadyRecovering = this.reinitializing;
    const result = processWelcome.call(this, payload);
    if (!result.success && alreadyRecovering) {
      // The library skipped the flag (it was recovering): flag this welcome too, with a new key package.
      this.reinitializing = false;
      this.recoverFromInvalidTransition(result.transitionId);
    }
    return result;
  };

  // The library sets protocolVersion when an epoch is prepared, before its transition executes.
  proto.prepareEpoch = function (this: DAVESession, data: Parameters<DAVESession['prepareEpoch']>[0]): void {
    if (!versionInForce.has(this)) versionInForce.set(this, this.protocolVersion);
    prepareEpoch.call(this, data);
  };

  proto.executeTransition = function (this: DAVESession, transitionId: number): boolean {
    const executed = executeTransition.call(this, transitionId);
    if (executed) versionInForce.set(this, this.protocolVersion);
    return executed;
  };

  proto.encrypt = function (this: DAVESession, packet: Buffer): Buffer {
    const e2ee = (versionInForce.get(this) ?? this.protocolVersion) > 0;
    if (e2ee && !this.session?.ready && !packet.equals(SILENCE)) return SILENCE;
    return encrypt.call(this, packet);
  };

  installed = true;
  return true;
}
