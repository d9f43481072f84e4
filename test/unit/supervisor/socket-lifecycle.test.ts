import { describe, expect, it } from 'vitest';
import { initialSocketState, socketStep, type SocketEvent, type SocketPolicy, type SocketState } from '../../../src/supervisor/socket-lifecycle';

function run(p: SocketPolicy, events: SocketEvent[], s: SocketState = initialSocketState()) {
  const effects: string[] = [];
  for (const e of events) {
    const r = socketStep(s, e, p);
    s = r.state;
    effects.push(...r.effects.map((x) => (x.type === 'accept' ? `accept${x.refuse ? ' refused' : ''}` : x.type)));
  }
  return { s, effects };
}

const noAccept = { accept: false, maxConnections: 64 };

describe('socket activation, Accept=no', () => {
  it('watched while the service is down; traffic starts it once; watched again when it stops', () => {
    const r = run(noAccept, [{ type: 'opened' }, { type: 'traffic' }, { type: 'traffic' }, { type: 'service-up' }, { type: 'service-down', startLimitHit: false }]);
    expect(r.effects).toEqual(['watch', 'unwatch', 'start-service', 'watch']);
    expect(r.s).toMatchObject({ listening: true, serviceUp: false, watching: true });
  });
  it('a service started by other means takes the socket: not watched meanwhile', () => {
    expect(run(noAccept, [{ type: 'service-up' }, { type: 'opened' }]).effects).toEqual([]);
    expect(run(noAccept, [{ type: 'opened' }, { type: 'service-up' }]).effects).toEqual(['watch', 'unwatch']);
  });
  it('a service that hit its start limit fails the socket instead of being started for ever', () => {
    const r = run(noAccept, [{ type: 'opened' }, { type: 'traffic' }, { type: 'service-down', startLimitHit: true }]);
    expect(r.effects).toEqual(['watch', 'unwatch', 'start-service', 'fail']);
    expect(r.s).toMatchObject({ listening: false, failed: 'service-start-limit-hit' });
  });
  it('closing stops the watch; traffic after it does nothing', () => {
    expect(run(noAccept, [{ type: 'opened' }, { type: 'closed' }, { type: 'traffic' }]).effects).toEqual(['watch', 'unwatch']);
  });
});

describe('socket activation, Accept=yes', () => {
  it('every connection is accepted for an instance, up to MaxConnections; the socket stays watched', () => {
    const r = run({ accept: true, maxConnections: 2 }, [
      { type: 'opened' }, { type: 'traffic' }, { type: 'traffic' }, { type: 'traffic' }, { type: 'connection-done' }, { type: 'traffic' },
    ]);
    expect(r.effects).toEqual(['watch', 'accept', 'accept', 'accept refused', 'accept']);
    expect(r.s).toMatchObject({ connections: 2, watching: true });
  });
});
