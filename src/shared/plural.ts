/** `1 source`, `2 sources`, `1 policy`, `2 policies`: counts in text never read "1 sources" or "gate(s)". */
export function plural(count: number, singular: string, pluralForm?: string): string {
  const many =
    pluralForm ?? (/[^aeiou]y$/.test(singular) ? `${singular.slice(0, -1)}ies` : `${singular}s`);
  return `${count} ${count === 1 ? singular : many}`;
}
