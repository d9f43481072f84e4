// Closing descriptors that other processes passed to PID 1 (SCM_RIGHTS), off the main
// thread. The last close of a file can block for as long as its sender likes: a TCP
// socket lingering on unsent data that its peer never reads, a file on a hung mount, a
// socket with such files queued. So each close runs on one of the runtime's worker
// threads (koffi's async call), one at a time per lane: a close that blocks holds one
// worker thread and its lane, never the event loop (signals, reaping, restarts, ctl).
// - Anonymous pipes (sd_notify_barrier's: its sender waits for the close) have a lane of
//   their own, which a pipe's close cannot hold up: barriers stay prompt whatever else
//   a user passed.
// - Everything else queues in the other lane, behind whatever blocks there.
// A lane holds a bounded number of descriptors. A reader that has filled one stops taking
// descriptors until the lane has room again (whenRoom), so a blocked lane cannot fill
// PID 1's descriptor table.
import * as fs from 'node:fs';
import { closeFdAsync } from '../sys/libc';

export type CloseLane = 'pipe' | 'other';

/** Descriptors a lane may hold before its readers pause: a datagram adds at most 253 more. */
export const LANE_BOUND = 128;

/** Which lane fd goes to: /proc's name for it says whether it is an anonymous pipe (no file system is asked). */
export function laneOf(fd: number): CloseLane {
  try {
    return fs.readlinkSync(`/proc/self/fd/${fd}`).startsWith('pipe:[') ? 'pipe' : 'other';
  } catch {
    return 'other';
  }
}

class Lane {
  readonly queue: number[] = [];
  closing = false;
  roomWaiters: Array<() => void> = [];

  get held(): number {
    return this.queue.length + (this.closing ? 1 : 0);
  }
}

export class DescriptorCloser {
  private readonly lanes: Record<CloseLane, Lane> = { pipe: new Lane(), other: new Lane() };

  constructor(
    private readonly closeAsync: (fd: number, done: () => void) => void = closeFdAsync,
    private readonly classify: (fd: number) => CloseLane = laneOf,
    readonly bound = LANE_BOUND,
  ) {}

  /** Closes fd off the main thread, after the descriptors queued before it in its lane. Returns the lane. */
  close(fd: number, lane: CloseLane = this.classify(fd)): CloseLane {
    this.lanes[lane].queue.push(fd);
    this.next(lane);
    return lane;
  }

  /** Descriptors given and not yet closed. */
  held(lane: CloseLane): number {
    return this.lanes[lane].held;
  }

  /** The lane holds its bound: readers should stop taking descriptors until whenRoom. */
  full(lane: CloseLane): boolean {
    return this.lanes[lane].held >= this.bound;
  }

  /** Calls then() once the lane is down to half its bound (at once when it is). */
  whenRoom(lane: CloseLane, then: () => void): void {
    const l = this.lanes[lane];
    if (l.held <= this.bound / 2) then();
    else l.roomWaiters.push(then);
  }

  private next(lane: CloseLane): void {
    const l = this.lanes[lane];
    if (l.closing) return;
    const fd = l.queue.shift();
    if (fd === undefined) return;
    l.closing = true;
    this.closeAsync(fd, () => {
      l.closing = false;
      if (l.roomWaiters.length > 0 && l.held <= this.bound / 2) {
        const waiters = l.roomWaiters;
        l.roomWaiters = [];
        for (const w of waiters) w();
      }
      this.next(lane);
    });
  }
}

let shared: DescriptorCloser | undefined;
/** PID 1's one closer: every lane it has can hold a worker thread, so there is one set of them. */
export function sharedCloser(): DescriptorCloser {
  shared ??= new DescriptorCloser();
  return shared;
}
