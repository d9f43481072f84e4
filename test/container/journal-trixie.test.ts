// The journal proof on Debian 13 (systemd 257): the journal image (scripts/journal-image.sh) with sshd,
// cron, Postfix, fail2ban and python3-systemd, without and with rsyslog, booted under systemd and
// under ts-init side by side; the image's own journalctl, fail2ban and rsyslog must see the same
// under both, and ts-init's journalctl must answer as systemd's does (test/helpers/journal-proof-suite.ts).
import { describeJournalProof } from '../helpers/journal-proof-suite';

describeJournalProof('trixie');
