/**
 * Escaping for text a model wrote that ends up in the generated page. Two contexts only:
 * HTML text and attribute values (escapeHtml), and a JavaScript value inside a <script>
 * element (jsonForScript). Nothing a model writes is ever put into markup or code any other way.
 */

const HTML: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Safe in HTML text and in quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML[c]!);
}

/**
 * A JavaScript expression for `value`, safe inside a <script> element: JSON (quotes, backslashes
 * and control characters escaped by JSON.stringify, lone surrogates too), with `<`, `>` and `&`
 * written as \u escapes so no `</script>` or `<!--` can appear, and U+2028/U+2029 escaped for
 * engines older than ES2019 that end string literals at them.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
