/**
 * Discord voice UDP packets as a voice server sees them: IP discovery and RTP with the
 * "rtpsize" AEAD modes (the 12-byte RTP header, plus any CSRCs and the extension header, is the
 * additional data; a 4-byte big-endian nonce counter trails the packet).
 */
import { createDecipheriv } from 'node:crypto';
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';

export const DISCOVERY_LENGTH = 74;

/** The 74-byte discovery request: type 1, length 70, SSRC. Null when the packet is not one. */
export function parseDiscoveryRequest(packet: Buffer): { ssrc: number } | null {
  if (packet.length !== DISCOVERY_LENGTH || packet.readUInt16BE(0) !== 1 || packet.readUInt16BE(2) !== 70) return null;
  return { ssrc: packet.readUInt32BE(4) };
}

/** The reply: type 2, length 70, SSRC, the address as seen (null-padded to 64 bytes), the port. */
export function discoveryResponse(ssrc: number, address: string, port: number): Buffer {
  const out = Buffer.alloc(DISCOVERY_LENGTH);
  out.writeUInt16BE(2, 0);
  out.writeUInt16BE(70, 2);
  out.writeUInt32BE(ssrc, 4);
  out.write(address, 8, 'utf8');
  out.writeUInt16BE(port, 72);
  return out;
}

export interface RtpPacket {
  sequence: number;
  timestamp: number;
  ssrc: number;
  payloadType: number;
  /** The decrypted payload: the Opus frame (with any extension body stripped). */
  opus: Buffer;
}

export function isRtp(packet: Buffer): boolean {
  return packet.length >= 12 + 4 + 16 && (packet[0] >> 6) === 2;
}

export class RtpDecryptError extends Error {
  override name = 'RtpDecryptError';
}

/** The parts of an rtpsize packet: the clear header (the additional data), the sealed payload, the nonce counter. */
function splitRtpSize(packet: Buffer, nonceLength: number): { header: Buffer; sealed: Buffer; tag: Buffer; nonce: Buffer; extensionWords: number } {
  const csrcCount = packet[0] & 0x0f;
  const hasExtension = (packet[0] & 0x10) !== 0;
  let headerEnd = 12 + 4 * csrcCount;
  let extensionWords = 0;
  if (hasExtension) {
    extensionWords = packet.readUInt16BE(headerEnd + 2);
    headerEnd += 4; // rtpsize: only the extension header is in the clear; its body is encrypted
  }
  // The 4-byte counter trailing the packet starts the nonce; the rest of the nonce is zeros.
  const nonce = Buffer.alloc(nonceLength);
  packet.copy(nonce, 0, packet.length - 4);
  return {
    header: packet.subarray(0, headerEnd),
    sealed: packet.subarray(headerEnd, packet.length - 4 - 16),
    tag: packet.subarray(packet.length - 4 - 16, packet.length - 4),
    nonce,
    extensionWords,
  };
}

function rtpPacket(packet: Buffer, plain: Buffer, extensionWords: number): RtpPacket {
  return {
    sequence: packet.readUInt16BE(2),
    timestamp: packet.readUInt32BE(4),
    ssrc: packet.readUInt32BE(8),
    payloadType: packet[1] & 0x7f,
    opus: plain.subarray(extensionWords * 4),
  };
}

/** Decrypts an aead_aes256_gcm_rtpsize packet. */
export function decryptAes256GcmRtpSize(packet: Buffer, key: Uint8Array): RtpPacket {
  const { header, sealed, tag, nonce, extensionWords } = splitRtpSize(packet, 12);
  const decipher = createDecipheriv('aes-256-gcm', key, nonce);
  decipher.setAAD(header);
  decipher.setAuthTag(tag);
  let plain: Buffer;
  try {
    plain = Buffer.concat([decipher.update(sealed), decipher.final()]);
  } catch {
    throw new RtpDecryptError('RTP packet failed AES-GCM authentication (wrong key, nonce or additional data)');
  }
  return rtpPacket(packet, plain, extensionWords);
}

/** Decrypts an aead_xchacha20_poly1305_rtpsize packet (24-byte nonce; Node's crypto has no XChaCha20). */
export function decryptXChaCha20RtpSize(packet: Buffer, key: Uint8Array): RtpPacket {
  const { header, sealed, tag, nonce, extensionWords } = splitRtpSize(packet, 24);
  let plain: Buffer;
  try {
    plain = Buffer.from(xchacha20poly1305(key, nonce, header).decrypt(Buffer.concat([sealed, tag])));
  } catch {
    throw new RtpDecryptError('RTP packet failed XChaCha20-Poly1305 authentication (wrong key, nonce or additional data)');
  }
  return rtpPacket(packet, plain, extensionWords);
}
