// The control protocol: one JSON object per line each way, versioned. Requests
// are validated field by field (the verbs and whether they need units come from
// verbs.ts); an error names the field. Pure.
import { VERBS, verbRow, type Verb, type VerbParams } from './verbs';

export { VERBS, type Verb } from './verbs';

export const PROTOCOL_VERSION = 1;

/** "cron" -> "cron.service", as systemctl completes names; a name with a type is kept. */
export function unitName(name: string): string {
  return /\.[a-z]+$/.test(name) ? name : `${name}.service`;
}
export const MAX_LINE_BYTES = 64 * 1024;
/** set-environment's assignments in one request (the line's bound holds their size). */
export const MAX_ARGS = 256;

export interface Request extends VerbParams {
  v: number;
  id: number | string;
  verb: Verb;
}

export type ErrorCode = 'bad-request' | 'access-denied' | 'unsupported-version' | 'unknown-verb' | 'too-large' | 'not-found' | 'failed' | 'internal' | 'permission-denied' | 'busy';

export type Reply =
  | { v: number; id: number | string | null; ok: true; result: unknown }
  | { v: number; id: number | string | null; ok: false; error: { code: ErrorCode; message: string } };

export class RequestError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly id: number | string | null = null,
  ) {
    super(message);
  }
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** Parses and checks one request line. Throws RequestError naming what is wrong. */
export function parseRequest(line: string): Request {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch {
    throw new RequestError('bad-request', 'request is not valid JSON');
  }
  return validateRequest(raw);
}

export function validateRequest(raw: unknown): Request {
  if (!isObject(raw)) throw new RequestError('bad-request', 'request must be a JSON object');
  const id = raw.id;
  if (typeof id !== 'number' && typeof id !== 'string') throw new RequestError('bad-request', 'id must be a number or a string');
  if (raw.v !== PROTOCOL_VERSION) {
    throw new RequestError('unsupported-version', `v must be ${PROTOCOL_VERSION}, got ${JSON.stringify(raw.v)}`, id);
  }
  if (typeof raw.verb !== 'string') throw new RequestError('bad-request', 'verb must be a string', id);
  if (!(VERBS as readonly string[]).includes(raw.verb)) throw new RequestError('unknown-verb', `unknown verb '${raw.verb}'`, id);
  const verb = raw.verb as Verb;
  const units = raw.units ?? [];
  if (!Array.isArray(units)) throw new RequestError('bad-request', 'units must be an array of strings', id);
  units.forEach((u, i) => {
    if (typeof u !== 'string' || u === '' || u.length > 256 || /[\s/]/.test(u)) {
      throw new RequestError('bad-request', `units[${i}] must be a unit name`, id);
    }
  });
  if (verbRow(verb).units === 'required' && units.length === 0) throw new RequestError('bad-request', `${verb} needs units`, id);
  const req: Request = { v: PROTOCOL_VERSION, id, verb, units: units as string[] };
  if (raw.signal !== undefined) {
    if (typeof raw.signal !== 'string' && typeof raw.signal !== 'number') throw new RequestError('bad-request', 'signal must be a name or a number', id);
    req.signal = raw.signal;
  }
  if (raw.who !== undefined) {
    if (raw.who !== 'main' && raw.who !== 'all') throw new RequestError('bad-request', "who must be 'main' or 'all'", id);
    req.who = raw.who;
  }
  if (raw.lines !== undefined) {
    if (typeof raw.lines !== 'number' || !Number.isInteger(raw.lines) || raw.lines < 0) throw new RequestError('bad-request', 'lines must be a whole number', id);
    req.lines = raw.lines;
  }
  if (raw.args !== undefined) {
    const args = raw.args;
    if (!Array.isArray(args) || args.length > MAX_ARGS || args.some((a) => typeof a !== 'string')) {
      throw new RequestError('bad-request', `args must be an array of at most ${MAX_ARGS} strings`, id);
    }
    req.args = args as string[];
  }
  if (raw.follow !== undefined) {
    if (typeof raw.follow !== 'boolean') throw new RequestError('bad-request', 'follow must be true or false', id);
    req.follow = raw.follow;
  }
  return req;
}

export function okReply(id: number | string, result: unknown): string {
  return `${JSON.stringify({ v: PROTOCOL_VERSION, id, ok: true, result })}\n`;
}

export function errorReply(id: number | string | null, code: ErrorCode, message: string): string {
  return `${JSON.stringify({ v: PROTOCOL_VERSION, id, ok: false, error: { code, message } })}\n`;
}
