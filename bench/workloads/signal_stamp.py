# The signal-forwarding workload, run as the CMD of the init under test. It prints
# "ready", then on every SIGUSR1 writes CLOCK_MONOTONIC in nanoseconds (the clock
# behind Node's process.hrtime) as one line, so the bench can subtract the moment
# it sent SIGUSR1 to the init. SIGTERM keeps its default action: the bench ends
# the run by sending SIGTERM to the init, which forwards it here.
import os
import signal
import time


def stamp(_signum, _frame):
    os.write(1, b'%d\n' % time.monotonic_ns())


signal.signal(signal.SIGUSR1, stamp)
os.write(1, b'ready\n')
while True:
    signal.pause()
