// Unit output is text a unit chose, shown on operators' terminals (the container log,
// `ts-init ctl logs`, `systemctl status`). Raw control characters there would act on
// the terminal: a CR or an ANSI erase hides the unit's name and forges one of ts-init's
// own lines, OSC 0 retitles the window, OSC 52 writes the clipboard. journalctl does not
// print such lines raw either. Every C0 control but TAB, DEL and every C1 control is
// written as \xHH, its code in hex (ESC is \x1b, CR \x0d); the rest is left as it is,
// backslashes included. JSON output escapes by itself and gets the raw line. Pure.

const CONTROL = /[\x00-\x08\x0a-\x1f\x7f-\x9f]/;
const CONTROLS = new RegExp(CONTROL.source, 'g');

function hex(c: string): string {
  return `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`;
}

/** The line with its control characters (TAB aside) written as \xHH. */
export function escapeControls(line: string): string {
  return CONTROL.test(line) ? line.replace(CONTROLS, hex) : line;
}
