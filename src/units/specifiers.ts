// %-specifiers of unit files (systemd.unit(5), "Specifiers") and unit name helpers.
//
// ts-init is the system manager, so the user-related specifiers resolve to root, as they
// do for systemd's system instance. Specifiers that need data the caller did not supply
// (machine id, boot id, ...) and unknown ones are left as written and reported.

export interface UnitNameParts {
  /** "getty" for "getty@tty1.service". */
  prefix: string;
  /** "tty1" for "getty@tty1.service"; undefined without "@"; "" for a template. */
  instance?: string;
  /** "service" */
  type: string;
}

const UNIT_TYPES = new Set([
  'service', 'socket', 'target', 'device', 'mount', 'automount', 'swap', 'timer', 'path', 'slice', 'scope',
]);

/** The characters of a unit name before its type (one RegExp, not one made at each call: a boot parses names thousands of times). */
const UNIT_NAME_STEM = /^[A-Za-z0-9:_.\\@-]+$/;

/** Split a unit name into prefix, instance and type; undefined when it is not a valid unit name. */
export function parseUnitName(name: string): UnitNameParts | undefined {
  if (name.length === 0 || name.length > 255) return undefined;
  const dot = name.lastIndexOf('.');
  if (dot <= 0) return undefined;
  const type = name.slice(dot + 1);
  if (!UNIT_TYPES.has(type)) return undefined;
  const stem = name.slice(0, dot);
  if (!UNIT_NAME_STEM.test(stem)) return undefined;
  const at = stem.indexOf('@');
  if (at < 0) return { prefix: stem, type };
  if (at === 0 || stem.indexOf('@', at + 1) >= 0) return undefined;
  return { prefix: stem.slice(0, at), instance: stem.slice(at + 1), type };
}

export function isValidUnitName(name: string): boolean {
  return parseUnitName(name) !== undefined;
}

/** "foo@.service" for "foo@bar.service"; undefined when the name is not an instance. */
export function templateOf(name: string): string | undefined {
  // No "@": no instance (nearly every unit), nothing to parse.
  if (!name.includes('@')) return undefined;
  const p = parseUnitName(name);
  if (!p || p.instance === undefined || p.instance === '') return undefined;
  return `${p.prefix}@.${p.type}`;
}

export function isTemplate(name: string): boolean {
  if (!name.includes('@')) return false;
  const p = parseUnitName(name);
  return p !== undefined && p.instance === '';
}

/** "foo@bar.service" from template "foo@.service" and instance "bar". */
export function instanceName(template: string, instance: string): string {
  const p = parseUnitName(template);
  if (p?.instance !== '') throw new Error(`not a template unit name: ${template}`);
  return `${p.prefix}@${instance}.${p.type}`;
}

/** Undo systemd unit name escaping: "-" is "/", "\xNN" is a byte. */
export function unescapeUnitName(text: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '-') {
      bytes.push(0x2f);
    } else if (c === '\\' && text[i + 1] === 'x' && /^[0-9a-fA-F]{2}$/.test(text.slice(i + 2, i + 4))) {
      bytes.push(parseInt(text.slice(i + 2, i + 4), 16));
      i += 3;
    } else {
      bytes.push(...Buffer.from(c, 'utf8'));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** systemd unit name escaping: "/" becomes "-", other special characters "\xNN". */
export function escapeUnitName(text: string): string {
  let out = '';
  const bytes = Buffer.from(text, 'utf8');
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    const c = String.fromCharCode(b);
    if (b === 0x2f) out += '-';
    else if ((i === 0 && c === '.') || !/[A-Za-z0-9:_.]/.test(c)) out += `\\x${b.toString(16).padStart(2, '0')}`;
    else out += c;
  }
  return out;
}

/** Path form of an escaped string ("-" alone is "/"); used by %f. */
function unescapePath(text: string): string {
  if (text === '-' || text === '') return '/';
  const u = unescapeUnitName(text);
  return u.startsWith('/') ? u : `/${u}`;
}

export interface SpecifierContext {
  /** Full unit name, e.g. "getty@tty1.service". */
  unitName: string;
  hostname: string;
  /** Path of the unit file (for %y and %Y). */
  sourcePath?: string;
  machineId?: string;
  bootId?: string;
  kernelRelease?: string;
  architecture?: string;
}

/**
 * Replace %-specifiers in `text`. Unknown or unavailable ones are kept as written and
 * reported through `report` (once per occurrence).
 */
export function expandSpecifiers(text: string, ctx: SpecifierContext, report?: (message: string) => void): string {
  if (!text.includes('%')) return text;
  const parts = parseUnitName(ctx.unitName);
  const prefix = parts?.prefix ?? ctx.unitName.replace(/\.[^.]*$/, '');
  const instance = parts?.instance ?? '';
  const lastDash = prefix.lastIndexOf('-');
  const finalPrefix = lastDash >= 0 ? prefix.slice(lastDash + 1) : prefix;
  const optional = (value: string | undefined, spec: string, what: string): string => {
    if (value !== undefined) return value;
    report?.(`specifier %${spec} (${what}) is not available; left as is`);
    return `%${spec}`;
  };
  const dir = (p: string | undefined) => (p === undefined ? undefined : p.replace(/\/[^/]*$/, '') || '/');

  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c !== '%') {
      out += c;
      continue;
    }
    const s = text[i + 1];
    if (s === undefined) {
      report?.(`lone "%" at the end of "${text}"; left as is`);
      out += '%';
      continue;
    }
    i++;
    switch (s) {
      case '%': out += '%'; break;
      case 'n': out += ctx.unitName; break;
      case 'N': out += ctx.unitName.replace(/\.[^.]*$/, ''); break;
      case 'p': out += prefix; break;
      case 'P': out += unescapeUnitName(prefix); break;
      case 'i': out += instance; break;
      case 'I': out += unescapeUnitName(instance); break;
      case 'j': out += finalPrefix; break;
      case 'J': out += unescapeUnitName(finalPrefix); break;
      case 'f': out += instance !== '' ? unescapePath(instance) : unescapePath(prefix); break;
      case 't': out += '/run'; break;
      case 'S': out += '/var/lib'; break;
      case 'C': out += '/var/cache'; break;
      case 'L': out += '/var/log'; break;
      case 'E': out += '/etc'; break;
      case 'T': out += '/tmp'; break;
      case 'V': out += '/var/tmp'; break;
      case 'u': case 'g': out += 'root'; break;
      case 'U': case 'G': out += '0'; break;
      case 'h': out += '/root'; break;
      case 's': out += '/bin/sh'; break;
      case 'H': out += ctx.hostname; break;
      case 'l': out += ctx.hostname.split('.')[0]; break;
      case 'm': out += optional(ctx.machineId, 'm', 'machine id'); break;
      case 'b': out += optional(ctx.bootId, 'b', 'boot id'); break;
      case 'v': out += optional(ctx.kernelRelease, 'v', 'kernel release'); break;
      case 'a': out += optional(ctx.architecture, 'a', 'architecture'); break;
      case 'y': out += optional(ctx.sourcePath, 'y', 'unit file path'); break;
      case 'Y': out += optional(dir(ctx.sourcePath), 'Y', 'unit file directory'); break;
      default:
        report?.(`unknown specifier %${s} in "${text}"; left as is`);
        out += `%${s}`;
    }
  }
  return out;
}
