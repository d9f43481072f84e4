// org.freedesktop.DBus.Introspectable's XML (pure), made from the same tables that answer
// the calls, so what an object says it has is what it has.
import type { PropertySpec } from './unit-properties';

export interface MethodSpec {
  name: string;
  in: string;
  out: string;
}

export interface SignalSpec {
  name: string;
  sig: string;
}

export interface InterfaceSpec {
  name: string;
  methods: readonly MethodSpec[];
  signals?: readonly SignalSpec[];
  properties?: ReadonlyArray<Pick<PropertySpec, 'name' | 'sig'>>;
}

const DOCTYPE =
  '<!DOCTYPE node PUBLIC "-//freedesktop//DTD D-BUS Object Introspection 1.0//EN"\n "http://www.freedesktop.org/standards/dbus/1.0/introspect.dtd">\n';

export const STANDARD_INTERFACES: readonly InterfaceSpec[] = [
  { name: 'org.freedesktop.DBus.Peer', methods: [{ name: 'Ping', in: '', out: '' }, { name: 'GetMachineId', in: '', out: 's' }] },
  { name: 'org.freedesktop.DBus.Introspectable', methods: [{ name: 'Introspect', in: '', out: 's' }] },
  {
    name: 'org.freedesktop.DBus.Properties',
    methods: [
      { name: 'Get', in: 'ss', out: 'v' },
      { name: 'GetAll', in: 's', out: 'a{sv}' },
      { name: 'Set', in: 'ssv', out: '' },
    ],
    signals: [{ name: 'PropertiesChanged', sig: 'sa{sv}as' }],
  },
];

const attr = (s: string): string => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

function args(sig: string, direction: 'in' | 'out' | undefined, split: (s: string) => string[]): string {
  return split(sig)
    .map((t) => `   <arg type="${attr(t)}"${direction ? ` direction="${direction}"` : ''}/>\n`)
    .join('');
}

/** The XML for an object with these interfaces and child nodes. `split` splits a signature into complete types. */
export function introspectionXml(interfaces: readonly InterfaceSpec[], children: readonly string[], split: (s: string) => string[]): string {
  let xml = `${DOCTYPE}<node>\n`;
  for (const i of interfaces) {
    xml += ` <interface name="${attr(i.name)}">\n`;
    for (const m of i.methods) xml += `  <method name="${attr(m.name)}">\n${args(m.in, 'in', split)}${args(m.out, 'out', split)}  </method>\n`;
    for (const s of i.signals ?? []) xml += `  <signal name="${attr(s.name)}">\n${args(s.sig, undefined, split)}  </signal>\n`;
    for (const p of i.properties ?? []) xml += `  <property name="${attr(p.name)}" type="${attr(p.sig)}" access="read"/>\n`;
    xml += ' </interface>\n';
  }
  for (const c of children) xml += ` <node name="${attr(c)}"/>\n`;
  return `${xml}</node>\n`;
}
