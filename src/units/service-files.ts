// The values of the [Service] settings that hand a process files (systemd 253–257):
// OpenFile=, and the credentials (LoadCredential=, SetCredential=, ImportCredential=). Pure.
import { decodeEscape } from './exec-line';

/** OpenFile=PATH[:NAME[:OPTIONS]]: opened by the manager, passed as an fd with LISTEN_FDNAMES. */
export interface OpenFileSpec {
  path: string;
  /** The fd's name in LISTEN_FDNAMES: NAME, else the path. */
  name: string;
  mode: 'read-write' | 'read-only' | 'append' | 'truncate';
  /** "graceful": a file that cannot be opened is left out instead of failing the start. */
  graceful: boolean;
}

/** The credentials a unit gets in $CREDENTIALS_DIRECTORY. */
export interface CredentialSettings {
  /** SetCredential=ID:VALUE: the value itself (used when no LoadCredential= of that ID gives one). */
  readonly set: readonly { id: string; value: string }[];
  /** LoadCredential=ID[:PATH]: an absolute path, or a name looked up in the credential stores. */
  readonly load: readonly { id: string; path: string }[];
  /** ImportCredential=GLOB: every credential of the stores whose name matches. */
  readonly import: readonly string[];
  /** LoadCredentialEncrypted=/SetCredentialEncrypted= as "Directive=ID": ts-init cannot decrypt them. */
  readonly encrypted: readonly string[];
}

/** No credentials: one frozen value, shared by every unit (a setting makes a new value, never changes this one). */
export const NO_CREDENTIALS: CredentialSettings = Object.freeze({ set: Object.freeze([]), load: Object.freeze([]), import: Object.freeze([]), encrypted: Object.freeze([]) });

export function hasCredentials(c: CredentialSettings): boolean {
  return c.set.length + c.load.length + c.import.length + c.encrypted.length > 0;
}

/** systemd's credential_name_valid: a file name (no "/", not "." or ".."), at most 255 bytes. */
export function credentialIdValid(id: string): boolean {
  return id !== '' && id !== '.' && id !== '..' && !id.includes('/') && !id.includes('\0') && Buffer.byteLength(id) <= 255;
}

/** C escapes decoded (as systemd's cunescape); undefined when one is invalid. */
export function cunescape(text: string): string | undefined {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    if (text[i] !== '\\') {
      out += text[i];
      continue;
    }
    const d = decodeEscape(text, i);
    if (!d) return undefined;
    out += d.value;
    i += d.length - 1;
  }
  return out;
}

const OPEN_FILE_OPTIONS = ['read-only', 'append', 'truncate', 'graceful'] as const;

export function parseOpenFile(value: string): OpenFileSpec | string {
  const [file = '', name, options, ...rest] = value.split(':');
  if (rest.length) return `too many ":" in "${value}"`;
  if (!file.startsWith('/')) return `"${file}" is not an absolute path`;
  // systemd's fdname_is_valid: printable ASCII but ":", at most 255 characters.
  if (name && !/^[\x20-\x39\x3b-\x7e]{1,255}$/.test(name)) return `invalid file descriptor name "${name}"`;
  let mode: OpenFileSpec['mode'] = 'read-write';
  let graceful = false;
  for (const o of options ? options.split(',') : []) {
    if (!(OPEN_FILE_OPTIONS as readonly string[]).includes(o)) return `unknown option "${o}"`;
    if (o === 'graceful') graceful = true;
    else if (mode !== 'read-write') return `"${mode}" and "${o}" exclude each other`;
    else mode = o as OpenFileSpec['mode'];
  }
  return { path: file, name: name || file, mode, graceful };
}

/** SetCredential=ID:VALUE (VALUE C-unescaped). */
export function parseSetCredential(value: string): { id: string; value: string } | string {
  const colon = value.indexOf(':');
  if (colon < 0) return `"${value}" is not ID:VALUE`;
  const id = value.slice(0, colon);
  if (!credentialIdValid(id)) return `invalid credential name "${id}"`;
  const text = cunescape(value.slice(colon + 1));
  if (text === undefined) return 'invalid escape in the value';
  return { id, value: text };
}

/** LoadCredential=ID[:PATH]; without PATH the ID itself is looked up in the credential stores. */
export function parseLoadCredential(value: string): { id: string; path: string } | string {
  const colon = value.indexOf(':');
  const id = colon < 0 ? value : value.slice(0, colon);
  const file = colon < 0 ? id : value.slice(colon + 1);
  if (!credentialIdValid(id)) return `invalid credential name "${id}"`;
  if (!file.startsWith('/') && !credentialIdValid(file)) return `"${file}" is neither an absolute path nor a credential name`;
  if (file.startsWith('/') && file.split('/').includes('..')) return `"${file}" contains ".."`;
  return { id, path: file };
}
