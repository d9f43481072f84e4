// RandomizedDelaySec='s delay: random each time, or with FixedRandomDelay= the same for a timer
// on a machine, as systemd 252-257 compute it (SipHash-2-4 of the machine ID, whether it is the
// system manager, the uid and the unit's name, under systemd's fixed key), so a timer spreads
// the same way under ts-init as under systemd on that machine. Pure.
import { siphash24 } from '../journal/hash';

const FIXED_DELAY_KEY = new Uint8Array([0x51, 0x0a, 0xdb, 0x76, 0x29, 0x51, 0x42, 0xc2, 0x80, 0x35, 0xea, 0xe6, 0x8e, 0x3a, 0x37, 0xbd]);

/** systemd's timer_get_fixed_delay_hash, for the system manager (uid 0 unless given). */
export function fixedDelayHash(machineId: string | undefined, unit: string, uid = 0): bigint {
  const name = Buffer.from(unit, 'utf8');
  const data = Buffer.alloc(16 + 1 + 4 + name.length);
  // No machine ID: systemd proceeds with the null id.
  if (machineId && /^[0-9a-f]{32}$/.test(machineId)) Buffer.from(machineId, 'hex').copy(data, 0);
  data[16] = 1; // MANAGER_IS_SYSTEM
  data.writeUInt32LE(uid, 17);
  name.copy(data, 21);
  return siphash24(data, FIXED_DELAY_KEY);
}

/** The delay (µs) below `boundMs` a timer adds this time; 0 without RandomizedDelaySec=. */
export function randomDelayUs(boundMs: number, fixed: boolean, machineId: string | undefined, unit: string, random: () => number = Math.random): number {
  const bound = Math.round(boundMs * 1000);
  if (!(bound > 0)) return 0;
  if (fixed) return Number(fixedDelayHash(machineId, unit) % BigInt(bound));
  return Math.floor(random() * bound);
}
