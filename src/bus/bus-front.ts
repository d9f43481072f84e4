// The bus front: connects to the system bus as root, takes the name org.freedesktop.systemd1
// and answers for it (systemd1.ts) until the bus goes away. Loaded only once a bus socket
// exists (bus-start.ts), so a run without a bus never pays for it.
import { hostFacts } from '../boot/host-facts';
import type { Manager } from '../control/manager';
import type { Logger } from '../log/logger';
import { VERSION } from '../version';
import { BusConnection } from './connection';
import { HOSTNAME1_NAME } from './hostname1';
import { BUS_NAME, type ManagerFacts, Systemd1 } from './systemd1';

const DBUS = { destination: 'org.freedesktop.DBus', path: '/org/freedesktop/DBus', interface: 'org.freedesktop.DBus' };
/** RequestName's flag: fail rather than wait in the queue behind another owner. */
const DO_NOT_QUEUE = 0x4;
const PRIMARY_OWNER = 1;

/** The systemd release whose bus interface this one follows (tools parse the number). */
const SYSTEMD_VERSION = '252';

export function managerFacts(): ManagerFacts {
  const f = hostFacts();
  return { version: `${SYSTEMD_VERSION} (ts-init ${VERSION})`, virtualization: f.container() ?? f.vm() ?? '', architecture: f.architecture() };
}

/** Connected and owning the name; `closed` resolves when the bus connection ends. */
export interface BusFront {
  closed: Promise<void>;
  close(): void;
}

export async function connectSystemd1(socketPath: string, manager: Manager, log: Logger): Promise<BusFront> {
  const conn = await BusConnection.open(socketPath, process.getuid?.() ?? 0);
  const closed = new Promise<void>((resolve) => conn.onClose(resolve));
  try {
    // What the object server needs of the bus: clients' ends (for subscriptions), the name.
    new Systemd1(conn, manager, managerFacts(), log);
    await conn.call({ ...DBUS, member: 'AddMatch', signature: 's', body: ["type='signal',sender='org.freedesktop.DBus',interface='org.freedesktop.DBus',member='NameOwnerChanged'"] });
    const r = await conn.call({ ...DBUS, member: 'RequestName', signature: 'su', body: [BUS_NAME, DO_NOT_QUEUE] });
    if (r.body[0] !== PRIMARY_OWNER) throw new Error(`${BUS_NAME} is owned by another connection`);
    // hostnamed's name too, where the bus's policy lets root own it (systemd's own policy file):
    // no systemd-hostnamed runs under ts-init to answer for it.
    const h = await conn.call({ ...DBUS, member: 'RequestName', signature: 'su', body: [HOSTNAME1_NAME, DO_NOT_QUEUE] }).catch(() => undefined);
    if (h && h.body[0] !== PRIMARY_OWNER) log.info(`${HOSTNAME1_NAME} is owned by another connection`);
  } catch (err) {
    conn.close();
    throw err;
  }
  log.info(`answering as ${BUS_NAME} on ${socketPath} (${conn.uniqueName})`);
  return { closed, close: () => conn.close() };
}
