// Builds a service unit from its parsed files (main file first, then drop-ins in order).
// Settings are applied in order, so later files win for single values, while list
// settings accumulate and an empty assignment ("Key=") resets what was gathered so far.
// A unit with an error diagnostic is not loadable (systemd's "bad-setting").

import { hasErrors } from './diagnostic';
import { SECTIONS, type Handler, type State } from './directive-handlers';
import { isSilent, isUnsupported } from './directives';
import { parseUnitName } from './specifiers';
import type { Assignment, ParsedFile } from './syntax';
import { defaultUnitConfig, notifiesReady, type BuildOptions, type BuildResult, type UnitKind } from './unit';

/**
 * Build a service unit from its parsed files: `main` first, then `dropIns` in the order
 * they apply. `name` is the unit's full name (for a template instance, the instance
 * name: "getty@tty1.service" even when read from "getty@.service").
 */
export function buildUnit(name: string, main: ParsedFile, dropIns: readonly ParsedFile[], options: BuildOptions): BuildResult {
  const unit = defaultUnitConfig(name, main.file);
  unit.dropIns = dropIns.map((d) => d.file);
  const state: State = {
    unit,
    diagnostics: [...main.diagnostics, ...dropIns.flatMap((d) => d.diagnostics)],
    specCtx: {
      unitName: name,
      hostname: options.hostname,
      sourcePath: main.file,
      ...(options.machineId !== undefined && { machineId: options.machineId }),
      ...(options.bootId !== undefined && { bootId: options.bootId }),
      ...(options.kernelRelease !== undefined && { kernelRelease: options.kernelRelease }),
      ...(options.architecture !== undefined && { architecture: options.architecture }),
    },
    typeSet: false,
    notifyAccessSet: false,
    unsupported: new Set(),
  };

  const parts = parseUnitName(name);
  if (parts?.type !== 'service' && parts?.type !== 'target' && parts?.type !== 'socket') {
    state.diagnostics.push({
      file: main.file,
      severity: 'error',
      message: `"${name}" is not a service, socket or target unit name; ts-init only loads those`,
    });
  }
  const own = SECTIONS_OF[unit.kind];

  for (const file of [main, ...dropIns]) {
    for (const section of file.sections) {
      const handlers = own.includes(section.name) ? SECTIONS[section.name] : undefined;
      if (!handlers) {
        if (!section.name.startsWith('X-')) {
          state.diagnostics.push({
            file: section.file,
            line: section.line,
            severity: 'warning',
            message: `unknown section [${section.name}]; ignored`,
          });
        }
        continue;
      }
      for (const a of section.entries) applyAssignment(state, handlers, a);
    }
  }

  finish(state, main.file);
  unit.unsupported = [...state.unsupported];
  return { unit, diagnostics: state.diagnostics, loadable: !hasErrors(state.diagnostics) };
}

function applyAssignment(s: State, handlers: Readonly<Record<string, Handler>>, a: Assignment): void {
  const handler = Object.hasOwn(handlers, a.key) ? handlers[a.key] : undefined;
  if (handler) {
    handler(a.value, a, s);
    return;
  }
  if (isSilent(a.section, a.key)) return;
  if (isUnsupported(a.section, a.key)) {
    s.unsupported.add(a.key);
    s.diagnostics.push({
      file: a.file,
      line: a.line,
      severity: 'warning',
      message: `${a.key} is not supported by ts-init; ignored`,
      harmless: { directive: a.key },
    });
    return;
  }
  s.diagnostics.push({
    file: a.file,
    line: a.line,
    severity: 'warning',
    message: `unknown directive ${a.key} in section [${a.section}]`,
  });
}

/** The sections each kind of unit reads; [Service] in a target is an unknown section, as in systemd. */
const SECTIONS_OF: Readonly<Record<UnitKind, readonly string[]>> = {
  service: ['Unit', 'Service', 'Install'],
  target: ['Unit', 'Install'],
  socket: ['Unit', 'Socket', 'Install'],
};

/** Defaults that depend on other settings, and whole-unit validation. */
function finish(s: State, file: string): void {
  const u = s.unit;
  if (u.kind !== 'service') {
    // A target (or socket) is active once started, until stopped: no process of its own.
    u.type = 'oneshot';
    u.remainAfterExit = true;
    if (u.kind === 'socket' && u.socket!.listen.length === 0) s.diagnostics.push({ file, severity: 'error', message: 'socket unit has no Listen*= setting' });
    return;
  }
  const fail = (message: string) => s.diagnostics.push({ file, severity: 'error', message });
  if (!s.typeSet) u.type = u.execStart.length > 0 ? 'simple' : 'oneshot';
  if (!s.notifyAccessSet) u.notifyAccess = notifiesReady(u.type) || u.watchdogMs > 0 ? 'main' : 'none';
  // systemd: with StandardInput=socket, output defaults to the connection too.
  if (u.standardInput === 'socket' && !s.stdoutSet) u.standardOutput = { kind: 'socket' };
  u.standardError = s.stderr ?? { ...u.standardOutput };

  if (u.type !== 'oneshot') {
    if (u.execStart.length === 0) {
      fail(`service has no ExecStart= setting, which is only allowed for Type=oneshot services`);
    } else if (u.execStart.length > 1) {
      fail(`service has more than one ExecStart= command, which is only allowed for Type=oneshot services`);
    }
  } else {
    if (u.execStart.length === 0 && u.execStop.length === 0 && u.successAction === 'none') {
      fail(`service has no ExecStart=, ExecStop= or SuccessAction= setting`);
    }
    if (u.restart === 'always' || u.restart === 'on-success') {
      fail(`Restart=${u.restart} is not allowed for Type=oneshot services`);
    }
  }
}
