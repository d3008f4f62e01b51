/**
 * DAVE (Discord's audio E2EE) as the voice gateway plays it: the gateway is the MLS group's
 * external sender (it signs the Add and Remove proposals, with ts-mls), and the other members of
 * the call are @snazzah/davey sessions held here, so the stand-in hears the bot's E2EE frames as a
 * member does. Binary message layouts follow the voice docs and the DAVE protocol whitepaper:
 * server -> client `seq (u16) | opcode (u8) | payload`, client -> server `opcode (u8) | payload`.
 */
import davey from '@snazzah/davey';
import {
  decodeMlsMessage,
  encodeExternalSender,
  encodeMlsMessage,
  getCiphersuiteFromName,
  getCiphersuiteImpl,
  proposeExternal,
  type CiphersuiteImpl,
  type ExternalSender,
  type GroupInfo,
  type KeyPackage,
  type Proposal,
} from 'ts-mls';

/** DAVE protocol version 1's MLS ciphersuite. */
const CIPHERSUITE = 'MLS_128_DHKEMP256_AES128GCM_SHA256_P256';
/** davey's MediaType.AUDIO (a const enum, so not importable as a value here). */
const AUDIO = 0;
/** A DAVE frame ends with this marker (whitepaper: "magic marker" 0xFAFA). */
const DAVE_MAGIC = 0xfafa;

export const DaveOp = {
  PrepareTransition: 21,
  ExecuteTransition: 22,
  TransitionReady: 23,
  PrepareEpoch: 24,
  ExternalSender: 25,
  KeyPackage: 26,
  Proposals: 27,
  CommitWelcome: 28,
  AnnounceCommit: 29,
  Welcome: 30,
  InvalidCommitWelcome: 31,
} as const;

/** Proposals (op 27) operation types. */
export const PROPOSALS_APPEND = 0;

/** A Discord id as MLS carries it: 8 bytes, big-endian (group id = channel id, identity = user id). */
export function idBytes(id: string): Buffer {
  const out = Buffer.alloc(8);
  out.writeBigUInt64BE(BigInt(id));
  return out;
}

/** MLS's variable-length integer (RFC 9420 2.1.2), the length prefix of opaque<V>. */
export function mlsVarint(n: number): Buffer {
  if (n < 1 << 6) return Buffer.from([n]);
  if (n < 1 << 14) return Buffer.from([0x40 | (n >> 8), n & 0xff]);
  const out = Buffer.alloc(4);
  out.writeUInt32BE((0x80 << 24) | n);
  return out;
}

/** Whether an Opus payload is a DAVE frame (rather than transport-only Opus). */
export function isDaveFrame(payload: Buffer): boolean {
  return payload.length > 2 && payload.readUInt16BE(payload.length - 2) === DAVE_MAGIC;
}

/** The voice gateway's MLS identity: signs external proposals for one call's group. */
export class DaveExternalSender {
  private constructor(
    private readonly cs: CiphersuiteImpl,
    private readonly sender: ExternalSender,
    private readonly signKey: Uint8Array,
  ) {}

  static async create(): Promise<DaveExternalSender> {
    const cs = await getCiphersuiteImpl(getCiphersuiteFromName(CIPHERSUITE));
    const { publicKey, signKey } = await cs.signature.keygen();
    return new DaveExternalSender(cs, { signaturePublicKey: publicKey, credential: { credentialType: 'basic', identity: idBytes('0') } }, signKey);
  }

  /** Op 25's payload: the ExternalSender struct. */
  get package(): Buffer {
    return Buffer.from(encodeExternalSender(this.sender));
  }

  /** An Add proposal for a member's key package (the KeyPackage struct op 26 carries), as an MLSMessage. */
  addProposal(channelId: string, epoch: bigint, keyPackage: Buffer): Promise<Buffer> {
    // A KeyPackage message: version mls10 (1), wire format mls_key_package (5), the struct.
    const decoded = decodeMlsMessage(Buffer.concat([Buffer.from([0, 1, 0, 5]), keyPackage]), 0);
    if (!decoded || !('keyPackage' in decoded[0])) throw new Error('op 26 did not carry an MLS key package');
    return this.propose(channelId, epoch, { proposalType: 'add', add: { keyPackage: decoded[0].keyPackage as KeyPackage } });
  }

  removeProposal(channelId: string, epoch: bigint, leafIndex: number): Promise<Buffer> {
    return this.propose(channelId, epoch, { proposalType: 'remove', remove: { removed: leafIndex } });
  }

  private async propose(channelId: string, epoch: bigint, proposal: Proposal): Promise<Buffer> {
    // An external proposal's signature covers the group id and epoch, not the rest of the context.
    const groupInfo = {
      groupContext: {
        version: 'mls10',
        cipherSuite: CIPHERSUITE,
        groupId: idBytes(channelId),
        epoch,
        treeHash: new Uint8Array(),
        confirmedTranscriptHash: new Uint8Array(),
        extensions: [{ extensionType: 'external_senders', extensionData: encodeExternalSender(this.sender) }],
      },
    } as unknown as GroupInfo;
    const message = await proposeExternal(groupInfo, proposal, this.sender.signaturePublicKey, this.signKey, this.cs);
    return Buffer.from(encodeMlsMessage(message));
  }
}

/** Op 27's payload: operation type, then the proposal messages as one opaque<V>. */
export function proposalsPayload(messages: Buffer[]): Buffer {
  const body = Buffer.concat(messages);
  return Buffer.concat([Buffer.from([PROPOSALS_APPEND]), mlsVarint(body.length), body]);
}

/** Op 28's payload: the Commit (an MLSMessage) and, when it adds members, the Welcome after it. */
export function splitCommitWelcome(payload: Buffer): { commit: Buffer; welcome: Buffer | null } {
  const decoded = decodeMlsMessage(payload, 0);
  if (!decoded) throw new Error('op 28 did not start with an MLS commit message');
  const end = decoded[1];
  return { commit: payload.subarray(0, end), welcome: end < payload.length ? payload.subarray(end) : null };
}

/** The epoch an MLS commit (a PublicMessage, as DAVE requires of handshake messages) was made in. */
export function commitEpoch(commit: Buffer): bigint {
  const decoded = decodeMlsMessage(commit, 0);
  if (!decoded || decoded[0].wireformat !== 'mls_public_message') throw new Error('op 28 carried no MLS PublicMessage commit');
  return decoded[0].publicMessage.content.epoch;
}

/** A binary message with a transition id before its MLS message (ops 29 and 30). */
export function withTransitionId(id: number, message: Buffer): Buffer {
  const head = Buffer.alloc(2);
  head.writeUInt16BE(id);
  return Buffer.concat([head, message]);
}

/**
 * A copy of an MLS message that no member can process: its last byte flipped (a commit's
 * membership tag, a welcome's encrypted group info), the rest intact.
 */
export function corrupted(message: Buffer): Buffer {
  const out = Buffer.from(message);
  out[out.length - 1] ^= 0xff;
  return out;
}

/** Another member of the call, played by a davey session: it joins by Welcome and hears the bot. */
export class DaveMember {
  readonly session: InstanceType<typeof davey.DAVESession>;

  constructor(
    readonly userId: string,
    channelId: string,
    externalSender: Buffer,
  ) {
    this.session = new davey.DAVESession(1, userId, channelId);
    this.session.setExternalSender(externalSender);
  }

  keyPackage(): Buffer {
    return this.session.getSerializedKeyPackage();
  }

  /** Decrypts a DAVE audio frame from `senderId`; null when it does not decrypt. */
  decrypt(senderId: string, frame: Buffer): Buffer | null {
    try {
      return this.session.decrypt(senderId, AUDIO, frame);
    } catch {
      return null;
    }
  }
}
