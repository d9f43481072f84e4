// What ListenStream=, ListenDatagram=, ListenSequentialPacket= and ListenFIFO= name
// (systemd.socket(5)): a file system path, an abstract socket ("@name"), a port
// (both IPv6 and IPv4, as [::]:port), "a.b.c.d:port" or "[ipv6]:port". Pure.

export type ListenKind = 'stream' | 'datagram' | 'seqpacket' | 'fifo';

export type ListenAddress =
  | { family: 'unix'; path: string }
  | { family: 'ipv4' | 'ipv6'; host: string; port: number };

export interface Listen {
  kind: ListenKind;
  /** The setting's text, for messages and systemctl show. */
  text: string;
  address: ListenAddress;
}

function port(text: string): number | undefined {
  if (!/^\d{1,5}$/.test(text)) return undefined;
  const n = Number(text);
  return n >= 1 && n <= 65535 ? n : undefined;
}

export function parseListenAddress(kind: ListenKind, text: string): ListenAddress | string {
  const t = text.trim();
  if (kind === 'fifo') return t.startsWith('/') ? { family: 'unix', path: t } : `"${t}" is not an absolute path`;
  if (t.startsWith('/') || t.startsWith('@')) {
    if (Buffer.byteLength(t) > 107) return `"${t}" is too long for a socket address`;
    if (kind === 'seqpacket' || kind === 'stream' || kind === 'datagram') return { family: 'unix', path: t };
  }
  const only = port(t);
  if (only !== undefined) return { family: 'ipv6', host: '::', port: only };
  const v6 = /^\[([0-9A-Fa-f:]+)\]:(\d+)$/.exec(t);
  if (v6) {
    const p = port(v6[2]!);
    return p === undefined ? `"${t}": invalid port` : { family: 'ipv6', host: v6[1]!, port: p };
  }
  const v4 = /^(\d{1,3}(?:\.\d{1,3}){3}):(\d+)$/.exec(t);
  if (v4) {
    const p = port(v4[2]!);
    if (v4[1]!.split('.').some((b) => Number(b) > 255)) return `"${t}": invalid IPv4 address`;
    return p === undefined ? `"${t}": invalid port` : { family: 'ipv4', host: v4[1]!, port: p };
  }
  return `"${t}" is not a path, a port, or address:port`;
}
