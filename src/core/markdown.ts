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

/** Mermaid labels are quoted strings: drop what would end the quote or the line. */
export function mermaidLabel(text: string): string {
  return text.replace(/["\r\n`]/g, "'").replace(/[<>]/g, '');
}
