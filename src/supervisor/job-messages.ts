// What systemd's PID 1 writes into the journal about a service's jobs as its state changes
// (job.c's start/done messages, unit.c's unit_log_success/unit_log_failure), with their
// MESSAGE_ID, JOB_TYPE and JOB_RESULT: "Starting X...", "Started X.", "Finished X." (a oneshot),
// "Failed to start X.", "Stopping X...", "Stopped X.", "UNIT: Deactivated successfully.",
// "UNIT: Failed with result 'R'.". X is systemd's combined form, "UNIT - Description". Pure.
import type { ActiveState } from '../control/manager';

export interface JobMessage {
  priority: number;
  message: string;
  messageId: string;
  jobType?: 'start' | 'stop';
  jobResult?: 'done' | 'failed';
}

/** sd-messages.h's ids of these lines. */
export const UNIT_MESSAGE_IDS = {
  starting: '7d4958e842da4a758f6c1cdc7b36dcc5',
  started: '39f53479d3a045ac8e11786248231fbf',
  failed: 'be02cf6855d2428ba40df7e9d022f03d',
  stopping: 'de5b426a63be47a7b6ac3eaac82e2f6f',
  stopped: '9d1aaa27d60140bd96365438aad20286',
  success: '7ad2d189f7e94e70a38c781354912448',
  failureResult: 'd9b373ed55a64feb8242e02dbe79a49c',
} as const;

export interface JobChange {
  unit: string;
  description: string;
  oneshot: boolean;
  before: ActiveState;
  after: ActiveState;
  /** Result= after the change ('success', 'exit-code', ...). */
  result: string;
  /** Whether a stop was asked for (else the unit went down by itself: no stop job, no "Stopping"). */
  stopRequested: boolean;
}

/** systemd's StatusUnitFormat=combined: "ssh.service - OpenBSD Secure Shell server". */
export function unitStatusName(unit: string, description: string): string {
  return description !== '' && description !== unit ? `${unit} - ${description}` : unit;
}

const down = (s: ActiveState): boolean => s === 'inactive' || s === 'failed';
const up = (s: ActiveState): boolean => s === 'active' || s === 'reloading';

/** The lines one change of a service's ActiveState makes, in systemd's order. */
export function jobMessages(c: JobChange): JobMessage[] {
  if (c.before === c.after) return [];
  const name = unitStatusName(c.unit, c.description);
  const out: JobMessage[] = [];
  const wentDown = (): void => {
    if (c.after === 'failed' || c.result !== 'success') {
      out.push({ priority: 4, message: `${c.unit}: Failed with result '${c.result}'.`, messageId: UNIT_MESSAGE_IDS.failureResult });
    } else out.push({ priority: 6, message: `${c.unit}: Deactivated successfully.`, messageId: UNIT_MESSAGE_IDS.success });
  };
  // A unit that goes straight from down to up had its job done before systemd could say "Starting".
  if (down(c.before) && c.after === 'activating') {
    out.push({ priority: 6, message: `Starting ${name}...`, messageId: UNIT_MESSAGE_IDS.starting, jobType: 'start' });
  } else if ((down(c.before) || c.before === 'activating') && up(c.after)) {
    out.push({ priority: 6, message: `${c.oneshot ? 'Finished' : 'Started'} ${name}.`, messageId: UNIT_MESSAGE_IDS.started, jobType: 'start', jobResult: 'done' });
  } else if (c.before === 'activating' && down(c.after)) {
    wentDown();
    if (c.after === 'failed' || c.result !== 'success') {
      out.push({ priority: 3, message: `Failed to start ${name}.`, messageId: UNIT_MESSAGE_IDS.failed, jobType: 'start', jobResult: 'failed' });
    } else if (c.oneshot && !c.stopRequested) {
      out.push({ priority: 6, message: `Finished ${name}.`, messageId: UNIT_MESSAGE_IDS.started, jobType: 'start', jobResult: 'done' });
    } else if (c.stopRequested) out.push({ priority: 6, message: `Stopped ${name}.`, messageId: UNIT_MESSAGE_IDS.stopped, jobType: 'stop', jobResult: 'done' });
  } else if (c.after === 'deactivating' && c.stopRequested) {
    out.push({ priority: 6, message: `Stopping ${name}...`, messageId: UNIT_MESSAGE_IDS.stopping, jobType: 'stop' });
  } else if ((up(c.before) || c.before === 'deactivating') && down(c.after)) {
    wentDown();
    if (c.stopRequested) out.push({ priority: 6, message: `Stopped ${name}.`, messageId: UNIT_MESSAGE_IDS.stopped, jobType: 'stop', jobResult: 'done' });
  }
  return out;
}
