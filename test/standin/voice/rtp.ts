/**
 * Discord voice UDP packets as a voice server sees them: IP discovery and RTP with the
 * "rtpsize" AEAD modes (the 12-byte RTP header, plus any CSRCs and the extension header, is the
 * additional data; a 4-byte big-endian nonce counter trails the packet).
 */
import { createDecipheriv } from 'node:crypto';

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

/** Decrypts an aead_aes256_gcm_rtpsize packet. */
export function decryptAes256GcmRtpSize(packet: Buffer, key: Uint8Array): RtpPacket {
  const csrcCount = packet[0] & 0x0f;
  const hasExtension = (packet[0] & 0x10) !== 0;
  let headerEnd = 12 + 4 * csrcCount;
  let extensionWords = 0;
  if (hasExtension) {
    extensionWords = packet.readUInt16BE(headerEnd + 2);
    headerEnd += 4; // rtpsize: only the extension header is in the clear; its body is encrypted
  }
  const nonce = Buffer.alloc(12);
  packet.copy(nonce, 0, packet.length - 4);
  const tag = packet.subarray(packet.length - 4 - 16, packet.length - 4);
  const cipherText = packet.subarray(headerEnd, packet.length - 4 - 16);
  const decipher = createDecipheriv('aes-256-gcm', key, nonce);
  decipher.setAAD(packet.subarray(0, headerEnd));
  decipher.setAuthTag(tag);
  let plain: Buffer;
  try {
    plain = Buffer.concat([decipher.update(cipherText), decipher.final()]);
  } catch {
    throw new RtpDecryptError('RTP packet failed AES-GCM authentication (wrong key, nonce or additional data)');
  }
  return {
    sequence: packet.readUInt16BE(2),
    timestamp: packet.readUInt32BE(4),
    ssrc: packet.readUInt32BE(8),
    payloadType: packet[1] & 0x7f,
    opus: plain.subarray(extensionWords * 4),
  };
}
