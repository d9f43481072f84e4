import { describe, expect, it } from 'vitest';
import { escapeControls } from '../../../src/output/escape-controls';

describe('escapeControls', () => {
  it("writes the review's forged line and OSC sequences as \\xHH", () => {
    // What `printf '\033]0;TITLE\007\033[2K\r[ERROR ts-init] forged\n'` prints, less the newline.
    expect(escapeControls('\x1b]0;TITLE\x07\x1b[2K\r[ERROR ts-init] forged')).toBe('\\x1b]0;TITLE\\x07\\x1b[2K\\x0d[ERROR ts-init] forged');
    expect(escapeControls('\x1b]52;c;ZWNobyBwd25lZA==\x07clipboard')).toBe('\\x1b]52;c;ZWNobyBwd25lZA==\\x07clipboard');
  });

  it('escapes every C0 control but TAB, DEL and every C1 control; nothing else', () => {
    for (let c = 0; c < 0x200; c++) {
      const ch = String.fromCharCode(c);
      const control = (c < 0x20 && c !== 0x09) || (c >= 0x7f && c <= 0x9f);
      expect(escapeControls(ch)).toBe(control ? `\\x${c.toString(16).padStart(2, '0')}` : ch);
    }
  });

  it('leaves ordinary text alone, backslashes, tabs and other scripts included', () => {
    for (const s of ['', 'plain', 'a\tb', 'C:\\path\\x1b', 'é€😀 текст', '\u2028']) expect(escapeControls(s)).toBe(s);
  });
});
