#!/usr/bin/python3
# The journal benchmark's programs, run inside the journal image (bench/journal.mjs):
#   journal-flood stdout SECONDS OUT   lines to stdout as fast as they go, for SECONDS
#   journal-flood syslog SECONDS OUT   syslog(3) calls (Python's syslog module) as fast as they go
#   journal-flood fill COUNT SECONDS   COUNT syslog(3) calls, or as many as SECONDS allow
#   journal-flood lines COUNT          COUNT lines to stdout as fast as they go
#   journal-flood ping SOCKET SECONDS  ts-init's control socket `ping`, a new connection every 10 ms
#   journal-flood time RUNS CMD...     runs CMD RUNS times, prints the median and best wall ms
# The floods write "START_US COUNT" (realtime at the first line, lines written) to OUT. Every
# line is "flood-MODE N" plus padding to 100 bytes, N counting from 0.
import socket
import statistics
import subprocess
import sys
import syslog
import time

PAD = 'x' * 100


def flood(mode, seconds, out):
    start = time.time()
    end = time.monotonic() + seconds
    n = 0
    if mode == 'stdout':
        w = sys.stdout.write
        while True:
            for _ in range(1000):
                w(f'flood-stdout {n} {PAD}'[:100] + '\n')
                n += 1
            if time.monotonic() >= end:
                break
        sys.stdout.flush()
    else:
        syslog.openlog('flood-syslog', 0, syslog.LOG_DAEMON)
        log = syslog.syslog
        while True:
            for _ in range(1000):
                log(f'flood-syslog {n} {PAD}'[:100])
                n += 1
            if time.monotonic() >= end:
                break
    with open(out, 'w') as f:
        f.write(f'{int(start * 1e6)} {n}\n')


def fill(count, seconds):
    syslog.openlog('flood-fill', 0, syslog.LOG_DAEMON)
    end = time.monotonic() + seconds
    for n in range(count):
        syslog.syslog(f'flood-fill {n} {PAD}'[:100])
        if n % 1000 == 0 and time.monotonic() >= end:
            break


def lines(count):
    w = sys.stdout.write
    for n in range(count):
        w(f'flood-lines {n} {PAD}'[:100] + '\n')
    sys.stdout.flush()


def ping_once(path, i):
    """One `ping` on ts-init's control socket, connect to answer: its milliseconds, or None."""
    t0 = time.monotonic()
    try:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(10)
        s.connect(path)
        s.sendall(b'{"v":1,"id":%d,"verb":"ping"}\n' % i)
        buf = b''
        while b'\n' not in buf:
            chunk = s.recv(4096)
            if not chunk:
                break
            buf += chunk
        s.close()
    except OSError:
        return None
    return (time.monotonic() - t0) * 1000 if b'"ok":true' in buf else None


def ping(path, seconds):
    lat = []
    end = time.monotonic() + seconds
    i = 0
    while time.monotonic() < end:
        took = ping_once(path, i)
        if took is not None:
            lat.append(took)
        i += 1
        time.sleep(0.01)
    lat.sort()
    p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))] if lat else float('nan')
    print(f'{len(lat)} {i} {statistics.median(lat) if lat else float("nan"):.2f} {p99:.2f} {lat[-1] if lat else float("nan"):.2f}')


def timed(runs, cmd):
    ms = []
    for _ in range(runs):
        t0 = time.monotonic()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        ms.append((time.monotonic() - t0) * 1000)
    print(f'{statistics.median(ms):.1f} {min(ms):.1f}')


if __name__ == '__main__':
    what = sys.argv[1]
    if what in ('stdout', 'syslog'):
        flood(what, float(sys.argv[2]), sys.argv[3])
    elif what == 'fill':
        fill(int(sys.argv[2]), float(sys.argv[3]))
    elif what == 'lines':
        lines(int(sys.argv[2]))
    elif what == 'ping':
        ping(sys.argv[2], float(sys.argv[3]))
    elif what == 'time':
        timed(int(sys.argv[2]), sys.argv[3:])
    else:
        sys.exit(f'journal-flood: unknown mode {what}')
