/**
 * Microsoft Teams through a workflow (Power Automate) webhook: a message carrying one Adaptive
 * Card 1.5. Workflow webhooks answer 202 and keep no message id, so follow-ups are new cards.
 */
import { renderMessage } from '../templates.ts';
import { safeUrl, type Built, type Prepared } from '../types.ts';

export interface AdaptiveCard {
  $schema: string;
  type: 'AdaptiveCard';
  version: '1.5';
  body: Record<string, unknown>[];
  actions?: { type: 'Action.OpenUrl'; title: string; url: string }[];
  msteams: { width: 'Full' };
}

const COLOR = { critical: 'Attention', warning: 'Warning', info: 'Accent' } as const;

export function teamsCard(p: Prepared): AdaptiveCard {
  const msg = renderMessage(p.event, p.values, 'teams', p.template);
  const body: Record<string, unknown>[] = [
    {
      type: 'TextBlock',
      text: msg.title,
      weight: 'Bolder',
      size: 'Large',
      color: COLOR[p.severity],
      wrap: true,
      style: 'heading',
    },
  ];
  if (msg.text) body.push({ type: 'TextBlock', text: msg.text, wrap: true });
  if (msg.facts.length > 0)
    body.push({
      type: 'FactSet',
      facts: msg.facts.map((f) => ({ title: f.label, value: f.value })),
    });
  body.push({
    type: 'TextBlock',
    text: `${p.event} · ${p.severity}`,
    isSubtle: true,
    size: 'Small',
    wrap: true,
  });
  const actions = p.links
    .map((l) => ({ title: l.label, url: safeUrl(l.url) }))
    .filter((l): l is { title: string; url: string } => l.url !== null)
    .map((l) => ({ type: 'Action.OpenUrl' as const, ...l }));
  return {
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    type: 'AdaptiveCard',
    version: '1.5',
    body,
    ...(actions.length > 0 ? { actions } : {}),
    msteams: { width: 'Full' },
  };
}

export function teamsPayload(p: Prepared) {
  return {
    type: 'message' as const,
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive' as const,
        contentUrl: null,
        content: teamsCard(p),
      },
    ],
  };
}

export function buildTeams(p: Prepared, url: string): Built {
  return {
    request: {
      url,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(teamsPayload(p)),
    },
  };
}
