// The specifier values tmpfiles.d tests expand against (%a %b %H %m %v %o %w): a fixed machine.
import type { SpecifierValues } from '../../src/boot/tmpfiles-parse';

export const TEST_SPEC: SpecifierValues = {
  architecture: 'x86-64',
  bootId: 'b00t',
  hostname: 'web-1.example.org',
  machineId: 'abc123',
  kernelRelease: '6.1.0',
  osRelease: { ID: 'debian', VERSION_ID: '12' },
};
