/** Renders one progress line (rate, percentage, ETA) for a terminal. Pure. */
export function progressLine(p: { bytesRead: number; totalBytes: number; events: number; deadLettered: number; elapsedMs: number; width?: number }): string {
  const seconds = Math.max(p.elapsedMs / 1000, 0.001);
  const rate = p.events / seconds;
  const fraction = p.totalBytes > 0 ? Math.min(1, p.bytesRead / p.totalBytes) : 0;
  const barWidth = p.width ?? 24;
  const filled = Math.round(fraction * barWidth);
  const eta = fraction > 0 && fraction < 1 ? (seconds / fraction) * (1 - fraction) : 0;
  return (
    `[${'#'.repeat(filled)}${'.'.repeat(barWidth - filled)}] ${(fraction * 100).toFixed(1).padStart(5)}%  ` +
    `${p.events.toLocaleString('en')} events  ${Math.round(rate).toLocaleString('en')}/s  ` +
    `${p.deadLettered.toLocaleString('en')} dead-lettered  ETA ${formatDuration(eta)}`
  );
}

export function formatDuration(seconds: number): string {
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = s % 60;
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : `${m}m${String(rest).padStart(2, '0')}s`;
}
