/**
 * One bot's DAVE session as the voice gateway runs it (voice docs, "End-to-End Encryption"):
 * external sender (25), the bot's key package (26), proposals adding the call's other members
 * (27), the bot's commit and welcome (28), the commit announced back (29) and the welcome handed to
 * the new members, transition ready (23) answered by execute (22); members joining and leaving
 * make new epochs; a downgrade to protocol version 0 is prepare (21), ready (23), execute (22).
 * The other members are davey sessions here; the first one in the group decrypts the bot's frames.
 */
import { DaveExternalSender, DaveMember, DaveOp, isDaveFrame, proposalsPayload, splitCommitWelcome } from './dave.ts';

export interface DaveWire {
  json(op: number, d: unknown): void;
  binary(op: number, payload: Buffer): void;
}

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
  /** Executed transitions: id, what, when (performance.now()). */
  transitions: { id: number; kind: string; at: number }[];
  members: string[];
  invalidCommits: number;
}

type Change = { kind: 'create' | 'add'; members: DaveMember[] } | { kind: 'remove'; userId: string; leaf: number };

/** Opus silence (0xF8 0xFF 0xFE): sent in the clear even with DAVE (whitepaper, "Silence packets"). */
const SILENCE = Buffer.from([0xf8, 0xff, 0xfe]);

let nextMemberId = 900_000_000_000_000_000n;

export class DaveCall {
  private epoch = 0n;
  /** Leaf index -> user id (null: a blank leaf); leaf 0 is the bot once it creates the group. */
  private leaves: (string | null)[] = [];
  /** Members in the group, and members proposed but not yet welcomed. */
  private joined: DaveMember[] = [];
  private pending: Change | null = null;
  private pendingTransition: { id: number; kind: string; version: number } | null = null;
  private nextTransitionId = 1;
  private queue: Promise<void> = Promise.resolve();
  private executedVersion = 1;
  readonly stats: DaveStats;

  constructor(
    private readonly sender: DaveExternalSender,
    private readonly wire: DaveWire,
    private readonly botUserId: string,
    private readonly channelId: string,
    initialMembers: number,
    private readonly onError: (err: unknown) => void,
  ) {
    this.stats = { protocolVersion: 1, epoch: 0, startedAt: performance.now(), firstDecryptedAt: null, decrypted: 0, undecryptable: 0, plainWhileE2ee: 0, transitions: [], members: [], invalidCommits: 0 };
    const members = Array.from({ length: initialMembers }, () => this.newMember());
    this.pending = { kind: 'create', members };
    // Who is in the call, then the external sender: the bot answers with its key package.
    if (members.length) this.wire.json(11, { user_ids: members.map((m) => m.userId) });
    this.wire.binary(DaveOp.ExternalSender, this.sender.package);
  }

  private newMember(): DaveMember {
    nextMemberId += 1n;
    return new DaveMember(String(nextMemberId), this.channelId, this.sender.package);
  }

  private run(step: () => Promise<void> | void): void {
    this.queue = this.queue.then(step).catch(this.onError);
  }

  onBinary(op: number, payload: Buffer): void {
    if (op === DaveOp.KeyPackage) this.run(() => this.onKeyPackage());
    else if (op === DaveOp.CommitWelcome) this.run(() => this.onCommit(payload));
  }

  onJson(op: number, d: Record<string, unknown>): void {
    if (op === DaveOp.TransitionReady) this.run(() => this.onReady(Number(d.transition_id)));
    else if (op === DaveOp.InvalidCommitWelcome) this.stats.invalidCommits++;
  }

  /** The bot's key package: with no group yet, propose the members waiting in the call. */
  private async onKeyPackage(): Promise<void> {
    if (this.pending?.kind !== 'create' || this.epoch !== 0n) return;
    await this.propose(await Promise.all(this.pending.members.map((m) => this.sender.addProposal(this.channelId, this.epoch, m.keyPackage()))));
  }

  /** Op 27 to the bot; the members in the group get the same proposals (their commits lose to the bot's). */
  private async propose(messages: Buffer[]): Promise<void> {
    if (!messages.length) return;
    const payload = proposalsPayload(messages);
    this.wire.binary(DaveOp.Proposals, payload);
    const callers = [this.botUserId, ...this.joined.map((m) => m.userId), ...(this.pending && this.pending.kind !== 'remove' ? this.pending.members.map((m) => m.userId) : [])];
    const leaving = this.pending?.kind === 'remove' ? this.pending.userId : null;
    for (const member of this.joined) if (member.userId !== leaving) member.session.processProposals(payload[0], payload.subarray(1), callers);
  }

  /** The bot's commit wins the epoch: announce it (29), welcome the added members, move the others on. */
  private onCommit(payload: Buffer): void {
    const change = this.pending;
    if (!change) return;
    const { commit, welcome } = splitCommitWelcome(payload);
    this.pending = null;
    this.epoch += 1n;
    const id = this.nextTransitionId++;
    const announce = Buffer.alloc(2);
    announce.writeUInt16BE(id);
    this.wire.binary(DaveOp.AnnounceCommit, Buffer.concat([announce, commit]));
    if (change.kind === 'remove') {
      this.leaves[change.leaf] = null;
      this.joined = this.joined.filter((m) => m.userId !== change.userId);
    }
    for (const member of this.joined) member.session.processCommit(commit);
    if (change.kind === 'create') this.leaves = [this.botUserId];
    if (change.kind !== 'remove') {
      if (!welcome) throw new Error('the commit adds members but op 28 carried no welcome');
      for (const member of change.members) {
        member.session.processWelcome(welcome);
        const blank = this.leaves.indexOf(null);
        if (blank >= 0) this.leaves[blank] = member.userId;
        else this.leaves.push(member.userId);
        this.joined.push(member);
      }
    }
    this.stats.epoch = Number(this.epoch);
    this.stats.members = this.joined.map((m) => m.userId);
    this.pendingTransition = { id, kind: `epoch ${this.epoch} (${change.kind})`, version: 1 };
  }

  private onReady(id: number): void {
    const t = this.pendingTransition;
    if (!t || t.id !== id) return;
    this.pendingTransition = null;
    this.wire.json(DaveOp.ExecuteTransition, { transition_id: id });
    this.executedVersion = t.version;
    this.stats.protocolVersion = t.version;
    this.stats.transitions.push({ id, kind: t.kind, at: performance.now() });
  }

  /** A member joins the call while it plays: announced (11), proposed (27), committed by the bot. */
  addMember(): string {
    const member = this.newMember();
    this.wire.json(11, { user_ids: [member.userId] });
    this.run(async () => {
      this.pending = { kind: 'add', members: [member] };
      await this.propose([await this.sender.addProposal(this.channelId, this.epoch, member.keyPackage())]);
    });
    return member.userId;
  }

  /** A member leaves: its disconnect (13), then a Remove proposal for its leaf. */
  removeMember(userId: string): void {
    const leaf = this.leaves.indexOf(userId);
    if (leaf < 0) throw new Error(`${userId} is not in the DAVE group`);
    this.wire.json(13, { user_id: userId });
    this.run(async () => {
      this.pending = { kind: 'remove', userId, leaf };
      await this.propose([await this.sender.removeProposal(this.channelId, this.epoch, leaf)]);
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

  /** Member user ids in the group now. */
  members(): string[] {
    return this.joined.map((m) => m.userId);
  }

  /** The Opus inside a media payload: E2EE frames decrypted by the first member; null when lost. */
  openFrame(payload: Buffer): Buffer | null {
    if (isDaveFrame(payload)) {
      const plain = this.joined.length ? this.joined[0].decrypt(this.botUserId, payload) : null;
      if (!plain) {
        this.stats.undecryptable++;
        return null;
      }
      this.stats.decrypted++;
      this.stats.firstDecryptedAt ??= performance.now();
      return plain;
    }
    // Once E2EE frames arrive, every later non-silence frame must be one, until a downgrade.
    if (this.executedVersion > 0 && this.stats.firstDecryptedAt !== null && !payload.equals(SILENCE)) this.stats.plainWhileE2ee++;
    return payload;
  }
}
