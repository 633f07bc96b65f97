import { KeyLabels, OTHER_LABEL } from '../../src/emitter/key-labels';

describe('KeyLabels', () => {
  it('gives each job at most its quota of label values; later keys count under (other)', () => {
    const labels = new KeyLabels(3);
    expect(['a', 'b', 'c', 'd', 'a', 'e'].map((k) => labels.of('job', k))).toEqual(['a', 'b', 'c', OTHER_LABEL, 'a', OTHER_LABEL]);
    expect(labels.of('another-job', 'd')).toBe('d'); // the quota is per job
  });

  it('removes control characters and shortens long values', () => {
    const labels = new KeyLabels();
    expect(labels.of('j', 'in\u0000ner\u001b[31m')).toBe('inner[31m');
    expect(labels.of('j', 'x'.repeat(1000))).toBe(`${'x'.repeat(63)}…`);
  });
});
