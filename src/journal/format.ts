// journald's file format (systemd.io "Journal File Format"; systemd's journal-def.h): the byte
// layout of the header and the objects, little-endian throughout, objects 8-byte aligned.
// Only what the writer and reader here use; pure.

export const SIGNATURE = Buffer.from('LPKSHHRH', 'latin1');

export const STATE_OFFLINE = 0;
export const STATE_ONLINE = 1;
export const STATE_ARCHIVED = 2;

export const INCOMPATIBLE_COMPRESSED_XZ = 1;
export const INCOMPATIBLE_COMPRESSED_LZ4 = 2;
export const INCOMPATIBLE_KEYED_HASH = 4;
export const INCOMPATIBLE_COMPRESSED_ZSTD = 8;
export const INCOMPATIBLE_COMPACT = 16;

export const OBJECT_DATA = 1;
export const OBJECT_FIELD = 2;
export const OBJECT_ENTRY = 3;
export const OBJECT_DATA_HASH_TABLE = 4;
export const OBJECT_FIELD_HASH_TABLE = 5;
export const OBJECT_ENTRY_ARRAY = 6;

/** Header field offsets (struct Header); systemd 254 added tail_entry_offset (8 bytes) after these. */
export const H = {
  signature: 0,
  compatibleFlags: 8,
  incompatibleFlags: 12,
  state: 16,
  fileId: 24,
  machineId: 40,
  tailEntryBootId: 56,
  seqnumId: 72,
  headerSize: 88,
  arenaSize: 96,
  dataHashTableOffset: 104,
  dataHashTableSize: 112,
  fieldHashTableOffset: 120,
  fieldHashTableSize: 128,
  tailObjectOffset: 136,
  nObjects: 144,
  nEntries: 152,
  tailEntrySeqnum: 160,
  headEntrySeqnum: 168,
  entryArrayOffset: 176,
  headEntryRealtime: 184,
  tailEntryRealtime: 192,
  tailEntryMonotonic: 200,
  nData: 208,
  nFields: 216,
  nTags: 224,
  nEntryArrays: 232,
  dataHashChainDepth: 240,
  fieldHashChainDepth: 248,
  tailEntryArrayOffset: 256, // le32
  tailEntryArrayNEntries: 260, // le32
} as const;
/** The header as systemd 252 writes it (see journal-file-writer.ts for why not 254's 272). */
export const HEADER_SIZE = 264;
/** The smallest header a reader accepts (up to n_data, systemd 187). */
export const HEADER_SIZE_MIN = 208;

/** Object layouts (regular, i.e. not compact, mode). */
export const OBJECT_HEADER_SIZE = 16; // type u8, flags u8, reserved[6], size le64
export const DATA = { hash: 16, nextHashOffset: 24, nextFieldOffset: 32, entryOffset: 40, entryArrayOffset: 48, nEntries: 56, payload: 64 } as const;
export const FIELD = { hash: 16, nextHashOffset: 24, headDataOffset: 32, payload: 40 } as const;
export const ENTRY = { seqnum: 16, realtime: 24, monotonic: 32, bootId: 40, xorHash: 56, items: 64, itemSize: 16 } as const;
export const ENTRY_ARRAY = { nextEntryArrayOffset: 16, items: 24, itemSize: 8 } as const;
export const HASH_ITEM_SIZE = 16; // head_hash_offset le64, tail_hash_offset le64

export const align8 = (n: number): number => Math.ceil(n / 8) * 8;

/** Offsets and counts are below 2^53 here (files are capped far below), so a number holds them. */
export function getU64(buf: Uint8Array, at: number): number {
  const b = buf as Buffer;
  return b.readUInt32LE(at) + b.readUInt32LE(at + 4) * 0x1_0000_0000;
}

export function putU64(buf: Uint8Array, at: number, value: number): void {
  const b = buf as Buffer;
  b.writeUInt32LE(value >>> 0, at);
  b.writeUInt32LE(Math.floor(value / 0x1_0000_0000) >>> 0, at + 4);
}

export function putBig64(buf: Uint8Array, at: number, value: bigint): void {
  (buf as Buffer).writeBigUInt64LE(value, at);
}

export function getBig64(buf: Uint8Array, at: number): bigint {
  return (buf as Buffer).readBigUInt64LE(at);
}

/** The 128-bit id as systemd prints it (32 lowercase hex digits). */
export const id128Hex = (id: Uint8Array): string => Buffer.from(id).toString('hex');
