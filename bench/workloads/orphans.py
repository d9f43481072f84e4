# The reaping workload. It runs as the CMD of the init under test, which is PID 1 of
# a fresh PID namespace. It makes N orphans: each is forked by a short-lived child
# that exits at once, so the kernel hands the orphan to PID 1. The orphans all block
# reading one pipe. Once every one of them is checked to be a child of PID 1, the
# pipe is closed: all N exit together and become PID 1's zombies. The time from
# that moment until /proc lists no process but PID 1 and this one is how long PID 1
# took to reap them (a zombie stays in /proc until its parent reaps it).
# Prints "reap_ms=<ms> orphans=<n>"; exits 1 if the set-up is not what it should be.
import os
import sys
import time

n = int(sys.argv[1])
me = os.getpid()
if me == 1:
    sys.exit('the workload must run under an init, not as PID 1')

r, w = os.pipe()
for _ in range(n):
    pid = os.fork()
    if pid == 0:
        if os.fork() == 0:
            os.close(w)
            os.read(r, 1)
            os._exit(0)
        os._exit(0)
    os.waitpid(pid, 0)
os.close(r)


def others():
    """pids in this namespace other than PID 1 and this process."""
    return [int(e) for e in os.listdir('/proc') if e.isdigit() and int(e) not in (1, me)]


def parent_and_state(pid):
    with open(f'/proc/{pid}/stat') as f:
        fields = f.read().rsplit(')', 1)[1].split()
    return int(fields[1]), fields[0]


pids = others()
adopted = sum(1 for p in pids if parent_and_state(p)[0] == 1)
if len(pids) != n or adopted != n:
    sys.exit(f'expected {n} orphans of PID 1, found {len(pids)} processes, {adopted} of them children of PID 1')

start = time.monotonic_ns()
os.close(w)
left = n
while left:
    time.sleep(0.001)
    left = len(others())
elapsed_ms = (time.monotonic_ns() - start) / 1e6
print(f'reap_ms={elapsed_ms:.1f} orphans={n}', flush=True)
