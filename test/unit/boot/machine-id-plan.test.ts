// systemd 257's machine_id_setup and first-boot rule, decided purely.
import { describe, expect, it } from 'vitest';
import { chooseMachineId, id128FromRandomBytes, isFirstBoot, planMachineId, type MachineIdInputs } from '../../../src/boot/machine-id-plan';

const ID = '0123456789abcdef0123456789abcdef';
const RANDOM = 'feedfacefeedfacefeedfacefeedface';
const inputs = (over: Partial<MachineIdInputs>): MachineIdInputs => ({ etc: { kind: 'missing' }, etcWritable: true, inContainer: false, random: () => RANDOM, ...over });

describe('random IDs', () => {
  it('a random ID is a version 4 UUID', () => {
    const id = id128FromRandomBytes(new Uint8Array(16).fill(0xff));
    expect(id).toMatch(/^[0-9a-f]{12}4[0-9a-f]{3}[89ab][0-9a-f]{15}$/);
    expect(id128FromRandomBytes(new Uint8Array(16))).toBe('00000000000040008000000000000000');
  });
});

describe('first boot as systemd 257 decides it', () => {
  it('missing or "uninitialized": yes; empty, garbage, a valid ID, a FIFO: no', () => {
    expect(isFirstBoot({ kind: 'missing' })).toBe(true);
    expect(isFirstBoot({ kind: 'regular', text: 'uninitialized\n' })).toBe(true);
    expect(isFirstBoot({ kind: 'regular', text: '' })).toBe(false);
    expect(isFirstBoot({ kind: 'regular', text: 'garbage' })).toBe(false);
    expect(isFirstBoot({ kind: 'regular', text: `${ID}\n` })).toBe(false);
    expect(isFirstBoot({ kind: 'other', what: 'a FIFO' })).toBe(false);
  });
});

describe('where the ID comes from', () => {
  it('D-Bus machine ID first, then $container_uuid (in a container only), then random', () => {
    expect(chooseMachineId({ dbusText: `${ID}\n`, containerUuid: RANDOM, inContainer: true, random: () => 'x' })).toEqual({ id: ID, source: 'dbus' });
    expect(chooseMachineId({ dbusText: 'junk', containerUuid: ID, inContainer: true, random: () => RANDOM })).toEqual({ id: ID, source: 'container' });
    expect(chooseMachineId({ containerUuid: ID, inContainer: false, random: () => RANDOM })).toEqual({ id: RANDOM, source: 'random' });
    expect(chooseMachineId({ containerUuid: 'bad', inContainer: true, random: () => RANDOM })).toEqual({ id: RANDOM, source: 'random' });
  });
});

describe('what is done to /etc/machine-id', () => {
  it('a valid ID is kept', () => {
    expect(planMachineId(inputs({ etc: { kind: 'regular', text: `${ID}\n` } }))).toEqual({ action: 'keep', id: ID });
  });

  it('first boot (missing or uninitialized): transient, "uninitialized" written when /etc is writable', () => {
    expect(planMachineId(inputs({ etc: { kind: 'missing' } }))).toEqual({ action: 'transient', id: RANDOM, source: 'random', markUninitialized: true });
    expect(planMachineId(inputs({ etc: { kind: 'regular', text: 'uninitialized\n' } }))).toMatchObject({ action: 'transient', markUninitialized: true });
    expect(planMachineId(inputs({ etc: { kind: 'regular', text: 'uninitialized\n' }, etcWritable: false }))).toMatchObject({ action: 'transient', markUninitialized: false });
  });

  it('not a first boot (empty, garbage): written when /etc is writable, else transient', () => {
    expect(planMachineId(inputs({ etc: { kind: 'regular', text: '' } }))).toEqual({ action: 'write', id: RANDOM, source: 'random' });
    expect(planMachineId(inputs({ etc: { kind: 'regular', text: 'garbage' } }))).toEqual({ action: 'write', id: RANDOM, source: 'random' });
    expect(planMachineId(inputs({ etc: { kind: 'regular', text: '' }, etcWritable: false }))).toEqual({ action: 'transient', id: RANDOM, source: 'random', markUninitialized: false });
  });

  it('a FIFO is mounted over, never written; a directory, a symlink, or missing on a read-only /etc are refused', () => {
    expect(planMachineId(inputs({ etc: { kind: 'other', what: 'a FIFO' } }))).toMatchObject({ action: 'transient', markUninitialized: false });
    expect(planMachineId(inputs({ etc: { kind: 'other', what: 'a directory' } }))).toMatchObject({ action: 'refuse' });
    expect(planMachineId(inputs({ etc: { kind: 'other', what: 'a symbolic link' } }))).toMatchObject({ action: 'refuse' });
    expect(planMachineId(inputs({ etc: { kind: 'missing' }, etcWritable: false }))).toEqual({ action: 'refuse', why: '/etc/machine-id is missing and /etc is read-only' });
  });
});
