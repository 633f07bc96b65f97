/** Default topic names. Every service lets the operator override them by environment. */
export const DEFAULT_TOPICS = {
  userActions: 'user-actions',
  userActionsDeadLetter: 'user-actions.dlq',
  textLines: 'text-lines',
  textLinesDeadLetter: 'text-lines.dlq',
  windowResults: 'window-results',
  lateEvents: 'late-events',
  aggregatorDeadLetter: 'aggregator.dlq',
  jobDescriptions: 'job-descriptions',
} as const;
