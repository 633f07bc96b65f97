import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ephemeralPorts, freePortRange } from '../src/ports';

describe('ports for test servers', () => {
  it("reads the kernel's ephemeral range, and falls back to Linux's default when it cannot", () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ports-')), 'range');
    fs.writeFileSync(file, '40000\t50000\n');
    expect(ephemeralPorts(file)).toEqual({ low: 40_000, high: 50_000 });
    expect(ephemeralPorts(path.join(path.dirname(file), 'missing'))).toEqual({ low: 32_768, high: 60_999 });
  });

  it('picks consecutive ports outside the ephemeral range, below it when there is room, else above', async () => {
    for (let i = 0; i < 20; i += 1) {
      const below = await freePortRange(6, { low: 32_768, high: 60_999 });
      expect(below).toBeGreaterThanOrEqual(10_000);
      expect(below + 5).toBeLessThan(32_768);
      const above = await freePortRange(6, { low: 10_500, high: 50_000 });
      expect(above).toBeGreaterThan(50_000);
      expect(above + 5).toBeLessThanOrEqual(65_535);
    }
  });
});
