// systemd's lines about a service's jobs, from the changes of its ActiveState.
import { describe, expect, it } from 'vitest';
import { type JobChange, jobMessages, UNIT_MESSAGE_IDS } from '../../../src/supervisor/job-messages';

const ssh = (before: JobChange['before'], after: JobChange['after'], more: Partial<JobChange> = {}): string[] =>
  jobMessages({ unit: 'ssh.service', description: 'OpenBSD Secure Shell server', oneshot: false, before, after, result: 'success', stopRequested: false, ...more }).map((m) => m.message);

describe('jobMessages', () => {
  it("says what systemd says of a start through activating, and nothing of activating's sub-states", () => {
    expect(ssh('inactive', 'activating')).toEqual(['Starting ssh.service - OpenBSD Secure Shell server...']);
    expect(ssh('activating', 'activating')).toEqual([]);
    expect(ssh('activating', 'active')).toEqual(['Started ssh.service - OpenBSD Secure Shell server.']);
    const [started] = jobMessages({ unit: 'a.service', description: '', oneshot: false, before: 'inactive', after: 'active', result: 'success', stopRequested: false });
    expect(started).toEqual({ priority: 6, message: 'Started a.service.', messageId: UNIT_MESSAGE_IDS.started, jobType: 'start', jobResult: 'done' });
  });

  it('a stop, a failed start, a oneshot that finished, a service that ended by itself', () => {
    expect(ssh('active', 'deactivating', { stopRequested: true })).toEqual(['Stopping ssh.service - OpenBSD Secure Shell server...']);
    expect(ssh('deactivating', 'inactive', { stopRequested: true })).toEqual(['ssh.service: Deactivated successfully.', 'Stopped ssh.service - OpenBSD Secure Shell server.']);
    expect(ssh('activating', 'failed', { result: 'exit-code' })).toEqual(["ssh.service: Failed with result 'exit-code'.", 'Failed to start ssh.service - OpenBSD Secure Shell server.']);
    expect(ssh('activating', 'inactive', { oneshot: true })).toEqual(['ssh.service: Deactivated successfully.', 'Finished ssh.service - OpenBSD Secure Shell server.']);
    expect(ssh('active', 'inactive')).toEqual(['ssh.service: Deactivated successfully.']);
    expect(ssh('active', 'failed', { result: 'signal' })).toEqual(["ssh.service: Failed with result 'signal'."]);
  });
});
