/**
 * Text from metrics labels, trigger names or users lands in Markdown (job summaries, issue
 * comments). Escape it so it cannot break a table, inject HTML, or ping people and teams.
 */
export function escapeMarkdown(text: string): string {
  return text
    .replace(/[\\`*_{}[\]()#+!|<>~]/g, (c) => `\\${c}`)
    .replace(/&/g, '&amp;')
    .replace(/@/g, '@\u200b')
    .replace(/\r?\n/g, ' ');
}

/**
 * Mermaid labels are quoted strings: drop what would end the quote or the line. `>` stays (a
 * chart title reads `error-ratio > 2% for 5m`; alone it cannot open a tag); `<` is written as
 * Mermaid's entity code `#lt;` (https://mermaid.js.org/syntax/flowchart.html#entity-codes-to-escape-characters),
 * so no tag can be formed either way.
 */
export function mermaidLabel(text: string): string {
  return text
    .replace(/["\r\n`]/g, "'")
    .replace(/#/g, '#35;')
    .replace(/</g, '#lt;');
}
