import { describe, expect, it } from 'vitest';
import { SocketUnits } from '../../../src/supervisor/socket-units';
import { TimerUnits } from '../../../src/supervisor/timer-units';
import { unitTypeRooms } from '../../../src/supervisor/types/unit-types';
import { defaultUnitConfig, UNIT_KINDS } from '../../../src/units/unit';
import { UNIT_TYPES } from '../../../src/units/unit-types';
import { addOwnDefaultDependencies } from '../../../src/units/default-dependencies';

const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined } as never;
const rooms = unitTypeRooms({
  sockets: new SocketUnits({ log: quiet, startUnit: () => 'started', failUnit: () => undefined, startInstance: () => false, forgetUnit: () => undefined, owner: () => undefined }),
  timers: new TimerUnits({ log: quiet, startUnit: () => 'started', isLoaded: (n) => n !== 'ghost.service',
    stopTimer: () => undefined, failTimer: () => undefined, unitState: () => undefined, machineId: () => undefined, bootId: () => undefined, inContainer: true }),
});

describe('a unit type is one room', () => {
  it('every kind has its load half and its run-time half', () => {
    for (const k of UNIT_KINDS) {
      expect(UNIT_TYPES[k].sections).toContain('Unit');
      expect(rooms[k]).toBeDefined();
      expect(defaultUnitConfig(`x.${k}`).kind).toBe(k);
    }
  });

  it("each type's own words: a started target is active, an idle socket listening; only a target may be isolated", () => {
    expect(rooms.target.idleSubState('multi-user.target')).toBe('active');
    expect(rooms.socket.idleSubState('web.socket')).toBe('listening');
    expect(rooms.service.idleSubState('x.service')).toBe('exited');
    expect(UNIT_KINDS.filter((k) => rooms[k].canIsolate)).toEqual(['target']);
  });

  it('a socket triggers its service (Accept=no) and nothing by name (Accept=yes)', () => {
    const s = defaultUnitConfig('web.socket');
    expect(rooms.socket.triggers(s)).toEqual(['web.service']);
    s.socket!.service = 'other.service';
    expect(rooms.socket.triggers(s)).toEqual(['other.service']);
    s.socket!.accept = true;
    expect(rooms.socket.triggers(s)).toEqual([]);
  });

  it("implicit dependencies come from the type's entry", () => {
    const svc = defaultUnitConfig('a.service');
    addOwnDefaultDependencies(svc);
    expect(svc.after).toEqual(['sysinit.target', 'basic.target']);
    const sock = defaultUnitConfig('a.socket');
    addOwnDefaultDependencies(sock);
    expect(sock.before).toEqual(['sockets.target']);
    const t = defaultUnitConfig('a.target');
    addOwnDefaultDependencies(t);
    expect(t.requires).toEqual([]);
  });
});
