// Builds a service unit from its parsed files (main file first, then drop-ins in order).
// Settings are applied in order, so later files win for single values, while list
// settings accumulate and an empty assignment ("Key=") resets what was gathered so far.
// A unit with an error diagnostic is not loadable (systemd's "bad-setting").

import { hasErrors } from './diagnostic';
import { markUnsupported, SECTIONS, type Handler, type State } from './directive-handlers';
import { isSilent, isUnsupported } from './directives';
import { parseUnitName, type SpecifierContext } from './specifiers';
import type { Assignment, ParsedFile } from './syntax';
import { defaultUnitConfig, isUnitKind, UNIT_KINDS, type BuildOptions, type BuildResult } from './unit';
import { UNIT_TYPES } from './unit-types';

/**
 * Build a service unit from its parsed files: `main` first, then `dropIns` in the order
 * they apply. `name` is the unit's full name (for a template instance, the instance
 * name: "getty@tty1.service" even when read from "getty@.service").
 */
export function buildUnit(name: string, main: ParsedFile, dropIns: readonly ParsedFile[], options: BuildOptions): BuildResult {
  const unit = defaultUnitConfig(name, main.file);
  if (dropIns.length > 0) unit.dropIns = dropIns.map((d) => d.file);
  // Set one by one, not spread: a boot builds thousands of units.
  const specCtx: SpecifierContext = { unitName: name, hostname: options.hostname, sourcePath: main.file };
  if (options.machineId !== undefined) specCtx.machineId = options.machineId;
  if (options.bootId !== undefined) specCtx.bootId = options.bootId;
  if (options.kernelRelease !== undefined) specCtx.kernelRelease = options.kernelRelease;
  if (options.architecture !== undefined) specCtx.architecture = options.architecture;
  const state: State = {
    unit,
    diagnostics: dropIns.length === 0 ? main.diagnostics.slice() : [...main.diagnostics, ...dropIns.flatMap((d) => d.diagnostics)],
    specCtx,
    typeSet: false,
    notifyAccessSet: false,
  };

  const parts = parseUnitName(name);
  if (parts === undefined || !isUnitKind(parts.type)) {
    state.diagnostics.push({
      file: main.file,
      severity: 'error',
      message: `"${name}" is not a ${UNIT_KINDS.slice(0, -1).join(', ')} or ${UNIT_KINDS.at(-1)} unit name; ts-init only loads those`,
    });
  }
  const type = UNIT_TYPES[unit.kind];
  const own = type.sections;

  // Indexed loops: a for-of makes an object per step when interpreted (a boot builds thousands of units).
  for (let f = -1; f < dropIns.length; f++) {
    const sections = (f < 0 ? main : dropIns[f]!).sections;
    for (let i = 0; i < sections.length; i++) {
      const section = sections[i]!;
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
      const entries = section.entries;
      for (let j = 0; j < entries.length; j++) applyAssignment(state, handlers, entries[j]!);
    }
  }

  type.finish(state, (message) => state.diagnostics.push({ file: main.file, severity: 'error', message }));
  if (state.unsupported) unit.unsupported = [...state.unsupported];
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
    markUnsupported(s, a.key);
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

