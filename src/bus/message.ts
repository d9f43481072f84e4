// A D-Bus message: its fixed header, header fields and body, encoded and decoded (pure).
// `frameLength` tells from the first 16 bytes how long the whole message is, so the
// connection can refuse an oversized one before reading it.
import { Reader, variant, WireError, Writer, type Variant } from './wire';

export const MessageType = { MethodCall: 1, MethodReturn: 2, Error: 3, Signal: 4 } as const;
export type MessageType = (typeof MessageType)[keyof typeof MessageType];

export const FLAG_NO_REPLY_EXPECTED = 0x1;

export interface Message {
  type: MessageType;
  flags: number;
  serial: number;
  path?: string;
  interface?: string;
  member?: string;
  errorName?: string;
  replySerial?: number;
  destination?: string;
  sender?: string;
  signature: string;
  body: unknown[];
}

const FIELD = { path: 1, interface: 2, member: 3, errorName: 4, replySerial: 5, destination: 6, sender: 7, signature: 8, unixFds: 9 } as const;
const FIELD_SIG: Record<number, string> = { 1: 'o', 2: 's', 3: 's', 4: 's', 5: 'u', 6: 's', 7: 's', 8: 'g', 9: 'u' };

/** The whole message's length from its first 16 bytes, or undefined when fewer have come. */
export function frameLength(head: Buffer): number | undefined {
  if (head.length < 16) return undefined;
  const little = head[0] === 0x6c;
  if (!little && head[0] !== 0x42) throw new WireError('bad byte-order mark');
  if (head[3] !== 1) throw new WireError('unknown protocol version');
  const body = little ? head.readUInt32LE(4) : head.readUInt32BE(4);
  const fields = little ? head.readUInt32LE(12) : head.readUInt32BE(12);
  const headerEnd = 16 + fields;
  return headerEnd + ((8 - (headerEnd % 8)) % 8) + body;
}

/** Where the header fields end and the body begins, from the first 16 bytes. */
export function headerLength(head: Buffer): number {
  const fields = head[0] === 0x6c ? head.readUInt32LE(12) : head.readUInt32BE(12);
  const end = 16 + fields;
  return end + ((8 - (end % 8)) % 8);
}

/** Decodes one whole message (as `frameLength` measured it). */
export function decodeMessage(buf: Buffer): Message {
  const { m, little, bodyAt, bodyLength } = decodeHeader(buf);
  if (bodyAt + bodyLength !== buf.length) throw new WireError('body length does not match');
  const body = new Reader(buf.subarray(bodyAt), 0, little);
  m.body = body.values(m.signature);
  if (body.pos !== bodyLength) throw new WireError('body longer than its signature');
  return m;
}

/** Decodes the fixed header and the header fields (`buf` holds at least `headerLength` bytes); the body is left alone. */
export function decodeHeader(buf: Buffer): { m: Message; little: boolean; bodyAt: number; bodyLength: number } {
  const little = buf[0] === 0x6c;
  const r = new Reader(buf, 1, little);
  const type = r.u8() as MessageType;
  const flags = r.u8();
  r.u8();
  const bodyLength = r.u32();
  const serial = r.u32();
  if (serial === 0) throw new WireError('serial 0');
  const fields = r.value('a(yv)') as Array<[number, Variant]>;
  const m: Message = { type, flags, serial, signature: '', body: [] };
  for (const [code, v] of fields) {
    const want = FIELD_SIG[code];
    if (!want) continue; // unknown fields are ignored, as the specification asks
    if (v.sig !== want) throw new WireError(`header field ${code} has type ${v.sig}`);
    if (code === FIELD.path) m.path = v.value as string;
    else if (code === FIELD.interface) m.interface = v.value as string;
    else if (code === FIELD.member) m.member = v.value as string;
    else if (code === FIELD.errorName) m.errorName = v.value as string;
    else if (code === FIELD.replySerial) m.replySerial = v.value as number;
    else if (code === FIELD.destination) m.destination = v.value as string;
    else if (code === FIELD.sender) m.sender = v.value as string;
    else if (code === FIELD.signature) m.signature = v.value as string;
    else if (code === FIELD.unixFds && (v.value as number) > 0) throw new WireError('file descriptors were not negotiated');
  }
  r.align(8);
  if (m.type === MessageType.MethodCall && (!m.path || !m.member)) throw new WireError('method call without path or member');
  if (m.type === MessageType.Signal && (!m.path || !m.member || !m.interface)) throw new WireError('signal without path, interface or member');
  if ((m.type === MessageType.MethodReturn || m.type === MessageType.Error) && m.replySerial === undefined) throw new WireError('reply without reply serial');
  return { m, little, bodyAt: r.pos, bodyLength };
}

/** Encodes a message, little-endian: header and body in one buffer (the body's length patched in once written). */
export function encodeMessage(m: Message): Buffer {
  const fields: Array<[number, Variant]> = [];
  const add = (code: number, value: unknown): void => {
    if (value !== undefined) fields.push([code, variant(FIELD_SIG[code]!, value)]);
  };
  add(FIELD.path, m.path);
  add(FIELD.interface, m.interface);
  add(FIELD.member, m.member);
  add(FIELD.errorName, m.errorName);
  add(FIELD.replySerial, m.replySerial);
  add(FIELD.destination, m.destination);
  add(FIELD.sender, m.sender);
  if (m.signature) add(FIELD.signature, m.signature);
  const w = new Writer();
  w.u8(0x6c);
  w.u8(m.type);
  w.u8(m.flags);
  w.u8(1);
  w.u32(0);
  w.u32(m.serial);
  w.value('a(yv)', fields);
  w.align(8);
  // The body starts 8-aligned: its values align relative to the message's start as to its own.
  const bodyAt = w.length;
  w.values(m.signature, m.body);
  w.setU32(4, w.length - bodyAt);
  return w.bytes();
}
