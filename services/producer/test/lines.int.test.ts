import net from 'node:net';
import { decodeTextLine } from '@streamtally/contracts';
import { readTopic, testBrokers, waitFor } from '@streamtally/test-support';
import { createHarness } from './support/producer-harness';

describe('text lines over TCP (the word-count source)', () => {
  it('publishes each line a client sends and dead-letters undecodable ones', async () => {
    const { app, config, kafka } = createHarness(testBrokers(), { LISTEN_HOST: '127.0.0.1', LISTEN_PORT: '0' });
    const controller = new AbortController();
    let port = 0;
    const running = app.lines(controller.signal, undefined, (p) => (port = p));
    let counts: Awaited<typeof running> | undefined;
    try {
      await waitFor(() => port, { what: 'the TCP listener' });
      const socket = net.connect(port, '127.0.0.1');
      await new Promise((resolve) => socket.once('connect', resolve));
      socket.write('to be or not to be\r\nthat is ');
      socket.write(Buffer.concat([Buffer.from('the question\n'), Buffer.from([0xc3, 0x28, 0x0a]), Buffer.from('\n')]));
      socket.end();
      const records = await readTopic(kafka, config.TEXT_TOPIC, 2);
      const texts = records.map((r) => {
        const decoded = decodeTextLine(r.value);
        if (!decoded.ok) throw new Error(decoded.error);
        expect(decoded.value.source).toMatch(/^tcp:/);
        return decoded.value.text;
      });
      expect(texts.sort()).toEqual(['that is the question', 'to be or not to be']);
      const letters = await readTopic(kafka, config.TEXT_DEAD_LETTER_TOPIC, 1);
      expect(JSON.parse(letters[0]!.value!)).toMatchObject({ reason: expect.stringContaining('UTF-8'), raw: Buffer.from([0xc3, 0x28]).toString('base64') });
    } finally {
      controller.abort();
      counts = await running;
      await app.close();
    }
    // asserted after the clean-up: an expect in finally would hide the error that got there
    expect(counts).toEqual({ lines: 2, deadLettered: 1 });
  });
});
