// Terminals act on control characters: a newline in a key would start a forged log line, `ESC ] 0 ; … BEL` would set
// the window title, C1's CSI (U+009B) moves the cursor. Text logs show them escaped instead.

// C0 (tab and newline included), DEL, C1, and the Unicode line and paragraph separators some viewers break lines on.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

const NAMED: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** Replaces every control character with a visible escape: `\n`, `\r`, `\t`, `\x1b`, `\x9b`, `\u2028`. */
export function escapeControlChars(text: string): string {
  return text.replace(CONTROL, (c) => {
    const named = NAMED[c];
    if (named) return named;
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

// JSON escapes C0 by itself; these are the control characters it leaves raw.
const JSON_RAW = /[\u007f-\u009f\u2028\u2029]/g;

/** Escapes, as `\uXXXX`, the control characters JSON.stringify leaves raw: the line decodes to the same values. */
export function escapeRawJsonControls(json: string): string {
  return json.replace(JSON_RAW, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
