/** The label value every key past a job's first METRIC_KEYS_PER_JOB counts under. */
export const OTHER_LABEL = '(other)';
/** Per-key series a job may have: data values must never become unbounded labels. */
export const METRIC_KEYS_PER_JOB = 50;
const MAX_LABEL_LENGTH = 64;

/**
 * Turns data keys into Prometheus label values, bounded: the first METRIC_KEYS_PER_JOB
 * distinct keys of a job keep a series of their own (control characters removed, at most
 * 64 characters), every later one counts under OTHER_LABEL. First come, first kept, so a
 * series never moves to another label.
 */
export class KeyLabels {
  private readonly admitted = new Map<string, Map<string, string>>();

  constructor(private readonly perJob = METRIC_KEYS_PER_JOB) {}

  of(job: string, key: string): string {
    let labels = this.admitted.get(job);
    if (!labels) this.admitted.set(job, (labels = new Map()));
    const known = labels.get(key);
    if (known !== undefined) return known;
    if (labels.size >= this.perJob) return OTHER_LABEL;
    const label = sanitise(key);
    labels.set(key, label);
    return label;
  }
}

function sanitise(key: string): string {
  // eslint-disable-next-line no-control-regex -- removing control characters is the point
  const clean = key.replace(/[\u0000-\u001f\u007f-\u009f]/g, '');
  return clean.length > MAX_LABEL_LENGTH ? `${clean.slice(0, MAX_LABEL_LENGTH - 1)}…` : clean;
}
