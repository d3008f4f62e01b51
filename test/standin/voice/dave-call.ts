/**
 * One bot's DAVE session as the voice gateway runs it (voice docs, "End-to-End Encryption"; the
 * DAVE protocol whitepaper): external sender (25), the bot's key package (26), proposals adding
 * the call's other members (27), the bot's commit and welcome (28), the commit announced back (29)
 * and the welcome handed to the new members, transition ready (23) answered by execute (22);
 * members joining and leaving make new epochs, and another member's commit can win one (the bot's
 * op 28 for that epoch is then dropped); a downgrade to protocol version 0 is prepare (21), ready
 * (23), execute (22), and the upgrade back is prepare epoch 1 (24) and a new group; op 31 (an
 * invalid commit or welcome, which the stand-in can plant) removes the bot's stale leaf and
 * re-adds it with its next key package, by a member's commit and a welcome (30).
 * The other members are davey sessions here; the first one in the group decrypts the bot's frames
 * (dave-listen.ts).
 */
import { commitEpoch, corrupted, DaveExternalSender, DaveMember, DaveOp, proposalsPayload, splitCommitWelcome, withTransitionId } from './dave.ts';
import { hearFrame, newDaveStats, UPGRADE_SEAM_MS, type DaveStats } from './dave-listen.ts';

export type { DaveStats } from './dave-listen.ts';

export interface DaveWire {
  json(op: number, d: unknown): void;
  binary(op: number, payload: Buffer): void;
}

/** Whose commit wins an epoch: the bot's op 28, or a member's, which reaches the gateway first. */
export type Committer = 'bot' | 'member';

/** Proposals dispatched in the current epoch and not yet committed. */
interface Change {
  label: string;
  /** Stand-in members the commit adds. */
  adds: DaveMember[];
  /** The commit re-adds the bot (after its op 31), with the key package it sent last. */
  addsBot: boolean;
  removes: { userId: string; leaf: number }[];
  winner: Committer;
  /** The transition id an upgrade's op 24 announced; otherwise the announce takes a new one. */
  transitionId?: number;
}

let nextMemberId = 900_000_000_000_000_000n;

export class DaveCall {
  private epoch = 0n;
  /** Leaf index -> user id (null: a blank leaf); leaf 0 is the bot once it creates the group. */
  private leaves: (string | null)[] = [];
  /** Members in the group (not the bot). */
  private joined: DaveMember[] = [];
  /** Whether the bot is a member of the group as the gateway knows it (not while pending). */
  private botInGroup = false;
  /** Op 31 came: the bot is pending, and its next key package re-adds it. */
  private botFlagged = false;
  private pending: Change | null = null;
  private pendingTransition: { id: number; kind: string; version: number } | null = null;
  private nextTransitionId = 1;
  /** The next op 29 (commit) or op 30 (welcome) to the bot carries a message it cannot process. */
  private readonly planted = new Set<'commit' | 'welcome'>();
  private queue: Promise<void> = Promise.resolve();
  private executedVersion = 1;
  /** performance.now() of the last upgrade's execute. */
  private upgradedAt = -Infinity;
  readonly stats: DaveStats;

  constructor(
    private readonly sender: DaveExternalSender,
    private readonly wire: DaveWire,
    private readonly botUserId: string,
    private readonly channelId: string,
    initialMembers: number,
    private readonly onError: (err: unknown) => void,
  ) {
    this.stats = newDaveStats();
    const members = Array.from({ length: initialMembers }, () => this.newMember());
    this.pending = { label: 'create', adds: members, addsBot: false, removes: [], winner: 'bot' };
    // Who is in the call, then the external sender: the bot answers with its key package.
    if (members.length) this.wire.json(11, { user_ids: members.map((m) => m.userId) });
    this.wire.binary(DaveOp.ExternalSender, this.sender.package);
  }

  private newMember(userId = String((nextMemberId += 1n))): DaveMember {
    return new DaveMember(userId, this.channelId, this.sender.package);
  }

  private run(step: () => Promise<void> | void): void {
    this.queue = this.queue.then(step).catch(this.onError);
  }

  onBinary(op: number, payload: Buffer): void {
    if (op === DaveOp.KeyPackage) this.run(() => this.onKeyPackage(payload));
    else if (op === DaveOp.CommitWelcome) this.run(() => this.onCommit(payload));
  }

  onJson(op: number, d: Record<string, unknown>): void {
    if (op === DaveOp.TransitionReady) this.run(() => this.onReady(Number(d.transition_id)));
    else if (op === DaveOp.InvalidCommitWelcome) this.run(() => this.onInvalid(Number(d.transition_id)));
  }

  /** The bot's key package: re-adds it after op 31; with no group yet, the members waiting in the call are proposed. */
  private async onKeyPackage(keyPackage: Buffer): Promise<void> {
    if (this.botFlagged) return this.readdBot(keyPackage);
    const change = this.pending;
    if (change?.label !== 'create' || this.epoch !== 0n) return;
    await this.propose(change, await Promise.all(change.adds.map((m) => this.sender.addProposal(this.channelId, this.epoch, m.keyPackage()))));
  }

  /**
   * Op 27 to the bot (unless it is the one pending re-add) and to the members in the group, who
   * each make a commit; a member's wins at once when the change says so, else the bot's op 28 does.
   */
  private async propose(change: Change, messages: Buffer[]): Promise<void> {
    if (!messages.length) return;
    this.pending = change;
    const payload = proposalsPayload(messages);
    if (!change.addsBot) this.wire.binary(DaveOp.Proposals, payload);
    const callers = [this.botUserId, ...this.joined.map((m) => m.userId), ...change.adds.map((m) => m.userId)];
    const leaving = new Set(change.removes.map((r) => r.userId));
    let first: { commit: Buffer; welcome: Buffer | null } | null = null;
    for (const member of this.joined) {
      if (leaving.has(member.userId)) continue;
      const made = member.session.processProposals(payload[0], payload.subarray(1), callers);
      if (made.commit && !first) first = { commit: made.commit, welcome: made.welcome ?? null };
    }
    if (change.winner === 'member') {
      if (!first) throw new Error(`no member of the group could commit "${change.label}"`);
      this.announce(first.commit, first.welcome, 'member');
    }
  }

  /** Op 28: wins if it commits the pending proposals in the current epoch; else another commit won it, and it is dropped. */
  private onCommit(payload: Buffer): void {
    const { commit, welcome } = splitCommitWelcome(payload);
    if (!this.pending || commitEpoch(commit) !== this.epoch) {
      this.stats.droppedCommits++;
      return;
    }
    this.announce(commit, welcome, 'bot');
  }

  /** The winning commit: announced (29) to the bot if it stays in the group, welcomed by the members it adds (30 to the bot). */
  private announce(commit: Buffer, welcome: Buffer | null, committer: Committer): void {
    const change = this.pending!;
    this.pending = null;
    const creating = this.epoch === 0n;
    this.epoch += 1n;
    const id = change.transitionId ?? this.nextTransitionId++;
    for (const r of change.removes) {
      this.leaves[r.leaf] = null;
      if (r.userId === this.botUserId) this.botInGroup = false;
    }
    const removed = new Set(change.removes.map((r) => r.userId));
    this.joined = this.joined.filter((m) => !removed.has(m.userId));
    if (creating) {
      this.leaves = [this.botUserId];
      this.botInGroup = true;
    }
    const restart = this.stats.restarts.at(-1);
    if (restart && (creating || change.addsBot)) restart.rejoinedAt ??= performance.now();
    if (this.botInGroup) this.wire.binary(DaveOp.AnnounceCommit, withTransitionId(id, this.plant('commit', commit)));
    for (const member of this.joined) member.session.processCommit(commit);
    if (change.adds.length || change.addsBot) {
      if (!welcome) throw new Error('the commit adds members but came without a welcome');
      for (const member of change.adds) {
        member.session.processWelcome(welcome);
        this.place(member.userId);
        this.joined.push(member);
      }
      if (change.addsBot) {
        this.place(this.botUserId);
        this.botInGroup = true;
        this.wire.binary(DaveOp.Welcome, withTransitionId(id, this.plant('welcome', welcome)));
      }
    }
    this.stats.epoch = Number(this.epoch);
    this.stats.members = this.members();
    const by = committer === 'bot' ? '' : ", a member's commit";
    this.pendingTransition = { id, kind: `${change.transitionId ? 'upgrade to 1: ' : ''}epoch ${this.epoch} (${change.label}${by})`, version: 1 };
  }

  /** An added leaf takes the leftmost blank one, as MLS adds do. */
  private place(userId: string): void {
    const blank = this.leaves.indexOf(null);
    if (blank >= 0) this.leaves[blank] = userId;
    else this.leaves.push(userId);
  }

  private plant(kind: 'commit' | 'welcome', message: Buffer): Buffer {
    if (!this.planted.delete(kind)) return message;
    return corrupted(message);
  }

  private onReady(id: number): void {
    const t = this.pendingTransition;
    if (!t || t.id !== id) return;
    this.wire.json(DaveOp.ExecuteTransition, { transition_id: id });
    this.complete(t);
  }

  private complete(t: { id: number; kind: string; version: number }, note = ''): void {
    this.pendingTransition = null;
    if (this.executedVersion === 0 && t.version > 0) this.upgradedAt = performance.now();
    this.executedVersion = t.version;
    this.stats.protocolVersion = t.version;
    this.stats.transitions.push({ id: t.id, kind: t.kind + note, at: performance.now() });
  }

  /**
   * Op 31 (whitepaper, "Recovery from Invalid Commit or Welcome"): the bot is pending again. The
   * transition it flagged goes ahead for the members without it (no execute to the bot).
   */
  private onInvalid(transitionId: number): void {
    this.stats.invalidCommits++;
    this.botFlagged = true;
    this.botInGroup = false;
    this.stats.restarts.push({ label: `op 31 (transition ${transitionId})`, at: performance.now(), rejoinedAt: null, firstDecryptedAt: null });
    if (this.pendingTransition?.id === transitionId) this.complete(this.pendingTransition, ' without the bot');
  }

  /** The flagged bot's new key package: one epoch removes its stale leaf and adds it anew, by a member's commit. */
  private async readdBot(keyPackage: Buffer): Promise<void> {
    this.botFlagged = false;
    if (!this.joined.length) throw new Error('no other member of the group to re-add the bot (a sole member resets instead)');
    const leaf = this.leaves.indexOf(this.botUserId);
    const removes = leaf >= 0 ? [{ userId: this.botUserId, leaf }] : [];
    const messages = await Promise.all(removes.map((r) => this.sender.removeProposal(this.channelId, this.epoch, r.leaf)));
    messages.push(await this.sender.addProposal(this.channelId, this.epoch, keyPackage));
    await this.propose({ label: 're-add the bot', adds: [], addsBot: true, removes, winner: 'member' }, messages);
  }

  /** A member joins the call while it plays: announced (11), proposed (27), committed by the bot or by a member. */
  addMember(options: { winner?: Committer } = {}): string {
    const member = this.newMember();
    this.wire.json(11, { user_ids: [member.userId] });
    this.run(async () => {
      const proposal = await this.sender.addProposal(this.channelId, this.epoch, member.keyPackage());
      await this.propose({ label: 'add', adds: [member], addsBot: false, removes: [], winner: options.winner ?? 'bot' }, [proposal]);
    });
    return member.userId;
  }

  /** A member leaves: its disconnect (13), then a Remove proposal for its leaf, committed by the bot or by another member. */
  removeMember(userId: string, options: { winner?: Committer } = {}): void {
    const leaf = this.leaves.indexOf(userId);
    if (leaf < 0) throw new Error(`${userId} is not in the DAVE group`);
    this.wire.json(13, { user_id: userId });
    this.run(async () => {
      const proposal = await this.sender.removeProposal(this.channelId, this.epoch, leaf);
      await this.propose({ label: 'remove', adds: [], addsBot: false, removes: [{ userId, leaf }], winner: options.winner ?? 'bot' }, [proposal]);
    });
  }

  /** A downgrade to protocol version 0 (e.g. a client without DAVE joined): prepare (21), then execute on ready. */
  downgrade(): void {
    this.run(() => {
      const id = this.nextTransitionId++;
      this.pendingTransition = { id, kind: 'downgrade to 0', version: 0 };
      this.wire.json(DaveOp.PrepareTransition, { transition_id: id, protocol_version: 0 });
    });
  }

  /**
   * The upgrade back (the last client without DAVE left): prepare epoch (24) with epoch 1, so the
   * group is made anew; the members, still in the call, are pending again with new key packages,
   * and the bot's key package starts the creation. `externalSender` also sends op 25 again,
   * before or after op 24 (the docs allow it "when the call is upgrading").
   */
  upgrade(options: { externalSender?: 'before' | 'after' } = {}): void {
    this.run(() => {
      if (this.executedVersion !== 0) throw new Error('an upgrade needs the call at protocol version 0');
      const id = this.nextTransitionId++;
      const members = this.joined.map((m) => this.newMember(m.userId));
      this.epoch = 0n;
      this.leaves = [];
      this.joined = [];
      this.botInGroup = false;
      this.pending = { label: 'create', adds: members, addsBot: false, removes: [], winner: 'bot', transitionId: id };
      this.stats.restarts.push({ label: 'upgrade (op 24)', at: performance.now(), rejoinedAt: null, firstDecryptedAt: null });
      if (options.externalSender === 'before') this.wire.binary(DaveOp.ExternalSender, this.sender.package);
      this.wire.json(DaveOp.PrepareEpoch, { transition_id: id, epoch: 1, protocol_version: 1 });
      if (options.externalSender === 'after') this.wire.binary(DaveOp.ExternalSender, this.sender.package);
    });
  }

  /** The next op 29 (a commit) or op 30 (a welcome) to the bot arrives corrupted: the bot cannot process it. */
  plantInvalid(kind: 'commit' | 'welcome'): void {
    this.planted.add(kind);
  }

  /** Member user ids in the group now. */
  members(): string[] {
    return this.joined.map((m) => m.userId);
  }

  /** The Opus inside a media payload: E2EE frames decrypted by the first member; null when lost. */
  openFrame(payload: Buffer): Buffer | null {
    return hearFrame(this.stats, payload, {
      member: this.joined[0],
      senderId: this.botUserId,
      e2ee: this.executedVersion > 0,
      atUpgradeSeam: performance.now() - this.upgradedAt < UPGRADE_SEAM_MS,
    });
  }
}
